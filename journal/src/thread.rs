//! [`JournalThread`]: one [`Journal`] on its own OS thread, fed by a bounded channel from any
//! thread, completing one future (or callback) per append when the record is durable.
//!
//! This is how the bookie runs a journal with the measured engine (see
//! `docs/notes/journal-architecture.md`): the journal thread encodes batches and issues blocking
//! `O_DIRECT` writes, and a [`SyncOffloadDir`](crate::SyncOffloadDir) runs each fdatasync on a
//! second thread, so the next write proceeds while the previous sync is in flight.
//! The executor on the journal thread is `futures_lite::future::block_on`: it parks the thread
//! when nothing is ready and is woken by the channel or by a completed sync.
//!
//! Invariants:
//! - Records sent from one thread are appended in send order (one channel, one consumer).
//! - The channel is bounded: a full channel refuses the append with
//!   [`JournalError::Backpressure`] instead of blocking the caller's thread.
//! - Every accepted record's completion fires exactly once: durable, poisoned or closed.
//! - Group wait is not supported here (`group_wait_max_us` must be 0): pipelining batches.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Poll, Waker};
use std::thread::JoinHandle;

use crossbeam::channel::{bounded, Receiver, Sender, TryRecvError, TrySendError};
use disk::{DiskError, DurableDir};
use futures_lite::future;
use types::JournalPos;

use crate::completion::{Completion, CompletionFuture};
use crate::config::{ConfigError, JournalConfig};
use crate::error::JournalError;
use crate::format::Record;
use crate::journal::{Journal, JournalStats};
use crate::sleep::YieldOnce;
use crate::waiter::AppendResult;

/// A callback that may run on the journal thread.
pub type SendCallback = Box<dyn FnOnce(AppendResult) + Send>;

struct Request {
    record: Record,
    callback: SendCallback,
}

/// Shared between the handle and the journal thread.
struct Shared {
    consumer_waker: Mutex<Option<Waker>>,
    /// Set when the consumer registered a waker; lets senders skip the lock otherwise.
    consumer_parked: AtomicBool,
    acknowledged_pos: Mutex<JournalPos>,
}

impl Shared {
    fn wake_consumer(&self) {
        // The consumer re-checks the channel after parking, so a send that sees `false` here is
        // never lost.
        if !self.consumer_parked.swap(false, Ordering::SeqCst) {
            return;
        }
        let waker = self
            .consumer_waker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// A journal running on its own thread.
pub struct JournalThread {
    sender: Option<Sender<Request>>,
    shared: Arc<Shared>,
    handle: Option<JoinHandle<Result<JournalStats, JournalError>>>,
}

/// Resolves when a record sent to a [`JournalThread`] is durable. `Send`.
pub type RemoteAppend = CompletionFuture<AppendResult>;

impl JournalThread {
    /// Starts the thread `name`: it builds the directory with `make_dir` (on the journal thread,
    /// so the directory need not be `Send`), opens the journal (a fresh file), and serves appends.
    /// Returns once the journal is open, with its open error if it failed.
    pub fn spawn<D, M>(name: &str, make_dir: M, config: JournalConfig) -> Result<Self, JournalError>
    where
        D: DurableDir + 'static,
        M: FnOnce() -> Result<D, DiskError> + Send + 'static,
    {
        if config.group_wait_max_us != 0 {
            return Err(JournalError::Config(ConfigError {
                reason: "JournalThread needs group_wait_max_us = 0".to_owned(),
            }));
        }
        config.validate()?;
        let (sender, receiver) = bounded::<Request>(config.queued_records_max);
        let shared = Arc::new(Shared {
            consumer_waker: Mutex::new(None),
            consumer_parked: AtomicBool::new(false),
            acknowledged_pos: Mutex::new(JournalPos::ZERO),
        });
        let (opened_sender, opened_receiver) = bounded::<Result<(), JournalError>>(1);
        let thread_shared = Arc::clone(&shared);
        let handle = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                future::block_on(async move {
                    let opened = match make_dir() {
                        Ok(dir) => Journal::open(dir, config, YieldOnce).await,
                        Err(error) => Err(JournalError::Disk(error)),
                    };
                    let journal = match opened {
                        Ok(journal) => {
                            let _ = opened_sender.send(Ok(()));
                            journal
                        }
                        Err(error) => {
                            let _ = opened_sender.send(Err(error.clone()));
                            return Err(error);
                        }
                    };
                    serve(&journal, &receiver, &thread_shared).await
                })
            })
            .map_err(|error| {
                JournalError::Disk(DiskError::Io {
                    path: name.to_owned(),
                    operation: "spawn journal thread",
                    message: error.to_string(),
                })
            })?;
        let opened = opened_receiver.recv().unwrap_or(Err(JournalError::Closed));
        let thread = JournalThread {
            sender: Some(sender),
            shared,
            handle: Some(handle),
        };
        opened.map(|()| thread)
    }

