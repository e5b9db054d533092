//! The pipelined group commit: a write loop and a sync loop that run concurrently inside
//! [`Journal::run_writer`].
//!
//! The write loop takes queued records (up to `batch_bytes_max`), encodes one batch (a batch
//! mark, the records, padding to the alignment), writes it at the next aligned offset and
//! publishes `written_pos`. The sync loop fsyncs whatever is written and not yet durable,
//! publishes `durable_pos` and completes the appends it covers. A small batch started while
//! nothing is in flight or unsynced (`dsync_batch_bytes_max`, the light-load case) is written
//! durable by itself instead, so publishing it publishes `durable_pos` too. Up to
//! `writes_in_flight_max` writes and one fsync are on the device at once (with an asynchronous
//! file), and each batch is encoded straight into the file's write buffer
//! (`DurableFile::alloc_write_buffer`) while earlier writes are in flight.
//!
//! Invariants:
//! - Writes may complete in any order but are published in file order: `written_pos` covers a
//!   byte only when every write before it completed too.
//! - A durable write is started only when `durable_pos == written_pos` and no write is in
//!   flight, so when it is published every byte before it is durable and `durable_pos` may
//!   move to its end; `durable_pos` never moves backwards.
//! - A batch is written at an offset that no earlier write touched: batches end on an alignment
//!   boundary and the next one starts there, so synced bytes are never rewritten (a rewrite of
//!   a synced block could tear acknowledged data).
//! - The batch mark records this file's durable end when the batch was encoded; replay uses it to
//!   tell a torn tail from corruption of acknowledged data.
//! - A rollover happens only when everything written is durable; the new file's header and name
//!   are durable before any record is written into it.
//! - Any write, allocate or fsync error poisons the journal (see `error.rs`).

use std::collections::VecDeque;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use disk::{DurableDir, DurableFile, WriteBuffer};
use futures_lite::future;
use types::JournalPos;

use crate::error::JournalError;
use crate::format::{encode_batch_mark_into, encode_padding_into, padding_record_bytes};
use crate::journal::{create_file, disk_error, wake_all, Journal, Queued};
use crate::sleep::Sleep;
use crate::waiter::Waiter;

/// Bytes of a batch-mark frame.
const BATCH_MARK_BYTES: usize = crate::format::frame_bytes(8);

enum Wake {
    Records,
    Closed,
    Poisoned(JournalError),
}

impl<D: DurableDir, S: Sleep> Journal<D, S> {
    /// Runs the group commit until [`Journal::close`] has drained the queue (`Ok`) or a disk
    /// error poisoned the journal (`Err` with that error). Poll it on the appenders' thread.
    pub async fn run_writer(&self) -> Result<(), JournalError> {
        let (written, synced) = future::zip(self.write_loop(), self.sync_loop()).await;
        written.and(synced)
    }

