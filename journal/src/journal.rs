//! [`Journal`]: one journal directory's appender. It owns the queue of records waiting to be
//! written, the positions `written_pos` and `durable_pos`, the poison flag, and the files of
//! the directory (creating one fresh file per open and per rollover, trimming old ones).
//!
//! Invariants:
//! - `durable_pos <= written_pos`, both only grow (across files: file ids only grow).
//! - An append is acknowledged (its future resolves `Ok`) only after a successful fsync of the
//!   file that holds it, issued after its write completed.
//! - Once poisoned, the journal acknowledges nothing more: queued and written-but-unsynced
//!   records fail, and later appends fail at once.
//! - No `RefCell` borrow is held across an `.await`.

use std::cell::{Ref, RefCell, RefMut};
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::Waker;

use disk::{DurableDir, DurableFile};
use types::JournalPos;

use crate::config::JournalConfig;
use crate::error::JournalError;
use crate::file_name;
use crate::format::{FileHeader, Record, RECORD_BODY_BYTES_MAX};
use crate::sleep::Sleep;
use crate::waiter::{AppendCallback, AppendFuture, LocalSlot, Waiter};

/// A record waiting to be written.
pub(crate) struct Queued {
    pub(crate) record: Record,
    pub(crate) waiter: Waiter,
}

/// Counters of the group commit, for benchmarks and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JournalStats {
    /// Group-commit writes issued (one per batch).
    pub batches: u64,
    /// Successful fsyncs of record data.
    pub syncs: u64,
    /// Bytes written by group commits (records, marks and padding).
    pub bytes_written: u64,
    /// Records acknowledged as durable.
    pub records_durable: u64,
}

/// Mutable state shared by the appenders, the write loop and the sync loop.
pub(crate) struct State<F> {
    pub(crate) queue: VecDeque<Queued>,
    pub(crate) queued_bytes: usize,
    /// Written records not yet durable: (end of record, waiter), in file order.
    pub(crate) unsynced: VecDeque<(JournalPos, Waiter)>,
    pub(crate) written_pos: JournalPos,
    pub(crate) durable_pos: JournalPos,
    pub(crate) poisoned: Option<String>,
    pub(crate) closing: bool,
    pub(crate) writer_done: bool,
    pub(crate) writer_waker: Option<Waker>,
    pub(crate) syncer_waker: Option<Waker>,
    pub(crate) space_wakers: Vec<Waker>,
    /// The file being written (shared with the sync loop).
    pub(crate) file: Rc<F>,
    /// The next write offset in `file` and its preallocated end.
    pub(crate) write_offset_bytes: u64,
    pub(crate) allocated_bytes: u64,
    /// End of the zero-filled space ahead of the records (`zero_fill.rs`).
    pub(crate) zeroed_bytes: u64,
    /// `stats.batches` and `stats.bytes_written` at the last zero-fill decision.
    pub(crate) zero_filled_at: (u64, u64),
    /// Records accepted into the queue so far; with `stats.records_durable` (records are made
    /// durable in append order) it tells a barrier when everything before it is durable.
    pub(crate) appended: u64,
    /// Tasks waiting in [`Journal::barrier`].
    pub(crate) barrier_wakers: Vec<Waker>,
    pub(crate) stats: JournalStats,
}

/// One journal directory: append records, learn when they are durable, trim old files.
///
/// Drive it by polling [`Journal::run_writer`] on the same thread as the appenders (spawn it on
/// the executor, or join it with the appenders in tests). Without a running writer, append
/// futures never resolve.
pub struct Journal<D: DurableDir, S: Sleep> {
    pub(crate) dir: D,
    pub(crate) config: JournalConfig,
    pub(crate) sleep: S,
    /// The effective alignment: the larger of the configured one and the file's.
    pub(crate) alignment_bytes: usize,
    pub(crate) state: RefCell<State<D::File>>,
}

impl<D: DurableDir, S: Sleep> Journal<D, S> {
    /// Opens the journal in `dir`: creates a fresh file with id `max existing + 1` (1 when the
    /// directory holds no journal file), preallocates it, writes and syncs its header, and syncs
    /// the directory. Existing files are never appended to; replay them first with
    /// [`replay`](crate::replay).
    pub async fn open(dir: D, config: JournalConfig, sleep: S) -> Result<Self, JournalError> {
        config.validate()?;
        let journal_id = crate::replay::journal_ids(&dir)
            .await?
            .last()
            .map_or(1, |id| id + 1);
        let (file, alignment_bytes) =
            create_file(&dir, &config, journal_id, config.alignment_bytes, true).await?;
        let start = JournalPos::new(journal_id, alignment_bytes as u64);
        let state = State {
            queue: VecDeque::new(),
            queued_bytes: 0,
            unsynced: VecDeque::new(),
            written_pos: start,
            durable_pos: start,
            poisoned: None,
            closing: false,
            writer_done: false,
            writer_waker: None,
            syncer_waker: None,
            space_wakers: Vec::new(),
            file: Rc::new(file),
            write_offset_bytes: alignment_bytes as u64,
            allocated_bytes: config.preallocate_step_bytes,
            zeroed_bytes: crate::zero_fill::first_zeroed_end(&config),
            zero_filled_at: (0, 0),
            appended: 0,
            barrier_wakers: Vec::new(),
            stats: JournalStats::default(),
        };
        Ok(Journal {
            dir,
            config,
            sleep,
            alignment_bytes,
            state: RefCell::new(state),
        })
    }

