//! Checked reads from entry logs: a handle that validates the file header once, and span reads
//! that always cover at least one whole record.
//!
//! Invariant: nothing here trusts a length read from disk beyond `entry_bytes_max`; a record that
//! claims more is reported as corruption.

use std::cell::Cell;
use std::rc::Rc;

use disk::DurableFile;

use super::format::{decode_log_header, peek_record_header, LOG_HEADER_BYTES, RECORD_HEADER_BYTES};
use super::log_file_name;
use crate::error::StoreError;

/// An open entry log, shared by readers, the writer and compaction.
pub(crate) struct LogFile<F> {
    pub(crate) log_id: u32,
    pub(crate) file: Rc<F>,
    header_checked: Cell<bool>,
}

impl<F: DurableFile> LogFile<F> {
    pub(crate) fn new(log_id: u32, file: Rc<F>, header_checked: bool) -> Self {
        Self {
            log_id,
            file,
            header_checked: Cell::new(header_checked),
        }
    }

    /// Checks magic, version, checksum and log id of the header, once per handle.
    async fn check_header(&self) -> Result<(), StoreError> {
        if self.header_checked.get() {
            return Ok(());
        }
        let bytes = self.file.read_at(0, LOG_HEADER_BYTES).await?;
        let name = log_file_name(self.log_id);
        let header =
            decode_log_header(&bytes).map_err(|reason| StoreError::corrupt(&name, 0, reason))?;
        if header.log_id != self.log_id {
            return Err(StoreError::corrupt(&name, 0, "header names another log id"));
        }
        self.header_checked.set(true);
        Ok(())
    }

    /// Reads `span_bytes` at `offset_bytes`, extended so that the record starting there is whole.
    /// The record itself is not verified here.
    pub(crate) async fn read_span(
        &self,
        offset_bytes: u64,
        span_bytes: usize,
        entry_bytes_max: usize,
    ) -> Result<Vec<u8>, StoreError> {
        self.check_header().await?;
        let name = log_file_name(self.log_id);
        let mut bytes = self
            .file
            .read_at(offset_bytes, span_bytes.max(RECORD_HEADER_BYTES))
            .await?;
        let header = peek_record_header(&bytes).ok_or_else(|| {
            StoreError::corrupt(&name, offset_bytes, "no record at indexed location")
        })?;
        if header.body_bytes as usize > entry_bytes_max {
            return Err(StoreError::corrupt(
                &name,
                offset_bytes,
                "record longer than entry_bytes_max",
            ));
        }
        let record_bytes = header.record_bytes() as usize;
        if bytes.len() < record_bytes {
            let rest = self
                .file
                .read_at(
                    offset_bytes + bytes.len() as u64,
                    record_bytes - bytes.len(),
                )
                .await?;
            bytes.extend_from_slice(&rest);
        }
        if bytes.len() < record_bytes {
            return Err(StoreError::corrupt(
                &name,
                offset_bytes,
                "record runs past end of file",
            ));
        }
        Ok(bytes)
    }
}