    /// Takes batches and writes them, encoding the next batch while earlier writes are in
    /// flight. Up to `writes_in_flight_max` writes are on the device at once (so the device
    /// never idles while a batch is encoded or a completion is published); they are published
    /// strictly in file order, so `written_pos` only covers bytes whose writes all completed.
    async fn write_loop(&self) -> Result<(), JournalError> {
        let writes_max = self.config.writes_in_flight_max.max(1);
        // Buffers of finished writes: the next batch is encoded into one of them.
        let mut spares: Vec<WriteBuffer> = Vec::new();
        let mut batch = Vec::new();
        let mut in_flight = VecDeque::new();
        let result = loop {
            if let Err(error) = self.finish_completed(&mut in_flight, &mut spares).await {
                break Err(error);
            }
            if !in_flight.is_empty() && self.state().queue.is_empty() {
                // Nothing to encode meanwhile: finish the oldest write so the sync loop can cover it.
                if let Err(error) = self.finish_oldest(&mut in_flight, &mut spares).await {
                    break Err(error);
                }
                continue;
            }
            match self.wait_for_records().await {
                Wake::Records => {}
                Wake::Closed => break self.finish_all(&mut in_flight, &mut spares).await,
                Wake::Poisoned(error) => break Err(error),
            }
            if self.config.group_wait_max_us > 0 {
                let wait = Duration::from_micros(self.config.group_wait_max_us);
                future::or(self.sleep.sleep(wait), self.wait_for_full_batch()).await;
            }
            self.take_batch(&mut batch);
            if self.needs_rollover(&batch) {
                let rolled = match self.finish_all(&mut in_flight, &mut spares).await {
                    Ok(()) => self.roll_over().await,
                    Err(error) => Err(error),
                };
                if let Err(error) = rolled {
                    self.poison(&error);
                    fail_batch(Some(std::mem::take(&mut batch)), &error);
                    break Err(error);
                }
            }
            let prepared = self.prepare_batch(&batch, &mut spares).await;
            let finished = if in_flight.len() >= writes_max {
                self.finish_oldest(&mut in_flight, &mut spares).await
            } else {
                Ok(())
            };
            let started = match (prepared, finished) {
                (Ok(prepared), Ok(())) => {
                    let durable = self.writes_durable(&prepared, in_flight.is_empty());
                    self.start_write(prepared, std::mem::take(&mut batch), durable)
                        .await
                }
                (Err(error), _) | (_, Err(error)) => Err(error),
            };
            match started {
                Ok(flight) => in_flight.push_back(flight),
                Err(error) => {
                    self.poison(&error);
                    fail_batch(Some(std::mem::take(&mut batch)), &error);
                    break Err(error);
                }
            }
            // Zeros go beyond the batch just started, while it is on the device, so they delay
            // the next batch (prepared only after them) rather than this one.
            let (file, reserved_end) = {
                let state = self.state();
                (Rc::clone(&state.file), state.write_offset_bytes)
            };
            if let Err(error) = self.zero_ahead(&file, reserved_end).await {
                self.poison(&error);
                break Err(error);
            }
        };
        if let Err(error) = &result {
            // Writes still in flight are abandoned: their records are acknowledged never.
            for flight in in_flight.drain(..) {
                fail_batch(Some(flight.batch), error);
            }
        }
        let mut state = self.state_mut();
        state.writer_done = true;
        wake_all(&mut state);
        result
    }

    fn needs_rollover(&self, batch: &[Queued]) -> bool {
        let records_bytes: usize = batch.iter().map(|queued| queued.record.frame_bytes()).sum();
        let unpadded_bytes = (BATCH_MARK_BYTES + records_bytes) as u64;
        let offset = self.state().write_offset_bytes;
        offset > self.alignment_bytes as u64
            && offset + unpadded_bytes + self.alignment_bytes as u64 > self.config.file_bytes_max
    }

    /// Encodes the batch at the next write offset (reserving its bytes) straight into a write
    /// buffer of the file (a spare when one is large enough), and preallocates.
    async fn prepare_batch(
        &self,
        batch: &[Queued],
        spares: &mut Vec<WriteBuffer>,
    ) -> Result<Prepared<D::File>, JournalError> {
        let (file, journal_id, offset, durable_offset) = {
            let state = self.state();
            let durable_offset = if state.durable_pos.journal_id == state.written_pos.journal_id {
                state.durable_pos.offset_bytes
            } else {
                self.alignment_bytes as u64
            };
            (
                Rc::clone(&state.file),
                state.written_pos.journal_id,
                state.write_offset_bytes,
                durable_offset,
            )
        };
        let batch_bytes = batch_bytes(offset, self.alignment_bytes, batch);
        let mut buffer = self.write_buffer(&file, spares, batch_bytes)?;
        let layout = encode_batch(
            journal_id,
            offset,
            durable_offset,
            self.alignment_bytes,
            batch,
            buffer.as_mut_slice(),
        );
        let batch_end = offset + layout.batch_bytes as u64;
        let ahead_end = batch_end + crate::zero_fill::ZERO_AHEAD_BYTES;
        self.preallocate(
            &file,
            ahead_end.min(self.config.file_bytes_max.max(batch_end)),
        )
        .await?;
        self.state_mut().write_offset_bytes = batch_end;
        Ok(Prepared {
            file,
            journal_id,
            offset,
            layout,
            buffer,
        })
    }

