//! The journal's error types: one for appending and opening ([`JournalError`]), one for replay
//! ([`ReplayError`]).
//!
//! Invariant: once an append has failed with a disk error, the journal is poisoned and every later
//! append fails with [`JournalError::Poisoned`]; nothing is acknowledged after a failed write or
//! fsync (the durability of earlier unsynced writes is unknown).

use disk::DiskError;

use crate::config::ConfigError;
use crate::format::{FrameError, HeaderError, PayloadError};

/// Why opening the journal or appending to it failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A disk operation failed while opening, trimming or rolling over (not yet poisoned when
    /// it happened outside the write path).
    #[error("journal disk error: {0}")]
    Disk(#[from] DiskError),
    /// No space left on the journal device. The journal is poisoned: the bookie must free space
    /// and restart.
    #[error("journal device is full: {0}")]
    NoSpace(DiskError),
    /// An earlier write or fsync failed (the cause is kept); nothing more is acknowledged and the
    /// bookie must restart and replay.
    #[error("journal is poisoned after: {cause}")]
    Poisoned { cause: String },
    /// Too many records or bytes are queued; retry later (BookKeeper's ETOOMANYREQUESTS).
    #[error("journal queue is full ({queued_records} records, {queued_bytes} bytes queued)")]
    Backpressure {
        queued_records: usize,
        queued_bytes: usize,
    },
    /// The record's body is larger than a frame may carry.
    #[error("record of {record_bytes} bytes exceeds the journal record maximum")]
    RecordTooLarge { record_bytes: usize },
    /// The journal was closed before this record was written.
    #[error("journal is closed")]
    Closed,
    /// A journal file name in the directory does not parse.
    #[error("unexpected file {name} in journal directory")]
    StrayFile { name: String },
}

/// Why replay stopped with an error (not a torn tail, which is a normal end).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// Reading the directory or a file failed.
    #[error("journal disk error during replay: {0}")]
    Disk(#[from] DiskError),
    /// A file's header is corrupt (not merely empty).
    #[error("journal file {journal_id:x} has a bad header: {error}")]
    BadHeader { journal_id: u64, error: HeaderError },
    /// A damaged record was followed by a batch written after the damaged bytes were durable:
    /// acknowledged data is corrupt. Not a torn write.
    #[error("journal file {journal_id:x} is corrupt at offset {offset_bytes}: {reason}")]
    Corrupt {
        journal_id: u64,
        offset_bytes: u64,
        reason: String,
    },
    /// The checkpoint mark names a file that no longer exists (BookKeeper's "recovery log missing").
    #[error("journal file {journal_id:x} named by the checkpoint mark is missing")]
    MissingFile { journal_id: u64 },
    /// A journal file name in the directory does not parse.
    #[error("unexpected file {name} in journal directory")]
    StrayFile { name: String },
}

impl ReplayError {
    pub(crate) fn corrupt(
        journal_id: u64,
        offset_bytes: u64,
        reason: impl std::fmt::Display,
    ) -> Self {
        ReplayError::Corrupt {
            journal_id,
            offset_bytes,
            reason: reason.to_string(),
        }
    }
}

/// Renders why a frame is bad, for reports.
pub(crate) fn frame_problem(error: &FrameError) -> String {
    error.to_string()
}

/// Renders why a payload is bad, for reports.
pub(crate) fn payload_problem(error: &PayloadError) -> String {
    error.to_string()
}
