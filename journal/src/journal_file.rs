//! [`JournalFile`]: what the group commit needs of a file beyond [`DurableFile`]: a write that
//! takes the buffer by value and hands it back, so a file that performs the write on another
//! thread ([`SyncOffloadFile`](crate::SyncOffloadFile)) needs no copy of the batch.
//!
//! Invariant: `write_owned(offset, buffer, start)` has exactly the effect and the contract of
//! `write_at(offset, &buffer[start..])`, and returns the same buffer.

use std::future::Future;

use disk::{DiskError, DurableFile};

/// A file the journal can write batches to.
pub trait JournalFile: DurableFile {
    /// Writes `buffer[start..]` at `offset_bytes` and returns the buffer for reuse.
    fn write_owned(&self, offset_bytes: u64, buffer: Vec<u8>, start: usize) -> impl Future<Output = (Result<(), DiskError>, Vec<u8>)> {
        async move {
            let result = match buffer.get(start..) {
                Some(bytes) => self.write_at(offset_bytes, bytes).await,
                None => Err(DiskError::Io { path: String::new(), operation: "write_at", message: "batch start beyond buffer".to_owned() }),
            };
            (result, buffer)
        }
    }
}

impl JournalFile for disk::faulty::FaultyFile {}
impl JournalFile for disk::posix::PosixFile {}
impl JournalFile for disk::dma::DmaFile {}
