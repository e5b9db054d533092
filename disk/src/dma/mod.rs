//! `DmaDir` and `DmaFile`: the production file layer, files opened with `O_DIRECT` and driven by
//! glommio's io_uring reactor. This is the only module of the workspace's storage path that
//! names glommio.
//!
//! Operator prerequisites (checked at startup by `crate::preflight`):
//! - Linux with io_uring (glommio 0.9 wants kernel 5.8 or newer).
//! - Enough `RLIMIT_MEMLOCK` for glommio's registered I/O memory (`io_memory`, 10 MiB by
//!   default): raise it with `ulimit -l` or `LimitMEMLOCK=` in the systemd unit.
//! - A file system that supports `O_DIRECT` (ext4, xfs). On tmpfs glommio silently falls back to
//!   buffered I/O, so durability claims would be false: `preflight::check_o_direct` refuses it.
//!
//! Invariants:
//! - Every method must run inside a glommio `LocalExecutor` (glommio panics otherwise).
//! - `write_at` transfers exactly the caller's bytes: it copies them into a `DmaBuffer` from the
//!   file's reactor and loops on short writes; it never pads.
//! - `write_buffer_at` writes a `WriteBuffer` from `alloc_write_buffer` (a `DmaBuffer` of this
//!   reactor) without copying, trimmed to the buffer's length; it never writes past the length.
//! - `read_at` widens the transfer to aligned bounds itself and returns only bytes that exist in
//!   the file (glommio's own unaligned `read_at` can return bytes past end of file).
//! - `sync` is `fdatasync` through io_uring; any failure of it is `SyncFailed`.
//! - Namespace operations are blocking `std::fs` calls (see `crate::fs_dir`): they are rare.

mod dir;
mod file;
mod iopoll_probe;

pub use dir::DmaDir;
pub use file::DmaFile;

#[cfg(test)]
mod tests;