    /// A buffer of exactly `len_bytes` for the next batch: a spare whose capacity allows, else a
    /// fresh one from the file, large enough for a full batch so it can be reused. Spares too
    /// small for this batch are dropped first (glommio's registered memory is small).
    fn write_buffer(
        &self,
        file: &D::File,
        spares: &mut Vec<WriteBuffer>,
        len_bytes: usize,
    ) -> Result<WriteBuffer, JournalError> {
        let fitting = spares
            .iter()
            .position(|buffer| buffer.capacity_bytes() >= len_bytes);
        let mut buffer = match fitting {
            Some(index) => spares.swap_remove(index),
            None => {
                spares.clear();
                let capacity_bytes = len_bytes.max(self.config.batch_bytes_max);
                file.alloc_write_buffer(capacity_bytes)
                    .map_err(disk_error)?
            }
        };
        if !buffer.set_len(len_bytes) {
            return Err(JournalError::Poisoned {
                cause: format!("write buffer smaller than the {len_bytes}-byte batch"),
            });
        }
        Ok(buffer)
    }

    /// Whether `prepared` goes out as a durable write (see the module invariants).
    fn writes_durable(&self, prepared: &Prepared<D::File>, nothing_in_flight: bool) -> bool {
        let state = self.state();
        nothing_in_flight
            && prepared.layout.batch_bytes <= self.config.dsync_batch_bytes_max
            && state.durable_pos == state.written_pos
    }

    /// Starts the write of a prepared batch (polling it once, so it is on its way) and returns
    /// it in flight; `durable` makes it a durable write.
    async fn start_write(
        &self,
        prepared: Prepared<D::File>,
        batch: Vec<Queued>,
        durable: bool,
    ) -> Result<
        InFlight<impl std::future::Future<Output = (Result<(), disk::DiskError>, WriteBuffer)>>,
        JournalError,
    > {
        let Prepared {
            file,
            journal_id,
            offset,
            layout,
            buffer,
        } = prepared;
        let mut future = Box::pin(async move {
            if durable {
                file.write_buffer_durable_at(offset, buffer).await
            } else {
                file.write_buffer_at(offset, buffer).await
            }
        });
        let done = future::poll_once(&mut future).await;
        Ok(InFlight {
            future,
            done,
            batch,
            journal_id,
            batch_end: offset + layout.batch_bytes as u64,
            layout,
            durable,
        })
    }

    /// Publishes every write at the front of `in_flight` that has already completed, without
    /// waiting for the others.
    async fn finish_completed<Fut>(
        &self,
        in_flight: &mut VecDeque<InFlight<Fut>>,
        spares: &mut Vec<WriteBuffer>,
    ) -> Result<(), JournalError>
    where
        Fut: std::future::Future<Output = (Result<(), disk::DiskError>, WriteBuffer)>,
    {
        while let Some(oldest) = in_flight.front_mut() {
            if oldest.done.is_none() {
                oldest.done = future::poll_once(oldest.future.as_mut()).await;
            }
            if oldest.done.is_none() {
                return Ok(());
            }
            self.finish_oldest(in_flight, spares).await?;
        }
        Ok(())
    }

    /// Waits for every write in flight and publishes them in order.
    async fn finish_all<Fut>(
        &self,
        in_flight: &mut VecDeque<InFlight<Fut>>,
        spares: &mut Vec<WriteBuffer>,
    ) -> Result<(), JournalError>
    where
        Fut: std::future::Future<Output = (Result<(), disk::DiskError>, WriteBuffer)>,
    {
        while !in_flight.is_empty() {
            self.finish_oldest(in_flight, spares).await?;
        }
        Ok(())
    }

