//! The one error type of the ledger store, [`StoreError`].
//!
//! Every variant is an operating error that a caller can branch on; programmer errors panic.

use disk::DiskError;
use types::{EntryId, LedgerId};

/// What went wrong in a ledger-store operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The ledger is unknown (never created, or deleted).
    #[error("ledger {ledger_id} does not exist")]
    NoLedger { ledger_id: LedgerId },
    /// The ledger exists but holds no such entry (or no entry at all, for entry -1).
    #[error("entry {entry_id} of ledger {ledger_id} does not exist")]
    NoEntry {
        ledger_id: LedgerId,
        entry_id: EntryId,
    },
    /// A keyed request presented a master key different from the stored one.
    #[error("master key mismatch for ledger {ledger_id}")]
    KeyMismatch { ledger_id: LedgerId },
    /// The active write-cache half is full: the caller must flush, then retry the add.
    #[error("write cache full ({cache_bytes_max} bytes in all); flush before adding more")]
    WriteCacheFull { cache_bytes_max: u64 },
    /// The entry or blob is not storable (too short, too long, or a negative entry id).
    #[error("invalid entry {entry_id} of ledger {ledger_id}: {reason}")]
    InvalidEntry {
        ledger_id: LedgerId,
        entry_id: EntryId,
        reason: &'static str,
    },
    /// The device is full. The operation changed nothing durable; it may be retried later.
    #[error("no space left on device: {0}")]
    NoSpace(DiskError),
    /// An I/O error (read or write). Nothing durable was changed by a failed write.
    #[error("I/O error: {0}")]
    Io(DiskError),
    /// An fsync failed: the store is poisoned and must be reopened.
    #[error("fsync failed, store poisoned (reopen it): {0}")]
    SyncFailed(DiskError),
    /// Bytes on disk failed a check (checksum, magic, version, ids, lengths).
    #[error("corrupt {file} at offset {offset_bytes}: {reason}")]
    Corrupt {
        file: String,
        offset_bytes: u64,
        reason: String,
    },
    /// An earlier fsync failed (or a flush was cancelled midway): writes are refused until the
    /// store is reopened, which recovers the last completed flush.
    #[error("store poisoned by an earlier fsync failure; reopen it")]
    Poisoned,
    /// The configuration is inconsistent.
    #[error("invalid ledger-store configuration: {0}")]
    Config(String),
}

impl From<DiskError> for StoreError {
    fn from(error: DiskError) -> Self {
        match error {
            DiskError::NoSpace { .. } => StoreError::NoSpace(error),
            DiskError::SyncFailed { .. } => StoreError::SyncFailed(error),
            _ => StoreError::Io(error),
        }
    }
}

impl StoreError {
    /// Whether this error leaves the durability of earlier writes unknown, so the store must stop
    /// accepting writes (a failed fsync, or a simulated crash).
    pub(crate) fn poisons(&self) -> bool {
        matches!(
            self,
            StoreError::SyncFailed(_) | StoreError::Io(DiskError::Crashed { .. })
        )
    }

    /// A corruption error for `file` at `offset_bytes`.
    pub(crate) fn corrupt(file: &str, offset_bytes: u64, reason: impl Into<String>) -> Self {
        StoreError::Corrupt {
            file: file.to_owned(),
            offset_bytes,
            reason: reason.into(),
        }
    }
}
