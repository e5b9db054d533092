//! The read path: write caches, then the read-ahead cache, then the index and the entry log,
//! with read-ahead of the following entries of the same ledger after a miss.
//!
//! Concurrent misses inside the span of an entry-log read in flight wait for that read and look in
//! the read-ahead cache again before reading themselves (`read_coalesce.rs`).
//!
//! Invariant: every body returned from disk passed its record CRC and names the requested
//! (ledger, entry) and log; anything else is [`StoreError::Corrupt`].

use std::rc::Rc;

use bytes::Bytes;
use disk::{DurableDir, DurableFile};
use types::{special_entry, EntryId, EntryLocation, LedgerId};

use super::LedgerStore;
use crate::be::align_up;
use crate::entry_log::format::{decode_record, is_padding, peek_record_header};
use crate::entry_log::log_file_name;
use crate::entry_log::reader::LogFile;
use crate::error::StoreError;

impl<D: DurableDir> LedgerStore<D> {
    /// Reads an entry body, byte-identical to what was added; entry id -1
    /// ([`special_entry::LAST_ADD_CONFIRMED`]) reads the highest stored entry.
    pub async fn read_entry(
        &self,
        ledger_id: LedgerId,
        entry_id: EntryId,
    ) -> Result<Bytes, StoreError> {
        let entry_id = if entry_id == special_entry::LAST_ADD_CONFIRMED {
            self.last_entry_id(ledger_id)?.ok_or(StoreError::NoEntry {
                ledger_id,
                entry_id,
            })?
        } else {
            if !self.ledger_exists(ledger_id) {
                return Err(StoreError::NoLedger { ledger_id });
            }
            entry_id
        };
        if let Some(body) = self.write_cache.borrow().get(ledger_id, entry_id) {
            return Ok(body);
        }
        if let Some(body) = self.read_cache.borrow().get(ledger_id, entry_id) {
            return Ok(body);
        }
        let lookup = || {
            self.indexed_location(ledger_id, entry_id)
                .ok_or(StoreError::NoEntry {
                    ledger_id,
                    entry_id,
                })
        };
        let mut location = lookup()?;
        if self
            .span_reads
            .wait_for_covering(location.log_id(), location.offset_bytes())
            .await
        {
            if let Some(body) = self.read_cache.borrow().get(ledger_id, entry_id) {
                return Ok(body);
            }
            // Looked up again: compaction may have moved the entry while this read waited.
            location = lookup()?;
        }
        let log = self
            .logs
            .borrow()
            .get(&location.log_id())
            .cloned()
            .ok_or_else(|| {
                StoreError::corrupt(
                    &log_file_name(location.log_id()),
                    location.offset_bytes(),
                    "indexed entry log is missing",
                )
            })?;
        self.read_from_log(&log, ledger_id, entry_id, location)
            .await
    }

    /// Reads the record at `location` plus read-ahead bytes, checks it, and caches the following
    /// entries of the same ledger that the index confirms are at their parsed offsets.
    async fn read_from_log(
        &self,
        log: &Rc<LogFile<D::File>>,
        ledger_id: LedgerId,
        entry_id: EntryId,
        location: EntryLocation,
    ) -> Result<Bytes, StoreError> {
        let offset_bytes = location.offset_bytes();
        let _listed = self.span_reads.start(
            log.log_id,
            offset_bytes,
            self.config.read_ahead_bytes_max as u64,
        );
        let span = log
            .read_span(
                offset_bytes,
                self.config.read_ahead_bytes_max,
                self.config.entry_bytes_max,
            )
            .await?;
        let name = log_file_name(log.log_id);
        let (header, body) = decode_record(&span)
            .map_err(|reason| StoreError::corrupt(&name, offset_bytes, reason))?;
        if header.ledger_id != ledger_id
            || header.entry_id != entry_id
            || header.log_id != log.log_id
        {
            return Err(StoreError::corrupt(
                &name,
                offset_bytes,
                "record names another entry or log",
            ));
        }
        let body = Bytes::copy_from_slice(body);
        let alignment_bytes = log.file.alignment_bytes() as u64;
        self.read_ahead(
            log.log_id,
            ledger_id,
            offset_bytes,
            &span,
            header.record_bytes(),
            alignment_bytes,
        );
        Ok(body)
    }

    /// Caches the records after the first one in `span` while they belong to `ledger_id`.
    fn read_ahead(
        &self,
        log_id: u32,
        ledger_id: LedgerId,
        base_bytes: u64,
        span: &[u8],
        first_bytes: u64,
        alignment_bytes: u64,
    ) {
        let mut position = first_bytes as usize;
        let mut cached = 0;
        while cached < self.config.read_ahead_entries_max {
            let Some(rest) = span.get(position..) else {
                break;
            };
            if is_padding(rest) {
                // Padding between two flushes: the next record starts on the next aligned offset.
                let next = align_up(base_bytes + position as u64 + 1, alignment_bytes) - base_bytes;
                position = next as usize;
                continue;
            }
            let Some(header) = peek_record_header(rest) else {
                break;
            };
            if header.ledger_id != ledger_id || header.log_id != log_id {
                break;
            }
            let Ok((_, body)) = decode_record(rest) else {
                break;
            };
            let here = EntryLocation::new(log_id, base_bytes + position as u64);
            if here.is_none() || self.indexed_location(ledger_id, header.entry_id) != here {
                break;
            }
            self.read_cache.borrow_mut().insert(
                ledger_id,
                header.entry_id,
                Bytes::copy_from_slice(body),
            );
            position += header.record_bytes() as usize;
            cached += 1;
        }
    }
}