    /// Waits for the oldest write in flight, if any, and publishes it: `written_pos` advances
    /// and its records wait for the next sync (a durable write was durable itself:
    /// `durable_pos` advances too and its records are acknowledged now, every earlier write
    /// being durable already). Returns its buffer to `spares`.
    async fn finish_oldest<Fut>(
        &self,
        in_flight: &mut VecDeque<InFlight<Fut>>,
        spares: &mut Vec<WriteBuffer>,
    ) -> Result<(), JournalError>
    where
        Fut: std::future::Future<Output = (Result<(), disk::DiskError>, WriteBuffer)>,
    {
        let Some(mut flight) = in_flight.pop_front() else {
            return Ok(());
        };
        let (result, buffer) = match flight.done.take() {
            Some(done) => done,
            None => flight.future.as_mut().await,
        };
        spares.push(buffer);
        if let Err(error) = result.map_err(write_error) {
            self.poison(&error);
            fail_batch(Some(flight.batch), &error);
            return Err(error);
        }
        let mut state = self.state_mut();
        if let Some(cause) = state.poisoned.clone() {
            // The sync loop failed while this write was in flight: acknowledge nothing.
            drop(state);
            fail_batch(Some(flight.batch), &JournalError::Poisoned { cause });
            return Err(JournalError::Poisoned {
                cause: "fsync failed while a write was in flight".to_owned(),
            });
        }
        let journal_id = flight.journal_id;
        for (queued, end) in flight.batch.drain(..).zip(flight.layout.record_ends) {
            state
                .unsynced
                .push_back((JournalPos::new(journal_id, end), queued.waiter));
        }
        let written_pos = JournalPos::new(journal_id, flight.batch_end);
        state.written_pos = written_pos;
        state.stats.batches += 1;
        state.stats.bytes_written += flight.layout.batch_bytes as u64;
        if flight.durable {
            drop(state);
            self.publish_durable(written_pos);
        } else if let Some(waker) = state.syncer_waker.take() {
            waker.wake();
        }
        Ok(())
    }

    async fn wait_for_records(&self) -> Wake {
        future::poll_fn(|context| {
            let mut state = self.state_mut();
            if let Some(cause) = &state.poisoned {
                return Poll::Ready(Wake::Poisoned(JournalError::Poisoned {
                    cause: cause.clone(),
                }));
            }
            if !state.queue.is_empty() {
                return Poll::Ready(Wake::Records);
            }
            if state.closing {
                return Poll::Ready(Wake::Closed);
            }
            state.writer_waker = Some(context.waker().clone());
            Poll::Pending
        })
        .await
    }

    async fn wait_for_full_batch(&self) {
        future::poll_fn(|context| {
            let mut state = self.state_mut();
            if state.queued_bytes >= self.config.batch_bytes_max
                || state.closing
                || state.poisoned.is_some()
            {
                return Poll::Ready(());
            }
            state.writer_waker = Some(context.waker().clone());
            Poll::Pending
        })
        .await
    }

    /// Moves queued records into `batch`: at least one, then while the whole write (batch mark,
    /// records and the largest possible padding) stays within `batch_bytes_max`, so that a
    /// full batch fits a buffer of exactly `batch_bytes_max` (glommio's registered I/O memory
    /// is a buddy allocator: two 4 MiB buffers fit its default 10 MiB, two of 4 MiB + 8 KiB
    /// do not).
    fn take_batch(&self, batch: &mut Vec<Queued>) {
        let mut state = self.state_mut();
        let mut batch_bytes =
            BATCH_MARK_BYTES + self.alignment_bytes + crate::format::frame_bytes(0);
        while let Some(next) = state.queue.front() {
            let record_bytes = next.record.frame_bytes();
            if !batch.is_empty() && batch_bytes + record_bytes > self.config.batch_bytes_max {
                break;
            }
            batch_bytes += record_bytes;
            state.queued_bytes -= record_bytes;
            if let Some(queued) = state.queue.pop_front() {
                batch.push(queued);
            }
        }
        for waker in state.space_wakers.drain(..) {
            waker.wake();
        }
    }

