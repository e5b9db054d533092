//! Garbage collection: removes entry logs that hold no live entry.
//!
//! Invariant: a log is removed only when the durable index names nothing in it (its usage is
//! zero) and the writer is not appending to it; deletions count only once their tombstone is
//! durable, so a crash can never leave the index naming a removed log.

use disk::{DurableDir, DurableFile};

use super::LedgerStore;
use crate::entry_log::log_file_name;
use crate::error::StoreError;

/// What one GC run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Entry logs removed.
    pub logs_removed: u64,
    /// Their total size in bytes.
    pub bytes_reclaimed: u64,
}

impl<D: DurableDir> LedgerStore<D> {
    /// Removes every entry log without live entries (ledgers deleted and flushed, or garbage left
    /// by failed flushes and finished compactions), then syncs the directory.
    pub async fn gc(&self) -> Result<GcReport, StoreError> {
        let _guard = self.gate.lock().await;
        self.check_not_poisoned()?;
        let current = self
            .writer
            .borrow()
            .as_ref()
            .and_then(|writer| writer.current_log_id());
        let dead: Vec<_> = {
            let index = self.index.borrow();
            self.logs
                .borrow()
                .iter()
                .filter(|(&log_id, _)| Some(log_id) != current && index.live_bytes(log_id) == 0)
                .map(|(&log_id, log)| (log_id, log.clone()))
                .collect()
        };
        let mut report = GcReport::default();
        for (log_id, log) in dead {
            let size_bytes = log
                .file
                .size_bytes()
                .await
                .map_err(|error| self.note_error(error.into()))?;
            self.dir
                .remove_file(&log_file_name(log_id))
                .await
                .map_err(|error| self.note_error(error.into()))?;
            self.logs.borrow_mut().remove(&log_id);
            report.logs_removed += 1;
            report.bytes_reclaimed += size_bytes;
        }
        if report.logs_removed > 0 {
            self.dir
                .sync_dir()
                .await
                .map_err(|error| self.note_error(error.into()))?;
        }
        tracing::debug!(?report, "gc finished");
        Ok(report)
    }
}
