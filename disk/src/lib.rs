//! The file layer: every byte the journal and the ledger store persist goes through here.
//!
//! This crate owns two traits, [`DurableDir`] and [`DurableFile`], and their implementations:
//! - [`dma`]: files opened with `O_DIRECT` and driven by glommio's io_uring reactor (production);
//! - [`posix`]: files opened with `O_DIRECT` and driven by blocking `pread`/`pwrite`/`fdatasync`,
//!   shareable across threads (a dedicated sync thread; a baseline for benchmarks);
//! - [`faulty`]: `FaultyDisk`, an in-memory disk that keeps a *written* and a *durable* image,
//!   can crash at any sync point, tear the last writes, and fail reads, writes or syncs on demand
//!   (tests).
//!
//! It also owns [`preflight`], the startup checks of the operator prerequisites (memlock,
//! `O_DIRECT` on a persistent file system), and [`AlignedBuffer`], the one aligned allocation.
//! The media assumptions that the journal and ledger formats rely on are written down in
//! `docs/format.md` ("Assumptions about the media").
//!
//! Contract (what callers may rely on, and what every implementation must honour):
//! - `write_at` requires `offset_bytes` and `data.len()` to be multiples of
//!   [`DurableFile::alignment_bytes`]; a misaligned call is an error, never a silent fix-up.
//!   `write_buffer_at` is the same write from a [`WriteBuffer`] the caller filled in place
//!   (zero-copy on `DmaFile`); it hands the buffer back whatever the outcome.
//! - A completed `write_at` is *written*, not *durable*: after a crash it may be absent, or
//!   (torn) only partly present at sector granularity.
//! - A completed `sync` makes every write that completed before `sync` was called durable.
//! - A completed `write_buffer_durable_at` is durable itself (data and size), and promises
//!   nothing about other writes.
//! - A failed `sync` says nothing about which writes are durable: callers must treat the file as
//!   poisoned (see the journal's durability contract).
//! - File creations, removals and renames are durable only after [`DurableDir::sync_dir`].
//! - `read_at` accepts any offset and length and returns fewer bytes only at end of file.
//!
//! glommio appears in this crate only in the `dma` module. `unsafe` appears only in
//! `aligned_buffer`, `fs_dir::space_bytes`, `posix` (`fallocate`) and `preflight`, each block with
//! a `SAFETY:` comment.

#![allow(async_fn_in_trait)]

mod align;
mod aligned_buffer;
#[cfg(test)]
mod conformance;
pub mod dma;
mod errno;
mod error;
pub mod faulty;
mod fs_dir;
pub mod posix;
pub mod preflight;
pub mod reaper;
#[cfg(test)]
mod scratch;
mod write_buffer;

pub use aligned_buffer::AlignedBuffer;
pub use error::DiskError;
pub use write_buffer::WriteBuffer;

/// An open file with explicit durability. Methods take `&self` so that a write and a sync may be
/// in flight at the same time (pipelined group commit).
pub trait DurableFile {
    /// Required alignment, in bytes, of `write_at` offsets and lengths (a power of two, >= 512).
    fn alignment_bytes(&self) -> usize;

    /// Writes all of `data` at `offset_bytes`. Both must be multiples of `alignment_bytes()`.
    async fn write_at(&self, offset_bytes: u64, data: &[u8]) -> Result<(), DiskError>;

    /// A buffer of at least `capacity_bytes` (length set to its capacity) for
    /// [`DurableFile::write_buffer_at`], aligned for this file. The default is an
    /// [`AlignedBuffer`]; an implementation with its own I/O memory returns that instead, so
    /// that a caller who encodes into it directly is written without a copy.
    fn alloc_write_buffer(&self, capacity_bytes: usize) -> Result<WriteBuffer, DiskError> {
        WriteBuffer::aligned(capacity_bytes, self.alignment_bytes())
    }

    /// Writes `buffer.as_slice()` at `offset_bytes` with exactly the contract of `write_at`, and
    /// hands the buffer back for reuse (its capacity may have shrunk to its length). The default
    /// calls `write_at`.
    async fn write_buffer_at(
        &self,
        offset_bytes: u64,
        buffer: WriteBuffer,
    ) -> (Result<(), DiskError>, WriteBuffer) {
        let result = self.write_at(offset_bytes, buffer.as_slice()).await;
        (result, buffer)
    }

    /// Writes like [`DurableFile::write_buffer_at`] and completes only once these bytes (and
    /// what is needed to read them back, such as the file size) are durable, as if a `sync` had
    /// followed. Says nothing about other writes. A file that can makes this one device
    /// operation (`O_DSYNC`: the write carries its own flush, with no separate `fdatasync`); the
    /// default writes, then syncs. A failure means the same as a failed `sync`: the caller must
    /// treat the file as poisoned.
    async fn write_buffer_durable_at(
        &self,
        offset_bytes: u64,
        buffer: WriteBuffer,
    ) -> (Result<(), DiskError>, WriteBuffer) {
        let (result, buffer) = self.write_buffer_at(offset_bytes, buffer).await;
        match result {
            Ok(()) => (self.sync().await, buffer),
            Err(error) => (Err(error), buffer),
        }
    }

