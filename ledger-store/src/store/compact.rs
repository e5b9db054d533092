//! Compaction: copies the live entries of sparsely used entry logs to the current log, updates the
//! index, and removes the old log once the new locations are durable.
//!
//! Work is done in steps of `compaction_batch_entries` entries. Each step holds the gate, copies
//! its entries, syncs the log, appends one index batch (puts at the new locations), and releases
//! the gate; then compaction sleeps for the time the step may take at the configured rate and
//! yields, so flushes and foreground adds are never stalled for more than one step.
//!
//! Invariants:
//! - An entry is copied only if the index still names its old location (not deleted or moved
//!   meanwhile), and its record is checked (CRC and identity) before it is copied.
//! - The old log is removed only after every step's index batch is durable and the index names
//!   nothing in it.

use std::time::Duration;

use disk::{DurableDir, DurableFile};
use types::{EntryId, EntryLocation, LedgerId};

use super::lease::Lease;
use super::LedgerStore;
use crate::entry_log::format::decode_record;
use crate::entry_log::log_file_name;
use crate::error::StoreError;
use crate::index::record::IndexRecord;
use crate::pacing::{CompactionRate, Sleep};

/// What one compaction run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactionReport {
    /// Entry logs compacted and removed.
    pub logs_compacted: u64,
    /// Entries copied.
    pub entries_moved: u64,
    /// Record bytes copied.
    pub bytes_moved: u64,
    /// Size of the removed logs, in bytes.
    pub bytes_reclaimed: u64,
    /// Total pause taken for rate limiting.
    pub paused: Duration,
}

impl<D: DurableDir> LedgerStore<D> {
    /// Compacts every sealed entry log whose usage (live bytes / file size) is below
    /// `usage_threshold` (0.0..=1.0), pacing the copy at `rate` through `sleep`.
    pub async fn compact<S: Sleep>(
        &self,
        usage_threshold: f64,
        rate: CompactionRate,
        sleep: &S,
    ) -> Result<CompactionReport, StoreError> {
        let mut report = CompactionReport::default();
        for (log_id, size_bytes) in self.compaction_candidates(usage_threshold).await? {
            self.compact_log(log_id, rate, sleep, &mut report).await?;
            if self.remove_compacted_log(log_id).await? {
                report.logs_compacted += 1;
                report.bytes_reclaimed += size_bytes;
            }
        }
        tracing::debug!(?report, "compaction finished");
        Ok(report)
    }

    /// Sealed logs with live entries and usage below the threshold, with their sizes.
    async fn compaction_candidates(
        &self,
        usage_threshold: f64,
    ) -> Result<Vec<(u32, u64)>, StoreError> {
        let _guard = self.gate.lock().await;
        self.check_not_poisoned()?;
        let current = self
            .writer
            .borrow()
            .as_ref()
            .and_then(|writer| writer.current_log_id());
        let logs: Vec<_> = self
            .logs
            .borrow()
            .iter()
            .map(|(&id, log)| (id, log.clone()))
            .collect();
        let mut candidates = Vec::new();
        for (log_id, log) in logs {
            if Some(log_id) == current {
                continue;
            }
            let size_bytes = log.file.size_bytes().await?;
            let live_bytes = self.index.borrow().live_bytes(log_id);
            if live_bytes > 0
                && size_bytes > 0
                && (live_bytes as f64) < usage_threshold * size_bytes as f64
            {
                candidates.push((log_id, size_bytes));
            }
        }
        Ok(candidates)
    }

    /// Copies the live entries of `log_id`, step by step.
    async fn compact_log<S: Sleep>(
        &self,
        log_id: u32,
        rate: CompactionRate,
        sleep: &S,
        report: &mut CompactionReport,
    ) -> Result<(), StoreError> {
        let entries = self.index.borrow().entries_in_log(log_id);
        for step in entries.chunks(self.config.compaction_batch_entries) {
            let (moved, bytes) = {
                let _guard = self.gate.lock().await;
                self.check_not_poisoned()?;
                self.compaction_step(log_id, step)
                    .await
                    .map_err(|error| self.note_error(error))?
            };
            report.entries_moved += moved;
            report.bytes_moved += bytes;
            let pause = rate.pause_after(moved, bytes);
            report.paused += pause;
            if !pause.is_zero() {
                sleep.sleep(pause).await;
            }
            futures_lite::future::yield_now().await;
        }
        Ok(())
    }

    /// One step: copy, sync, index. Runs under the gate.
    async fn compaction_step(
        &self,
        log_id: u32,
        step: &[(LedgerId, EntryId, EntryLocation)],
    ) -> Result<(u64, u64), StoreError> {
        let log = self.logs.borrow().get(&log_id).cloned();
        let Some(log) = log else { return Ok((0, 0)) };
        let name = log_file_name(log_id);
        let mut records = Vec::with_capacity(step.len());
        let mut bytes_moved = 0u64;
        let mut writer = Lease::take(&self.writer)?;
        let mut result = Ok(());
        for &(ledger_id, entry_id, old) in step {
            if self.index.borrow().get(ledger_id, entry_id) != Some(old) {
                continue;
            }
            let copied = async {
                let span = log
                    .read_span(old.offset_bytes(), 0, self.config.entry_bytes_max)
                    .await?;
                let (header, body) = decode_record(&span)
                    .map_err(|reason| StoreError::corrupt(&name, old.offset_bytes(), reason))?;
                if header.ledger_id != ledger_id
                    || header.entry_id != entry_id
                    || header.log_id != log_id
                {
                    return Err(StoreError::corrupt(
                        &name,
                        old.offset_bytes(),
                        "record names another entry or log",
                    ));
                }
                let location = writer.append(&self.dir, ledger_id, entry_id, body).await?;
                Ok::<_, StoreError>((location, header.record_bytes()))
            }
            .await;
            match copied {
                Ok((location, record_bytes)) => {
                    bytes_moved += record_bytes;
                    let record_bytes = u32::try_from(record_bytes).unwrap_or(u32::MAX);
                    records.push(IndexRecord::Put {
                        ledger_id,
                        entry_id,
                        location,
                        record_bytes,
                    });
                }
                Err(error) => {
                    result = Err(error);
                    break;
                }
            }
        }
        if result.is_ok() && !records.is_empty() {
            result = writer.sync_all(&self.dir).await;
        }
        self.register_created(&mut writer);
        if let Err(error) = result {
            writer.rollback();
            return Err(error);
        }
        drop(writer);
        self.append_index(&records).await?;
        Ok((records.len() as u64, bytes_moved))
    }

    /// Removes a compacted log if the index names nothing in it any more; `Ok(true)` if removed.
    async fn remove_compacted_log(&self, log_id: u32) -> Result<bool, StoreError> {
        let _guard = self.gate.lock().await;
        self.check_not_poisoned()?;
        if self.index.borrow().live_bytes(log_id) != 0 || !self.logs.borrow().contains_key(&log_id)
        {
            return Ok(false);
        }
        let result = async {
            self.dir.remove_file(&log_file_name(log_id)).await?;
            self.logs.borrow_mut().remove(&log_id);
            self.dir.sync_dir().await?;
            Ok(true)
        }
        .await;
        result.map_err(|error: StoreError| self.note_error(error))
    }
}
