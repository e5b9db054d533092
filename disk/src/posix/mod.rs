//! `PosixFile` and `PosixDir`: the file layer through blocking `pread`/`pwrite`/`fdatasync` on
//! files opened with `O_DIRECT`.
//!
//! Purpose: a baseline and an alternative to glommio's io_uring path, for running the journal on
//! a dedicated thread with blocking I/O ("a sync thread"). The `async fn`s of the traits do their
//! work synchronously and are ready at first poll; the `*_blocking` methods do the same without
//! an executor. A `PosixFile` is `Send + Sync` and cheap to clone (an `Arc` of the descriptor),
//! so a writer thread and a sync thread can share one file.
//!
//! Invariants:
//! - Every transfer to the kernel uses an address, offset and length aligned to
//!   `alignment_bytes` (default 4096, which covers 512- and 4096-byte logical blocks): aligned
//!   caller buffers go straight to `pwrite`, others are copied into an [`AlignedBuffer`].
//! - `sync` is `fdatasync`; any failure of it is `SyncFailed`.
//!
//! [`AlignedBuffer`]: crate::AlignedBuffer

mod dir;
mod file;

pub use dir::{PosixDir, POSIX_ALIGNMENT_BYTES_DEFAULT};
pub use file::PosixFile;

#[cfg(test)]
mod tests;
