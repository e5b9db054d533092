//! The index journal: one file per generation, a header block and then one batch per flush,
//! each batch starting on an aligned boundary and padded with zeros.
//!
//! Invariants:
//! - A batch is appended at `durable_end` and synced before the append returns, so bytes below
//!   `durable_end` are never written again; a failed append is retried at the same offset.
//! - Loading stops at the first invalid batch (a torn tail). A valid batch found after an invalid
//!   one means the invalid one was damaged in place (bit rot), which is reported as corruption.

use std::rc::Rc;

use disk::{DurableDir, DurableFile};

use super::file_header::{self, FILE_HEADER_BYTES, JOURNAL_MAGIC};
use super::journal_file_name;
use super::record::{decode_batch, encode_batch, BatchHeader, IndexRecord};
use crate::be::{align_up, pad_to};
use crate::error::StoreError;

/// The journal generation this store appends to.
pub(crate) struct IndexJournal<F> {
    gen: u64,
    file: Option<Rc<F>>,
    durable_end: u64,
}

impl<F: DurableFile> IndexJournal<F> {
    /// A journal of generation `gen`, created on the first append.
    pub(crate) fn new(gen: u64) -> Self {
        Self {
            gen,
            file: None,
            durable_end: 0,
        }
    }

    pub(crate) fn gen(&self) -> u64 {
        self.gen
    }

    /// Bytes this generation holds on disk.
    pub(crate) fn durable_bytes(&self) -> u64 {
        self.durable_end
    }

    /// Appends one batch and makes it durable (file sync, plus a directory sync on creation).
    pub(crate) async fn append<D: DurableDir<File = F>>(
        &mut self,
        dir: &D,
        header: BatchHeader,
        records: &[IndexRecord],
    ) -> Result<(), StoreError> {
        let mut bytes = Vec::new();
        let created = if self.file.is_none() {
            let name = journal_file_name(self.gen);
            // A file left by an earlier failed attempt of this same generation holds nothing
            // durable that anyone relies on: start it over.
            match dir.remove_file(&name).await {
                Ok(()) | Err(disk::DiskError::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
            self.file = Some(Rc::new(dir.create_file(&name).await?));
            true
        } else {
            false
        };
        let file = self.file.clone().ok_or(StoreError::Poisoned)?;
        let alignment_bytes = file.alignment_bytes();
        if self.durable_end == 0 {
            bytes.extend_from_slice(&file_header::encode(JOURNAL_MAGIC, self.gen, 0));
            pad_to(&mut bytes, alignment_bytes);
        }
        encode_batch(&mut bytes, header, records);
        pad_to(&mut bytes, alignment_bytes);
        let result = async {
            file.write_at(self.durable_end, &bytes).await?;
            file.sync().await?;
            if created || self.durable_end == 0 {
                dir.sync_dir().await?;
            }
            Ok::<(), StoreError>(())
        }
        .await;
        if let Err(error) = result {
            if self.durable_end == 0 {
                self.file = None;
            }
            return Err(error);
        }
        self.durable_end += bytes.len() as u64;
        Ok(())
    }
}

/// The batches of one journal file, in order, up to its torn tail; and the file's length.
pub(crate) async fn load<F: DurableFile>(
    file: &F,
    name: &str,
) -> Result<(Vec<(BatchHeader, Vec<IndexRecord>)>, u64), StoreError> {
    let alignment_bytes = file.alignment_bytes();
    let size_bytes = file.size_bytes().await?;
    let bytes = file
        .read_at(0, usize::try_from(size_bytes).unwrap_or(usize::MAX))
        .await?;
    if bytes.len() < FILE_HEADER_BYTES {
        // Created but never completed: holds nothing.
        return Ok((Vec::new(), size_bytes));
    }
    if file_header::decode(&bytes, JOURNAL_MAGIC).is_err() {
        // The header and the first batch are written and synced together, so a bad header means
        // that first append never completed (its batch may have landed, torn, but was never
        // acknowledged): the file holds nothing durable.
        return Ok((Vec::new(), size_bytes));
    }
    let mut batches = Vec::new();
    let mut offset = alignment_bytes;
    let mut last_seq = None;
    while offset < bytes.len() {
        match decode_batch(&bytes[offset..]) {
            Ok((header, records, len)) if last_seq.is_none_or(|seq| header.seq > seq) => {
                last_seq = Some(header.seq);
                batches.push((header, records));
                offset = align_up((offset + len) as u64, alignment_bytes as u64) as usize;
            }
            _ => break,
        }
    }
    if offset < bytes.len() {
        let next = offset + alignment_bytes;
        if let Some(found) = find_valid_batch(&bytes, next, alignment_bytes) {
            return Err(StoreError::corrupt(
                name,
                offset as u64,
                format!("invalid batch followed by a valid one at {found}"),
            ));
        }
    }
    Ok((batches, size_bytes))
}

/// The offset of the first valid batch at an aligned offset at or after `from`.
fn find_valid_batch(bytes: &[u8], from: usize, alignment_bytes: usize) -> Option<usize> {
    (from..bytes.len())
        .step_by(alignment_bytes)
        .find(|&offset| decode_batch(&bytes[offset..]).is_ok())
}