    async fn preallocate(&self, file: &D::File, end_bytes: u64) -> Result<(), JournalError> {
        let allocated = self.state().allocated_bytes;
        if end_bytes <= allocated {
            return Ok(());
        }
        let step = self.config.preallocate_step_bytes;
        let target = end_bytes.div_ceil(step) * step;
        file.allocate(allocated, target - allocated)
            .await
            .map_err(disk_error)?;
        self.state_mut().allocated_bytes = target;
        Ok(())
    }

    /// Keeps the zero-filled region `ZERO_AHEAD_BYTES` ahead of the reserved bytes, topped up
    /// once `ZERO_TOP_UP_BYTES` of it were used, while writes are small (`zero_fill.rs`). The
    /// zeros start at or after `reserved_end`, beyond every record write in flight, and the next
    /// batch is reserved only after they are written, so they never overwrite a record.
    async fn zero_ahead(&self, file: &D::File, reserved_end: u64) -> Result<(), JournalError> {
        let ahead = crate::zero_fill::ZERO_AHEAD_BYTES;
        let (zeroed, allocated) = {
            let state = self.state();
            (state.zeroed_bytes, state.allocated_bytes)
        };
        if zeroed >= reserved_end + ahead - crate::zero_fill::ZERO_TOP_UP_BYTES {
            return Ok(());
        }
        let (pays, now) = self.zero_fill_pays_off();
        if now == self.state().zero_filled_at {
            // No write finished since the last decision (writes in flight at peak): decide
            // later, on evidence, rather than zero ahead of writes that may be large.
            return Ok(());
        }
        self.state_mut().zero_filled_at = now;
        let start = zeroed.max(reserved_end);
        let end = (reserved_end + ahead).min(allocated);
        if !pays || end <= start {
            return Ok(());
        }
        crate::zero_fill::zero_fill(file, start, end, self.alignment_bytes)
            .await
            .map_err(disk_error)?;
        self.state_mut().zeroed_bytes = end;
        Ok(())
    }

    /// Whether the writes since the last zero-fill decision were small enough for zero-filling
    /// to pay off, and the counters to remember as this decision's.
    fn zero_fill_pays_off(&self) -> (bool, (u64, u64)) {
        let state = self.state();
        let now = (state.stats.batches, state.stats.bytes_written);
        let (batches, bytes) = state.zero_filled_at;
        let pays =
            crate::zero_fill::pays_off(now.0.saturating_sub(batches), now.1.saturating_sub(bytes));
        (pays, now)
    }

    /// Waits until everything written is durable, then starts file `id + 1`.
    async fn roll_over(&self) -> Result<(), JournalError> {
        future::poll_fn(|context| {
            let mut state = self.state_mut();
            if let Some(cause) = &state.poisoned {
                return Poll::Ready(Err(JournalError::Poisoned {
                    cause: cause.clone(),
                }));
            }
            if state.durable_pos == state.written_pos {
                return Poll::Ready(Ok(()));
            }
            state.writer_waker = Some(context.waker().clone());
            Poll::Pending
        })
        .await?;
        let next_id = self.state().written_pos.journal_id + 1;
        let (zero_fill, now) = self.zero_fill_pays_off();
        let (file, alignment_bytes) = create_file(
            &self.dir,
            &self.config,
            next_id,
            self.alignment_bytes,
            zero_fill,
        )
        .await?;
        if alignment_bytes != self.alignment_bytes {
            return Err(JournalError::Poisoned {
                cause: "journal file alignment changed on rollover".to_owned(),
            });
        }
        let mut state = self.state_mut();
        let start = JournalPos::new(next_id, alignment_bytes as u64);
        state.file = Rc::new(file);
        state.write_offset_bytes = start.offset_bytes;
        state.allocated_bytes = self.config.preallocate_step_bytes;
        state.zero_filled_at = now;
        state.zeroed_bytes = if zero_fill {
            crate::zero_fill::first_zeroed_end(&self.config)
        } else {
            start.offset_bytes
        };
        state.written_pos = start;
        state.durable_pos = start;
        Ok(())
    }

