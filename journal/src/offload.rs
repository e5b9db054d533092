//! [`SyncOffloadDir`]: runs every file `write_at` on a dedicated write thread and every `sync`
//! (fdatasync) on a dedicated sync thread, so a journal driven on one thread with blocking I/O
//! encodes the next batch while the previous write is in flight, and writes while the previous
//! fsync is in flight (the pipelined group commit, without io_uring).
//!
//! It wraps any file layer whose files can move to another thread (for example
//! `disk::posix::PosixDir`, whose futures are ready at first poll); `read_at`, `allocate` and
//! the directory operations run where they are called.
//! A write copies the caller's bytes into an aligned buffer first (the caller's slice cannot
//! cross threads safely); the copy runs at the first poll of `write_at`.
//!
//! Invariants:
//! - A sync sent to the sync thread starts after every `write_at` that completed before `sync`
//!   was called (the sync thread only starts it after the request is queued), which is the
//!   `DurableFile::sync` contract.
//! - Writes run one at a time in request order; so do syncs.
//! - Both threads end when the last handle is dropped.

use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam::channel::{unbounded, Sender};
use disk::{AlignedBuffer, DiskError, DurableDir, DurableFile};

use crate::completion::{Completion, CompletionFuture};

type SyncJob = Box<dyn FnOnce() + Send>;

struct IoThreads {
    write: SyncThread,
    sync: SyncThread,
}

struct SyncThread {
    sender: Option<Sender<SyncJob>>,
    handle: Option<JoinHandle<()>>,
}

impl SyncThread {
    fn spawn(name: &str) -> Result<Self, DiskError> {
        let (sender, receiver) = unbounded::<SyncJob>();
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                for job in receiver {
                    job();
                }
            })
            .map_err(|error| DiskError::Io {
                path: name.to_owned(),
                operation: "spawn I/O thread",
                message: error.to_string(),
            })?;
        Ok(SyncThread {
            sender: Some(sender),
            handle: Some(handle),
        })
    }

    /// Runs `job` on the thread and awaits its result.
    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let completion = Completion::new();
        let done = Arc::clone(&completion);
        let job: SyncJob = Box::new(move || done.complete(job()));
        match &self.sender {
            Some(sender) if sender.send(job).is_ok() => Some(CompletionFuture(completion).await),
            _ => None,
        }
    }
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
    sync_thread: Arc<IoThreads>,
}

/// A file of a [`SyncOffloadDir`].
pub struct SyncOffloadFile<F> {
    inner: F,
    sync_thread: Arc<IoThreads>,
}

impl<D> SyncOffloadDir<D> {
    /// Wraps `inner`, starting the write thread (`name-w`) and the sync thread (`name-s`).
    pub fn new(inner: D, name: &str) -> Result<Self, DiskError> {
        let write = SyncThread::spawn(&format!("{name}-w"))?;
        let sync = SyncThread::spawn(&format!("{name}-s"))?;
        Ok(Self {
            inner,
            sync_thread: Arc::new(IoThreads { write, sync }),
        })
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
        Ok(SyncOffloadFile {
            inner,
            sync_thread: Arc::clone(&self.sync_thread),
        })
    }

    async fn open_file(&self, name: &str) -> Result<Self::File, DiskError> {
        let inner = self.inner.open_file(name).await?;
        Ok(SyncOffloadFile {
            inner,
            sync_thread: Arc::clone(&self.sync_thread),
        })
    }

    async fn list_files(&self) -> Result<Vec<String>, DiskError> {
        self.inner.list_files().await
    }

    async fn remove_file(&self, name: &str) -> Result<(), DiskError> {
        self.inner.remove_file(name).await
    }

    async fn remove_file_eventually(&self, name: &str) -> Result<(), DiskError> {
        self.inner.remove_file_eventually(name).await
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
        let mut owned = AlignedBuffer::new_zeroed(data.len(), self.inner.alignment_bytes())?;
        owned.as_mut_slice().copy_from_slice(data);
        let file = self.inner.clone();
        self.sync_thread
            .write
            .run(move || {
                futures_lite::future::block_on(file.write_at(offset_bytes, owned.as_slice()))
            })
            .await
            .unwrap_or_else(|| Err(stopped("write_at")))
    }

    async fn read_at(&self, offset_bytes: u64, len_bytes: usize) -> Result<Vec<u8>, DiskError> {
        self.inner.read_at(offset_bytes, len_bytes).await
    }

    async fn sync(&self) -> Result<(), DiskError> {
        let file = self.inner.clone();
        self.sync_thread
            .sync
            .run(move || futures_lite::future::block_on(file.sync()))
            .await
            .unwrap_or_else(|| {
                Err(DiskError::SyncFailed {
                    path: String::new(),
                    message: "sync thread stopped".to_owned(),
                })
            })
    }

    async fn allocate(&self, offset_bytes: u64, len_bytes: u64) -> Result<(), DiskError> {
        self.inner.allocate(offset_bytes, len_bytes).await
    }

    async fn size_bytes(&self) -> Result<u64, DiskError> {
        self.inner.size_bytes().await
    }
}

fn stopped(operation: &'static str) -> DiskError {
    DiskError::Io {
        path: String::new(),
        operation,
        message: "I/O thread stopped".to_owned(),
    }
}