    /// Queues `record` and returns a future that resolves when it is durable, with the position
    /// of the record's end, or with the error that poisoned the journal.
    ///
    /// The record is queued before this returns, so records appended in call order are written
    /// in call order (per ledger and overall). Fails at once with
    /// [`JournalError::Backpressure`] when the queue limits are reached, with
    /// [`JournalError::Poisoned`] after a write or fsync failure, and with
    /// [`JournalError::Closed`] after [`Journal::close`].
    pub fn append(&self, record: Record) -> AppendFuture {
        let slot = Rc::new(LocalSlot::default());
        match self.enqueue(record, Waiter::Local(Rc::clone(&slot))) {
            Ok(()) => AppendFuture::waiting(slot),
            Err(error) => AppendFuture::done(Err(error)),
        }
    }

    /// Like [`Journal::append`], but completes `callback` (on this thread) instead of a future.
    /// On an immediate failure the callback is called before this returns.
    pub fn append_with_callback(&self, record: Record, callback: AppendCallback) {
        // The waiter is handed back on refusal so the callback still hears the outcome.
        let mut waiter = Some(Waiter::Callback(callback));
        let outcome = self.enqueue_or_return(record, &mut waiter);
        if let (Err(error), Some(waiter)) = (outcome, waiter) {
            waiter.complete(Err(error));
        }
    }

    fn enqueue(&self, record: Record, waiter: Waiter) -> Result<(), JournalError> {
        let mut slot = Some(waiter);
        self.enqueue_or_return(record, &mut slot)
    }

    fn enqueue_or_return(
        &self,
        record: Record,
        waiter: &mut Option<Waiter>,
    ) -> Result<(), JournalError> {
        let record_bytes = record.frame_bytes();
        if record_bytes > RECORD_BODY_BYTES_MAX {
            return Err(JournalError::RecordTooLarge { record_bytes });
        }
        let mut state = self.state.borrow_mut();
        if let Some(cause) = &state.poisoned {
            return Err(JournalError::Poisoned {
                cause: cause.clone(),
            });
        }
        if state.closing {
            return Err(JournalError::Closed);
        }
        let full = state.queue.len() >= self.config.queued_records_max
            || state.queued_bytes + record_bytes > self.config.queued_bytes_max;
        // An empty queue always accepts one record, so a record larger than the byte limit
        // still makes progress.
        if full && !state.queue.is_empty() {
            return Err(JournalError::Backpressure {
                queued_records: state.queue.len(),
                queued_bytes: state.queued_bytes,
            });
        }
        let Some(waiter) = waiter.take() else {
            return Err(JournalError::Closed);
        };
        state.queued_bytes += record_bytes;
        state.queue.push_back(Queued { record, waiter });
        state.appended += 1;
        if let Some(waker) = state.writer_waker.take() {
            waker.wake();
        }
        Ok(())
    }

    /// Whether an append now would be refused with [`JournalError::Backpressure`].
    pub fn is_full(&self) -> bool {
        let state = self.state.borrow();
        !state.queue.is_empty()
            && (state.queue.len() >= self.config.queued_records_max
                || state.queued_bytes >= self.config.queued_bytes_max)
    }

    /// Resolves once the queue has room again (or the journal is poisoned or closed).
    pub async fn wait_for_space(&self) {
        futures_lite::future::poll_fn(|context| {
            let mut state = self.state.borrow_mut();
            if state.poisoned.is_some() || state.closing || !self.is_full_in(&state) {
                return std::task::Poll::Ready(());
            }
            state.space_wakers.push(context.waker().clone());
            std::task::Poll::Pending
        })
        .await
    }

    fn is_full_in(&self, state: &State<D::File>) -> bool {
        !state.queue.is_empty()
            && (state.queue.len() >= self.config.queued_records_max
                || state.queued_bytes >= self.config.queued_bytes_max)
    }

    /// End of the last group-commit write that completed (in the page cache or device queue).
    pub fn written_pos(&self) -> JournalPos {
        self.state.borrow().written_pos
    }

    /// Completes once every record appended before this call is durable (FORCE_LEDGER), without
    /// appending anything: at once when nothing is pending. Fails with `Poisoned` if the journal
    /// is poisoned first.
    pub async fn barrier(&self) -> Result<(), JournalError> {
        let target = self.state.borrow().appended;
        futures_lite::future::poll_fn(|context| {
            let mut state = self.state.borrow_mut();
            if state.stats.records_durable >= target {
                return std::task::Poll::Ready(Ok(()));
            }
            if let Some(cause) = &state.poisoned {
                return std::task::Poll::Ready(Err(JournalError::Poisoned {
                    cause: cause.clone(),
                }));
            }
            state.barrier_wakers.push(context.waker().clone());
            std::task::Poll::Pending
        })
        .await
    }