    async fn sync_loop(&self) -> Result<(), JournalError> {
        loop {
            let next = future::poll_fn(|context| {
                let mut state = self.state_mut();
                if let Some(cause) = &state.poisoned {
                    return Poll::Ready(Err(JournalError::Poisoned {
                        cause: cause.clone(),
                    }));
                }
                if state.written_pos > state.durable_pos {
                    return Poll::Ready(Ok(Some((state.written_pos, Rc::clone(&state.file)))));
                }
                if state.writer_done {
                    return Poll::Ready(Ok(None));
                }
                state.syncer_waker = Some(context.waker().clone());
                Poll::Pending
            })
            .await;
            let (target, file) = match next {
                Ok(Some(next)) => next,
                Ok(None) => return Ok(()),
                // The writer saw the failure first and reports it; this loop just stops.
                Err(_) => return Ok(()),
            };
            if let Err(error) = file.sync().await {
                let error = JournalError::Poisoned {
                    cause: error.to_string(),
                };
                self.poison(&error);
                return Err(error);
            }
            self.publish_durable(target);
        }
    }

    /// Advances `durable_pos` to `target` and acknowledges every record it covers.
    fn publish_durable(&self, target: JournalPos) {
        let mut done = Vec::new();
        {
            let mut state = self.state_mut();
            if state.poisoned.is_some() {
                return;
            }
            state.durable_pos = state.durable_pos.max(target);
            state.stats.syncs += 1;
            while state
                .unsynced
                .front()
                .is_some_and(|(end, _)| *end <= target)
            {
                if let Some(entry) = state.unsynced.pop_front() {
                    done.push(entry);
                }
            }
            state.stats.records_durable += done.len() as u64;
            if let Some(waker) = state.writer_waker.take() {
                waker.wake();
            }
            for waker in state.barrier_wakers.drain(..) {
                waker.wake();
            }
        }
        // Completing may run callbacks; no borrow is held while they run.
        for (end, waiter) in done {
            waiter.complete(Ok(end));
        }
    }

    /// Poisons the journal: fails every queued and unsynced record with `error`, and makes every
    /// later append fail with [`JournalError::Poisoned`].
    pub(crate) fn poison(&self, error: &JournalError) {
        let failed: Vec<Waiter> = {
            let mut state = self.state_mut();
            if state.poisoned.is_none() {
                state.poisoned = Some(error.to_string());
            }
            let queued = std::mem::take(&mut state.queue);
            state.queued_bytes = 0;
            let unsynced = std::mem::take(&mut state.unsynced);
            wake_all(&mut state);
            unsynced
                .into_iter()
                .map(|(_, waiter)| waiter)
                .chain(queued.into_iter().map(|queued| queued.waiter))
                .collect()
        };
        tracing::error!(%error, "journal poisoned: nothing more will be acknowledged");
        for waiter in failed {
            waiter.complete(Err(error.clone()));
        }
    }
}

/// A batch encoded and reserved in the file, not yet written.
struct Prepared<F> {
    file: Rc<F>,
    journal_id: u64,
    offset: u64,
    layout: BatchLayout,
    /// The encoded batch (length `layout.batch_bytes`).
    buffer: WriteBuffer,
}

/// A batch whose write was started.
struct InFlight<Fut: std::future::Future> {
    future: std::pin::Pin<Box<Fut>>,
    /// The output, when the write completed at its first poll.
    done: Option<Fut::Output>,
    batch: Vec<Queued>,
    journal_id: u64,
    batch_end: u64,
    layout: BatchLayout,
    /// Written with `write_buffer_durable_at`.
    durable: bool,
}

/// The journal error for a failed group-commit write: a failed flush of a durable write is a
/// failed fsync, reported as such (`Poisoned`), like the sync loop's.
fn write_error(error: disk::DiskError) -> JournalError {
    match error {
        error @ disk::DiskError::SyncFailed { .. } => JournalError::Poisoned {
            cause: error.to_string(),
        },
        error => disk_error(error),
    }
}

/// Completes every waiter of a batch that left the queue with `error`.
fn fail_batch(batch: Option<Vec<Queued>>, error: &JournalError) {
    for queued in batch.into_iter().flatten() {
        queued.waiter.complete(Err(error.clone()));
    }
}

