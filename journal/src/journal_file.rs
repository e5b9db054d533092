//! [`JournalFile`]: the write the group commit issues: it takes the batch buffer by value and
//! hands it back, so the write future owns everything it touches and can be kept in flight
//! while the next batch is encoded.
//!
//! Every [`DurableFile`] is a `JournalFile` (blanket implementation), so callers generic over
//! `DurableDir` need no extra bound. (An override that moved the buffer to an I/O thread without
//! a copy was measured faster for `SyncOffloadFile`, but an override needs a bound that every
//! generic caller would have to repeat; the chosen engine, glommio's `DmaFile`, does not need it.)
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

impl<F: DurableFile> JournalFile for F {}