    /// End of the last group-commit write made durable by a successful fsync: a valid checkpoint
    /// mark and replay start.
    pub fn durable_pos(&self) -> JournalPos {
        self.state.borrow().durable_pos
    }

    /// Whether a write or fsync failed; if so the bookie must restart and replay.
    pub fn is_poisoned(&self) -> bool {
        self.state.borrow().poisoned.is_some()
    }

    /// Counters of the group commit so far.
    pub fn stats(&self) -> JournalStats {
        self.state.borrow().stats
    }

    /// The configuration in force (with the effective alignment).
    pub fn config(&self) -> JournalConfig {
        JournalConfig {
            alignment_bytes: self.alignment_bytes,
            ..self.config
        }
    }

    /// Refuses new appends; the writer makes every queued record durable and then
    /// [`Journal::run_writer`] returns.
    pub fn close(&self) {
        let mut state = self.state.borrow_mut();
        state.closing = true;
        wake_all(&mut state);
    }

    /// Deletes the journal files wholly below `mark`: every file whose id is below
    /// `mark.journal_id`, never the file holding the mark and never the file being written.
    /// The removal is the directory's `remove_file_eventually` (on a real directory, a paced
    /// background shrink and unlink, so a 1 GiB file's discard stalls nothing): replay never
    /// reads files below the mark, and a file still present is handed over again next time.
    /// Returns how many files were handed over.
    pub async fn trim_below(&self, mark: JournalPos) -> Result<usize, JournalError> {
        let current_id = self.state.borrow().written_pos.journal_id;
        let ids = crate::replay::journal_ids(&self.dir).await?;
        let mut removed = 0;
        for id in ids
            .into_iter()
            .filter(|&id| id < mark.journal_id && id < current_id)
        {
            self.dir
                .remove_file_eventually(&file_name::name(id))
                .await?;
            removed += 1;
        }
        Ok(removed)
    }

    /// The directory this journal writes.
    pub fn dir(&self) -> &D {
        &self.dir
    }

    pub(crate) fn state_mut(&self) -> RefMut<'_, State<D::File>> {
        self.state.borrow_mut()
    }

    pub(crate) fn state(&self) -> Ref<'_, State<D::File>> {
        self.state.borrow()
    }
}

/// Wakes every task parked on the journal state.
pub(crate) fn wake_all<F>(state: &mut State<F>) {
    for waker in [state.writer_waker.take(), state.syncer_waker.take()]
        .into_iter()
        .flatten()
    {
        waker.wake();
    }
    for waker in state.space_wakers.drain(..) {
        waker.wake();
    }
    for waker in state.barrier_wakers.drain(..) {
        waker.wake();
    }
}

/// Creates journal file `journal_id`: create, preallocate one step, write the header block and
/// (if `zero_fill`) zeros up to `zero_fill::first_zeroed_end` (`zero_fill.rs`), sync the file,
/// sync the directory. Returns the file and its effective alignment.
pub(crate) async fn create_file<D: DurableDir>(
    dir: &D,
    config: &JournalConfig,
    journal_id: u64,
    alignment_bytes_wanted: usize,
    zero_fill: bool,
) -> Result<(D::File, usize), JournalError> {
    let file = dir
        .create_file(&file_name::name(journal_id))
        .await
        .map_err(disk_error)?;
    let alignment_bytes = alignment_bytes_wanted.max(file.alignment_bytes());
    if alignment_bytes > crate::format::ALIGNMENT_BYTES_MAX {
        return Err(JournalError::Config(crate::config::ConfigError {
            reason: format!("file alignment {alignment_bytes} exceeds the journal maximum"),
        }));
    }
    file.allocate(0, config.preallocate_step_bytes)
        .await
        .map_err(disk_error)?;
    let header = FileHeader {
        journal_id,
        alignment_bytes: alignment_bytes as u32,
    };
    file.write_at(0, &header.encode_block())
        .await
        .map_err(disk_error)?;
    if zero_fill {
        crate::zero_fill::zero_fill(
            &file,
            alignment_bytes as u64,
            crate::zero_fill::first_zeroed_end(config),
            alignment_bytes,
        )
        .await
        .map_err(disk_error)?;
    }
    file.sync().await.map_err(disk_error)?;
    dir.sync_dir().await.map_err(disk_error)?;
    Ok((file, alignment_bytes))
}

/// Maps a disk error to the journal error callers branch on (ENOSPC is its own variant).
pub(crate) fn disk_error(error: disk::DiskError) -> JournalError {
    match error {
        error @ disk::DiskError::NoSpace { .. } => JournalError::NoSpace(error),
        error => JournalError::Disk(error),
    }
}