/// Where the records of an encoded batch end.
pub(crate) struct BatchLayout {
    /// Total bytes of the batch (a multiple of the alignment).
    pub(crate) batch_bytes: usize,
    /// The file offset of each record's end, in batch order.
    pub(crate) record_ends: Vec<u64>,
}

/// Bytes of the batch that `batch` makes when written at `offset_bytes`: a batch mark, the
/// records, and padding up to the alignment.
pub(crate) fn batch_bytes(offset_bytes: u64, alignment_bytes: usize, batch: &[Queued]) -> usize {
    let records_bytes: usize = batch.iter().map(|queued| queued.record.frame_bytes()).sum();
    let unpadded = BATCH_MARK_BYTES + records_bytes;
    unpadded + padding_record_bytes(offset_bytes + unpadded as u64, alignment_bytes)
}

/// Encodes one batch into `out`, which must be exactly [`batch_bytes`] long: a batch mark,
/// every record of `batch`, and padding up to the alignment. Every byte of `out` is written (a
/// reused buffer leaves nothing stale behind).
///
/// # Panics
/// If `out` is not [`batch_bytes`] long (a caller bug).
pub(crate) fn encode_batch(
    journal_id: u64,
    offset_bytes: u64,
    durable_offset_bytes: u64,
    alignment_bytes: usize,
    batch: &[Queued],
    out: &mut [u8],
) -> BatchLayout {
    let mut at = encode_batch_mark_into(journal_id, durable_offset_bytes, out);
    let mut record_ends = Vec::with_capacity(batch.len());
    for queued in batch {
        at += queued.record.encode_into(journal_id, &mut out[at..]);
        record_ends.push(offset_bytes + at as u64);
    }
    let padding = padding_record_bytes(offset_bytes + at as u64, alignment_bytes);
    if padding > 0 {
        at += encode_padding_into(journal_id, padding, &mut out[at..]);
    }
    assert_eq!(at, out.len(), "batch buffer does not match the batch size");
    debug_assert_eq!((offset_bytes + at as u64) % alignment_bytes as u64, 0);
    BatchLayout {
        batch_bytes: at,
        record_ends,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Record;
    use crate::format::{decode_frame, decode_payload, Frame};
    use crate::waiter::LocalSlot;

    fn queued(record: Record) -> Queued {
        Queued {
            record,
            waiter: Waiter::Local(Rc::new(LocalSlot::default())),
        }
    }

    #[test]
    fn a_batch_is_a_mark_then_the_records_then_padding_to_the_boundary() {
        let batch: Vec<Queued> = (0..3)
            .map(|entry_id| {
                queued(Record::Entry {
                    ledger_id: 4,
                    entry_id,
                    body: bytes::Bytes::from(vec![7u8; 100]),
                })
            })
            .chain([queued(Record::Fence { ledger_id: 4 })])
            .collect();
        let offset = 1024;
        let mut buffer = vec![0xeeu8; batch_bytes(offset, 512, &batch)];
        let layout = encode_batch(9, offset, 512, 512, &batch, &mut buffer);
        assert_eq!(layout.batch_bytes, buffer.len());
        let bytes = &buffer[..];
        assert_eq!((offset + layout.batch_bytes as u64) % 512, 0);
        let mut pos = 0usize;
        let mut kinds = Vec::new();
        let mut ends = Vec::new();
        while pos < bytes.len() {
            let Ok(Frame::Record {
                kind,
                payload,
                total_bytes,
            }) = decode_frame(9, &bytes[pos..])
            else {
                panic!("bad frame at {pos}");
            };
            kinds.push(
                decode_payload(kind, payload).map(|decoded| std::mem::discriminant(&decoded)),
            );
            pos += total_bytes;
            ends.push(offset + pos as u64);
        }
        assert_eq!(pos, bytes.len());
        assert_eq!(kinds.len(), 6, "mark, 3 entries, fence, padding");
        assert_eq!(layout.record_ends, ends[1..5].to_vec());
    }
}