    /// Reads up to `len_bytes` starting at `offset_bytes` (any alignment). Returns fewer bytes
    /// only when the file ends first.
    async fn read_at(&self, offset_bytes: u64, len_bytes: usize) -> Result<Vec<u8>, DiskError>;

    /// Makes every write completed before this call durable (`fdatasync`).
    async fn sync(&self) -> Result<(), DiskError>;

    /// Reserves `[offset_bytes, offset_bytes + len_bytes)` so later writes there cannot fail with
    /// ENOSPC and do not grow the file (`fallocate` without `KEEP_SIZE`: the size grows and the
    /// new range reads as zeros). On ext4 and xfs the range is *unwritten*: the first write into
    /// each block still converts its extent, a metadata change the next `sync` must commit; a
    /// caller that wants plain overwrites writes zeros over the range once (the journal does).
    async fn allocate(&self, offset_bytes: u64, len_bytes: u64) -> Result<(), DiskError>;

    /// The file's current size in bytes.
    async fn size_bytes(&self) -> Result<u64, DiskError>;
}

/// A directory of files, with durable namespace operations.
pub trait DurableDir {
    /// The file type this directory opens.
    type File: DurableFile;

    /// Creates a new, empty file; fails with [`DiskError::AlreadyExists`] if `name` exists.
    async fn create_file(&self, name: &str) -> Result<Self::File, DiskError>;

    /// Opens an existing file for reading and writing; [`DiskError::NotFound`] if absent.
    async fn open_file(&self, name: &str) -> Result<Self::File, DiskError>;

    /// Names of the regular files in the directory, in no particular order.
    async fn list_files(&self) -> Result<Vec<String>, DiskError>;

    /// Removes a file (durable after `sync_dir`).
    async fn remove_file(&self, name: &str) -> Result<(), DiskError>;

    /// Removes a file that nothing reads any more, at some later time: the name may stay
    /// listed for a while (and after a crash), so a caller must not depend on when it goes and
    /// must tolerate handing the same name over again. Real directories shrink the file a slice
    /// at a time on a background thread first ([`reaper`]), so a large file's discard does not
    /// stall the device or the caller; the default removes it at once.
    async fn remove_file_eventually(&self, name: &str) -> Result<(), DiskError> {
        self.remove_file(name).await
    }

    /// Atomically renames `from` to `to`, replacing `to` if it exists (durable after `sync_dir`).
    async fn rename_file(&self, from: &str, to: &str) -> Result<(), DiskError>;

    /// Makes every completed create, remove and rename in this directory durable.
    async fn sync_dir(&self) -> Result<(), DiskError>;

    /// Bytes free and total on the device holding this directory: `(free_bytes, total_bytes)`.
    fn space_bytes(&self) -> Result<(u64, u64), DiskError>;
}

/// A shared handle is a file too, so that a writer task and a sync task spawned separately on one
/// executor (each needing a `'static` future) can hold the same file.
impl<F: DurableFile> DurableFile for std::rc::Rc<F> {
    fn alignment_bytes(&self) -> usize {
        (**self).alignment_bytes()
    }

    async fn write_at(&self, offset_bytes: u64, data: &[u8]) -> Result<(), DiskError> {
        (**self).write_at(offset_bytes, data).await
    }

    fn alloc_write_buffer(&self, capacity_bytes: usize) -> Result<WriteBuffer, DiskError> {
        (**self).alloc_write_buffer(capacity_bytes)
    }

    async fn write_buffer_at(
        &self,
        offset_bytes: u64,
        buffer: WriteBuffer,
    ) -> (Result<(), DiskError>, WriteBuffer) {
        (**self).write_buffer_at(offset_bytes, buffer).await
    }

    async fn write_buffer_durable_at(
        &self,
        offset_bytes: u64,
        buffer: WriteBuffer,
    ) -> (Result<(), DiskError>, WriteBuffer) {
        (**self).write_buffer_durable_at(offset_bytes, buffer).await
    }

    async fn read_at(&self, offset_bytes: u64, len_bytes: usize) -> Result<Vec<u8>, DiskError> {
        (**self).read_at(offset_bytes, len_bytes).await
    }

    async fn sync(&self) -> Result<(), DiskError> {
        (**self).sync().await
    }

    async fn allocate(&self, offset_bytes: u64, len_bytes: u64) -> Result<(), DiskError> {
        (**self).allocate(offset_bytes, len_bytes).await
    }

    async fn size_bytes(&self) -> Result<u64, DiskError> {
        (**self).size_bytes().await
    }
}
