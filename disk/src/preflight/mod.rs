//! Startup checks of the operator prerequisites of the `dma` file layer, with errors that name
//! the fix. The bookie runs them before it creates its executors, so a misconfigured machine
//! fails at start with a clear message instead of later with EOPNOTSUPP or silent page-cache I/O.
//!
//! - [`check_memlock`]: glommio refuses to start below 512 KiB of `RLIMIT_MEMLOCK`, and registers
//!   its `io_memory` with each of its three io_uring rings (pinned pages; without enough limit it
//!   falls back, slower, with only a log line). See [`glommio_memlock_bytes`].
//! - [`check_o_direct`]: the directory must be on a persistent file system that accepts
//!   `O_DIRECT`; tmpfs and ramfs are refused even where the kernel accepts `O_DIRECT` on them
//!   (Linux 6.6+), because nothing there survives a power loss.
//!
//! Invariant: these functions never leave files behind on success, and remove their probe file on
//! failure whenever the file system lets them.

mod memlock;
mod o_direct;

pub use memlock::{check_memlock, glommio_memlock_bytes, GLOMMIO_MEMLOCK_MIN_BYTES};
pub use o_direct::check_o_direct;
#[cfg(test)]
pub(crate) use o_direct::volatile_filesystem;

/// Why the machine is not ready for the `dma` file layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreflightError {
    /// The hard `RLIMIT_MEMLOCK` is below what is needed, so the soft limit cannot be raised.
    #[error(
        "locked-memory limit too low: need {required_bytes} bytes, soft limit {soft_bytes}, hard limit {hard_bytes}; \
         raise it with `ulimit -l {required_kib}` in the starting shell (as root), `LimitMEMLOCK={required_bytes}` \
         in the systemd unit, or a `memlock` line in /etc/security/limits.conf"
    )]
    MemlockTooLow {
        /// Bytes the caller asked for.
        required_bytes: u64,
        /// The soft limit found, in bytes (`u64::MAX` = unlimited).
        soft_bytes: u64,
        /// The hard limit found, in bytes (`u64::MAX` = unlimited).
        hard_bytes: u64,
        /// `required_bytes` in KiB, rounded up, as `ulimit -l` wants it.
        required_kib: u64,
    },
    /// Reading or raising `RLIMIT_MEMLOCK` failed.
    #[error(
        "could not {operation} the locked-memory limit: {message}; set it before starting with `ulimit -l` \
         or `LimitMEMLOCK=` in the systemd unit"
    )]
    MemlockSyscall {
        /// `read` or `raise`.
        operation: &'static str,
        /// The OS error.
        message: String,
    },
    /// The directory's file system keeps data only in memory.
    #[error(
        "{dir} is on {filesystem}, which loses everything at power loss; put the journal and ledger \
         directories on a persistent file system such as ext4 or xfs"
    )]
    VolatileFilesystem {
        /// The directory checked.
        dir: String,
        /// `tmpfs` or `ramfs`.
        filesystem: &'static str,
    },
    /// The file system refused an `O_DIRECT` open or an aligned direct write.
    #[error(
        "{dir} does not support O_DIRECT ({message}); put the journal and ledger directories on ext4 or xfs \
         (not tmpfs, overlayfs or a network file system)"
    )]
    ODirectUnsupported {
        /// The directory checked.
        dir: String,
        /// The OS error.
        message: String,
    },
    /// Any other failure while checking the directory (missing, not writable, ...).
    #[error("checking {dir} failed: {message}")]
    Io {
        /// The directory checked.
        dir: String,
        /// The OS error.
        message: String,
    },
}
