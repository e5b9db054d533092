//! The checkpoint protocol: the one place where the journal and the ledger store meet.
//!
//! **Invariant (the checkpoint rule).** The mark persisted by a checkpoint is a journal position
//! `m` such that every record at or below `m` has its effect durable in the ledger store. The
//! journal may then delete files wholly below `m`, and replay after a restart starts at `m`.
//!
//! Why the steps below keep it:
//! 1. `m = journal.durable_pos()` is read *before* the ledger store is flushed.
//! 2. Every path that journals a record (add, fence, explicit LAC, first key of a ledger) applies
//!    it to the ledger store *before* it appends the record to the journal, in the same
//!    synchronous step (see `storage_shard`). So every record at or below `m`, which was durable
//!    when `m` was read, had already been applied to the ledger store.
//! 3. `LedgerStore::flush` makes durable everything applied before it was called.
//! 4. Only after the flush returned `Ok` is `m` written to the mark file (temp, sync, rename,
//!    directory sync), and only after that does the journal delete files below `m`.
//!
//! A crash between any two steps leaves the previous mark in place, which is still valid: the
//! journal files it needs are deleted only after the new mark is durable.
//!
//! Checkpoints are serialised: two concurrent calls run one after the other.

use disk::DurableDir;
use journal::Sleep;
use ledger_store::{CompactionRate, FlushReport, LedgerStore, StoreError};
use types::JournalPos;

use crate::mark::{write_mark, MarkError};

/// Why a checkpoint did not complete. The previous mark stays valid in every case.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The ledger store could not flush; nothing was advanced.
    #[error("checkpoint: ledger store flush failed: {0}")]
    Flush(#[from] StoreError),
    /// The mark could not be persisted; the journal was not trimmed.
    #[error("checkpoint: {0}")]
    Mark(#[from] MarkError),
    /// Trimming old journal files failed after the mark was persisted (harmless for durability:
    /// the files are retried at the next checkpoint).
    #[error("checkpoint: journal trim failed: {0}")]
    Trim(#[from] journal::JournalError),
}

/// What one checkpoint did.
#[derive(Debug, Clone)]
pub struct CheckpointReport {
    /// The mark persisted.
    pub mark: JournalPos,
    /// What the ledger store flushed.
    pub flush: FlushReport,
    /// Journal files deleted below the mark.
    pub journal_files_removed: usize,
}

/// Runs the checkpoint steps for one journal and one ledger store (see the module doc).
///
/// `mark_dir` is the directory that holds the mark file (the ledger directory, as in
/// BookKeeper), and `mark_name` its file name.
/// The flush writes reach the entry log at about `rate`, pausing with `pace` (see
/// `LedgerStore::flush_paced`); `CompactionRate::Unlimited` never pauses.
pub(crate) async fn run_checkpoint<JD, S, LD, MD, P>(
    journal: &journal::Journal<JD, S>,
    store: &LedgerStore<LD>,
    mark_dir: &MD,
    mark_name: &str,
    rate: CompactionRate,
    pace: &P,
) -> Result<CheckpointReport, CheckpointError>
where
    JD: DurableDir,
    S: Sleep,
    LD: DurableDir,
    MD: DurableDir,
    P: ledger_store::Sleep,
{
    // Step 1: the mark is read before the flush starts (module doc, step 2 explains why).
    let mark = journal.durable_pos();
    let flush = store.flush_paced(rate, pace).await?;
    write_mark(mark_dir, mark_name, mark).await?;
    let journal_files_removed = journal.trim_below(mark).await?;
    tracing::debug!(?mark, journal_files_removed, "checkpoint complete");
    Ok(CheckpointReport {
        mark,
        flush,
        journal_files_removed,
    })
}
