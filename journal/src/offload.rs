//! [`SyncOffloadDir`]: runs every file `sync` (fdatasync) on a dedicated sync thread, so a journal
//! driven on one thread with blocking I/O can write the next batch while the previous fsync is in
//! flight (the pipelined group commit, without io_uring).
//!
//! It wraps any file layer whose files can move to another thread (for example
//! `disk::posix::PosixDir`, whose futures are ready at first poll); `write_at`, `read_at`,
//! `allocate` and the directory operations run where they are called.
//!
//! Invariants:
//! - A sync sent to the sync thread starts after every `write_at` that completed before `sync`
//!   was called (the sync thread only starts it after the request is queued), which is the
//!   `DurableFile::sync` contract.
//! - Syncs run one at a time, in request order.
//! - The sync thread ends when the last handle is dropped.

use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam::channel::{unbounded, Sender};
use disk::{DiskError, DurableDir, DurableFile};

use crate::completion::{Completion, CompletionFuture};

type SyncJob = Box<dyn FnOnce() + Send>;

struct SyncThread {
    sender: Option<Sender<SyncJob>>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for SyncThread {
    fn drop(&mut self) {
        self.sender = None;
        if let Some(handle) = self.handle.take() {
            // The thread only runs jobs; a panic there was already reported by the runtime.
            let _ = handle.join();
        }
    }
}

/// A directory whose files sync on a dedicated thread.
pub struct SyncOffloadDir<D> {
    inner: D,
    sync_thread: Arc<SyncThread>,
}

/// A file of a [`SyncOffloadDir`].
pub struct SyncOffloadFile<F> {
    inner: F,
    sync_thread: Arc<SyncThread>,
}

impl<D> SyncOffloadDir<D> {
    /// Wraps `inner`, starting the sync thread (named `name`).
    pub fn new(inner: D, name: &str) -> Result<Self, DiskError> {
        let (sender, receiver) = unbounded::<SyncJob>();
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                for job in receiver {
                    job();
                }
            })
            .map_err(|error| DiskError::Io { path: name.to_owned(), operation: "spawn sync thread", message: error.to_string() })?;
        let sync_thread = Arc::new(SyncThread { sender: Some(sender), handle: Some(handle) });
        Ok(Self { inner, sync_thread })
    }

    /// The wrapped directory.
    pub fn inner(&self) -> &D {
        &self.inner
    }
}

impl<D> DurableDir for SyncOffloadDir<D>
where
    D: DurableDir,
    D::File: Clone + Send + 'static,
{
    type File = SyncOffloadFile<D::File>;

    async fn create_file(&self, name: &str) -> Result<Self::File, DiskError> {
        let inner = self.inner.create_file(name).await?;
        Ok(SyncOffloadFile { inner, sync_thread: Arc::clone(&self.sync_thread) })
    }

    async fn open_file(&self, name: &str) -> Result<Self::File, DiskError> {
        let inner = self.inner.open_file(name).await?;
        Ok(SyncOffloadFile { inner, sync_thread: Arc::clone(&self.sync_thread) })
    }

    async fn list_files(&self) -> Result<Vec<String>, DiskError> {
        self.inner.list_files().await
    }

    async fn remove_file(&self, name: &str) -> Result<(), DiskError> {
        self.inner.remove_file(name).await
    }

    async fn rename_file(&self, from: &str, to: &str) -> Result<(), DiskError> {
        self.inner.rename_file(from, to).await
    }

    async fn sync_dir(&self) -> Result<(), DiskError> {
        self.inner.sync_dir().await
    }

    fn space_bytes(&self) -> Result<(u64, u64), DiskError> {
        self.inner.space_bytes()
    }
}

impl<F> DurableFile for SyncOffloadFile<F>
where
    F: DurableFile + Clone + Send + 'static,
{
    fn alignment_bytes(&self) -> usize {
        self.inner.alignment_bytes()
    }

    async fn write_at(&self, offset_bytes: u64, data: &[u8]) -> Result<(), DiskError> {
        self.inner.write_at(offset_bytes, data).await
    }

    async fn read_at(&self, offset_bytes: u64, len_bytes: usize) -> Result<Vec<u8>, DiskError> {
        self.inner.read_at(offset_bytes, len_bytes).await
    }

    async fn sync(&self) -> Result<(), DiskError> {
        let completion = Completion::new();
        let file = self.inner.clone();
        let done = Arc::clone(&completion);
        let job: SyncJob = Box::new(move || done.complete(futures_lite::future::block_on(file.sync())));
        let Some(sender) = &self.sync_thread.sender else {
            return Err(DiskError::SyncFailed { path: String::new(), message: "sync thread stopped".to_owned() });
        };
        if sender.send(job).is_err() {
            return Err(DiskError::SyncFailed { path: String::new(), message: "sync thread stopped".to_owned() });
        }
        CompletionFuture(completion).await
    }

    async fn allocate(&self, offset_bytes: u64, len_bytes: u64) -> Result<(), DiskError> {
        self.inner.allocate(offset_bytes, len_bytes).await
    }

    async fn size_bytes(&self) -> Result<u64, DiskError> {
        self.inner.size_bytes().await
    }
}
