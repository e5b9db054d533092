//! The one error type of the file layer.

/// What went wrong in a file operation. Every variant names the file (or directory) involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiskError {
    /// The device or filesystem reported an I/O error (EIO and friends).
    #[error("I/O error on {path} during {operation}: {message}")]
    Io {
        path: String,
        operation: &'static str,
        message: String,
    },
    /// No space left on the device (ENOSPC or EDQUOT).
    #[error("no space left on device writing {path}")]
    NoSpace { path: String },
    /// `fdatasync` failed: durability of earlier writes is unknown; the caller must poison.
    #[error("fsync failed on {path}: {message}; durability of earlier writes is unknown")]
    SyncFailed { path: String, message: String },
    /// A write was not aligned as `alignment_bytes()` requires (a programming error upstream,
    /// reported as a value so the caller can fail the operation and log it).
    #[error("misaligned write to {path}: offset {offset_bytes}, length {len_bytes}, alignment {alignment_bytes}")]
    Misaligned {
        path: String,
        offset_bytes: u64,
        len_bytes: usize,
        alignment_bytes: usize,
    },
    /// The file does not exist.
    #[error("file not found: {path}")]
    NotFound { path: String },
    /// The file already exists.
    #[error("file already exists: {path}")]
    AlreadyExists { path: String },
    /// The (simulated) machine crashed: every later operation on this disk fails.
    #[error("disk crashed (simulated) during {operation} on {path}")]
    Crashed {
        path: String,
        operation: &'static str,
    },
}