    /// Sends `record` to the journal; the future resolves when it is durable (end position) or
    /// failed. A full channel resolves at once with [`JournalError::Backpressure`].
    pub fn append(&self, record: Record) -> RemoteAppend {
        let completion = Completion::new();
        let done = Arc::clone(&completion);
        self.append_with_callback(record, Box::new(move |result| done.complete(result)));
        CompletionFuture(completion)
    }

    /// Like [`JournalThread::append`] with a callback, run on the journal thread (or on this
    /// thread when the append is refused at once). Keep it short: it delays the journal.
    pub fn append_with_callback(&self, record: Record, callback: SendCallback) {
        let Some(sender) = &self.sender else {
            callback(Err(JournalError::Closed));
            return;
        };
        match sender.try_send(Request { record, callback }) {
            Ok(()) => self.shared.wake_consumer(),
            Err(TrySendError::Full(request)) => {
                let queued_records = sender.len();
                (request.callback)(Err(JournalError::Backpressure {
                    queued_records,
                    queued_bytes: 0,
                }));
            }
            Err(TrySendError::Disconnected(request)) => {
                (request.callback)(Err(JournalError::Closed))
            }
        }
    }

    /// The end of the highest record acknowledged so far: durable, so a valid checkpoint mark.
    pub fn acknowledged_pos(&self) -> JournalPos {
        *self
            .shared
            .acknowledged_pos
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops accepting records, lets the journal make every accepted record durable, and joins
    /// the thread. Returns the journal's counters, or the error that poisoned it.
    pub fn shutdown(mut self) -> Result<JournalStats, JournalError> {
        self.sender = None;
        self.shared.consumer_parked.store(true, Ordering::SeqCst);
        self.shared.wake_consumer();
        match self.handle.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) | None => Err(JournalError::Closed),
        }
    }
}

impl Drop for JournalThread {
    fn drop(&mut self) {
        self.sender = None;
        self.shared.consumer_parked.store(true, Ordering::SeqCst);
        self.shared.wake_consumer();
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

/// The journal thread's body: feed records from the channel while the writer runs.
async fn serve<D: DurableDir>(
    journal: &Journal<D, YieldOnce>,
    receiver: &Receiver<Request>,
    shared: &Arc<Shared>,
) -> Result<JournalStats, JournalError> {
    let feed = async {
        loop {
            if journal.is_full() {
                journal.wait_for_space().await;
            }
            let next = future::poll_fn(|context| match receiver.try_recv() {
                Ok(request) => Poll::Ready(Some(request)),
                Err(TryRecvError::Disconnected) => Poll::Ready(None),
                Err(TryRecvError::Empty) => {
                    *shared
                        .consumer_waker
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = Some(context.waker().clone());
                    shared.consumer_parked.store(true, Ordering::SeqCst);
                    // Re-check after registering, so a send between the two is not missed.
                    match receiver.try_recv() {
                        Ok(request) => Poll::Ready(Some(request)),
                        Err(TryRecvError::Disconnected) => Poll::Ready(None),
                        Err(TryRecvError::Empty) => Poll::Pending,
                    }
                }
            })
            .await;
            let Some(Request { record, callback }) = next else {
                journal.close();
                return;
            };
            let shared = Arc::clone(shared);
            journal.append_with_callback(
                record,
                Box::new(move |result| {
                    if let Ok(end) = &result {
                        let mut acknowledged = shared
                            .acknowledged_pos
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner);
                        *acknowledged = (*acknowledged).max(*end);
                    }
                    callback(result);
                }),
            );
        }
    };
    let (written, ()) = future::zip(journal.run_writer(), feed).await;
    // Records still in the channel after a poison hear the poison too.
    while let Ok(request) = receiver.try_recv() {
        (request.callback)(Err(JournalError::Poisoned {
            cause: "journal stopped".to_owned(),
        }));
    }
    written.map(|()| journal.stats())
}
