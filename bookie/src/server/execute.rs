//! Runs an [`Op`] on the shard that owns its ledger and turns the result into an [`Outcome`]:
//! the bookie semantics of spec §5 (read-only refusal, master-key checks, fencing, LAC,
//! long poll and piggyback reads) on top of [`StorageShard`].
//!
//! Invariants:
//! - An ADD, WRITE_LAC or fencing READ is answered EOK only after its journal record is durable
//!   (the shard's contract); a fencing READ reads only after the fence is durable.
//! - A fencing READ waits at most `FENCE_WAIT` for its fence record to be durable, then answers
//!   EIO (the fence itself stays, and becomes durable whenever the journal gets there), as
//!   BookKeeper does without a dedicated fence thread pool (spec §5.1).
//! - A read-only bookie refuses normal ADD and WRITE_LAC with EREADONLY and still accepts
//!   high-priority (recovery) adds; reads and fences are always served.
//! - Storage errors become status codes here and nowhere else.

use std::time::Duration;

use bytes::Bytes;
use disk::DurableDir;
use journal::{JournalError, Sleep as JournalSleep};
use ledger_store::{Sleep, StoreError};
use proto::availability::AvailabilityOfEntriesOfLedger;
use proto::v2::BatchEntries;
use proto::StatusCode;
use types::{special_entry, EntryId, LedgerId, MasterKey};

use super::op::{LongPoll, Op, Outcome};
use crate::storage_shard::{StorageShard, WriteError};

/// How long a fencing read waits for its fence to be durable before it answers EIO.
pub const FENCE_WAIT: Duration = Duration::from_secs(1);

/// What the executor needs besides the shard.
pub struct ExecuteContext<'a, T: Sleep> {
    /// Whether the bookie is read-only now.
    pub read_only: bool,
    /// The bookie's cap on a BATCH_READ answer, in bytes (BookKeeper: maxBatchReadSize, further
    /// capped by the frame limit).
    pub batch_read_bytes_max: u64,
    /// The timer for long polls.
    pub timer: &'a T,
}

/// Whether `op` is an ADD that [`execute_add_then`] takes at once: not refused as read-only,
/// and the shard needs no checkpoint or key record first
/// ([`StorageShard::can_add_without_waiting`]).
pub fn can_execute_add_now<JD, LD, S>(
    shard: &StorageShard<JD, LD, S>,
    op: &Op,
    read_only: bool,
) -> bool
where
    JD: DurableDir,
    LD: DurableDir + Clone,
    S: JournalSleep,
{
    match op {
        Op::Add {
            ledger_id,
            body,
            high_priority,
            ..
        } => {
            (!read_only || *high_priority) && shard.can_add_without_waiting(*ledger_id, body.len())
        }
        _ => false,
    }
}

/// The ADD of [`execute`] without a future, for an op that [`can_execute_add_now`]: `done` hears
/// the same [`Outcome`] on this core, once the entry's journal record is durable (or at once
/// when the add is refused).
pub fn execute_add_then<JD, LD, S>(
    shard: &StorageShard<JD, LD, S>,
    op: Op,
    done: impl FnOnce(Outcome) + 'static,
) where
    JD: DurableDir,
    LD: DurableDir + Clone,
    S: JournalSleep,
{
    let Op::Add {
        ledger_id,
        entry_id,
        master_key,
        body,
        recovery,
        ..
    } = op
    else {
        tracing::error!("execute_add_then called with an op that is not an ADD");
        return done(Outcome::error_for(&op, StatusCode::BadRequest));
    };
    shard.add_entry_then(
        ledger_id,
        entry_id,
        &master_key,
        body,
        recovery,
        move |result| done(Outcome::Status(write_status(ledger_id, result))),
    );
}

/// Runs `op` on `shard` (which must own the op's ledger).
pub async fn execute<JD, LD, S, T>(
    shard: &StorageShard<JD, LD, S>,
    op: Op,
    context: ExecuteContext<'_, T>,
) -> Outcome
where
    JD: DurableDir,
    LD: DurableDir + Clone,
    S: JournalSleep,
    T: Sleep,
{
    match op {
        Op::Add {
            ledger_id,
            entry_id,
            master_key,
            body,
            recovery,
            high_priority,
        } => {
            if context.read_only && !high_priority {
                return Outcome::Status(StatusCode::ReadOnly);
            }
            let result = shard
                .add_entry(ledger_id, entry_id, &master_key, body, recovery)
                .await;
            Outcome::Status(write_status(ledger_id, result))
        }
        Op::WriteLac {
            ledger_id,
            master_key,
            blob,
        } => {
            if context.read_only {
                return Outcome::Status(StatusCode::ReadOnly);
            }
            let result = shard.write_explicit_lac(ledger_id, &master_key, blob).await;
            Outcome::Status(write_status(ledger_id, result))
        }
        Op::ForceLedger { ledger_id } => {
            Outcome::Status(write_status(ledger_id, shard.force_ledger(ledger_id).await))
        }
        Op::Read {
            ledger_id,
            entry_id,
            fence_key,
            long_poll,
            piggyback,
            want_max_lac,
        } => {
            if let Some(key) = fence_key {
                let status = fence_for_read(shard, ledger_id, &key, context.timer).await;
                if status != StatusCode::Ok {
                    return Outcome::Read {
                        status,
                        entry_id,
                        body: None,
                        max_lac: None,
                    };
                }
            }
            if let Some(long_poll) = long_poll {
                wait_for_lac(shard, ledger_id, long_poll, context.timer).await;
            }
            if piggyback {
                return read_piggyback(shard, ledger_id, long_poll).await;
            }
            let (status, body) = match shard.read_entry(ledger_id, entry_id).await {
                Ok(body) => (StatusCode::Ok, Some(body)),
                Err(error) => (read_status(ledger_id, &error), None),
            };
            let max_lac = if want_max_lac {
                shard
                    .ledger_state(ledger_id)
                    .map(|state| state.last_add_confirmed)
            } else {
                None
            };
            Outcome::Read {
                status,
                entry_id,
                body,
                max_lac,
            }
        }
        Op::BatchRead {
            ledger_id,
            start_entry_id,
            max_count,
            max_size_bytes,
            fence_key,
        } => {
            if let Some(key) = fence_key {
                let status = fence_for_read(shard, ledger_id, &key, context.timer).await;
                if status != StatusCode::Ok {
                    return Outcome::BatchRead {
                        status,
                        entries: BatchEntries::default(),
                    };
                }
            }
            let budget = BatchBudget::new(max_count, max_size_bytes, context.batch_read_bytes_max);
            batch_read(shard, ledger_id, start_entry_id, budget).await
        }
        Op::ReadLac { ledger_id } => read_lac(shard, ledger_id).await,
        Op::ListEntries { ledger_id } => list_entries(shard, ledger_id),
    }
}

/// Fences `ledger_id` for a fencing read: EOK once the fence is durable, EIO if that takes
/// longer than [`FENCE_WAIT`] (the fence stays), or the write error's status.
async fn fence_for_read<JD, LD, S, T>(
    shard: &StorageShard<JD, LD, S>,
    ledger_id: LedgerId,
    key: &MasterKey,
    timer: &T,
) -> StatusCode
where
    JD: DurableDir,
    LD: DurableDir + Clone,
    S: JournalSleep,
    T: Sleep,
{
    let fenced =
        futures_lite::future::or(async { Some(shard.fence(ledger_id, key).await) }, async {
            timer.sleep(FENCE_WAIT).await;
            None
        })
        .await;
    match fenced {
        Some(result) => write_status(ledger_id, result),
        None => {
            tracing::warn!(
                ledger_id,
                "fence not durable within {FENCE_WAIT:?}; answering EIO"
            );
            StatusCode::IoError
        }
    }
}

/// How much a BATCH_READ may answer, as BookKeeper 4.17's `BatchedReadEntryProcessor` counts
/// it: the frame size starts at 24 + 8 + 4 bytes and each entry adds its length + 4; the first
/// entry is always answered, a later one only while the count stays within `max_count` (<= 0:
/// no count limit) and the size within min(client budget, bookie cap). After the first entry the
/// count is also capped at 1 + (bytes left / (first entry's length + 4)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BatchBudget {
    /// Most entries.
    entries_max: u64,
    /// Most frame bytes, as counted above.
    frame_bytes_max: u64,
}

impl BatchBudget {
    /// The budget of a request with `max_count` and `max_size_bytes` on a bookie whose cap is
    /// `bookie_bytes_max`.
    fn new(max_count: i32, max_size_bytes: i64, bookie_bytes_max: u64) -> Self {
        let entries_max = if max_count <= 0 {
            u64::MAX
        } else {
            max_count as u64
        };
        let client_bytes_max = u64::try_from(max_size_bytes).unwrap_or(0);
        Self {
            entries_max,
            frame_bytes_max: client_bytes_max.min(bookie_bytes_max),
        }
    }

    /// The frame size counted before any entry.
    const FRAME_BYTES_START: u64 = 24 + 8 + 4;

    /// The frame size after adding an entry of `entry_bytes` to a frame of `frame_bytes`.
    fn with_entry(frame_bytes: u64, entry_bytes: usize) -> u64 {
        frame_bytes + entry_bytes as u64 + 4
    }
}

/// Reads `start_entry_id, start_entry_id + 1, ...` within `budget`. A failure on the first entry
/// is the answer's status (ENOENTRY, ENOLEDGER, EIO); a failure on a later one ends the batch
/// with the entries before it.
async fn batch_read<JD, LD, S>(
    shard: &StorageShard<JD, LD, S>,
    ledger_id: LedgerId,
    start_entry_id: EntryId,
    budget: BatchBudget,
) -> Outcome
where
    JD: DurableDir,
    LD: DurableDir + Clone,
    S: JournalSleep,
{
    let mut entries: Vec<Bytes> = Vec::new();
    let mut frame_bytes = BatchBudget::FRAME_BYTES_START;
    let mut entry_id = start_entry_id;
    let mut entries_max = budget.entries_max;
    while (entries.len() as u64) < entries_max {
        let body = match shard.read_entry(ledger_id, entry_id).await {
            Ok(body) => body,
            Err(error) if entries.is_empty() => {
                return Outcome::BatchRead {
                    status: read_status(ledger_id, &error),
                    entries: BatchEntries::default(),
                };
            }
            Err(_) => break,
        };
        let next_frame_bytes = BatchBudget::with_entry(frame_bytes, body.len());
        if !entries.is_empty() && next_frame_bytes > budget.frame_bytes_max {
            break;
        }
        if entries.is_empty() {
            // As BookKeeper does: the count is also capped by how many entries of the first
            // one's size fit in what the budget has left.
            let per_entry_bytes = (body.len() as u64 + 4).max(1);
            let left_bytes = budget.frame_bytes_max.saturating_sub(next_frame_bytes);
            entries_max = entries_max.min(1 + left_bytes / per_entry_bytes);
        }
        frame_bytes = next_frame_bytes;
        entries.push(body);
        let Some(next) = entry_id.checked_add(1) else {
            break;
        };
        entry_id = next;
    }
    Outcome::BatchRead {
        status: StatusCode::Ok,
        entries: BatchEntries::from_entries(entries.iter().map(|body| &body[..])),
    }
}

async fn wait_for_lac<JD, LD, S, T>(
    shard: &StorageShard<JD, LD, S>,
    ledger_id: LedgerId,
    long_poll: LongPoll,
    timer: &T,
) where
    JD: DurableDir,
    LD: DurableDir + Clone,
    S: JournalSleep,
    T: Sleep,
{
    // Parked until an add moves the LAC past the one the reader knows (`lac_waiters.rs`), or
    // until the poll's timeout.
    futures_lite::future::or(
        shard.wait_for_lac_above(ledger_id, long_poll.previous_lac),
        timer.sleep(Duration::from_millis(long_poll.timeout_ms)),
    )
    .await;
}

async fn read_piggyback<JD, LD, S>(
    shard: &StorageShard<JD, LD, S>,
    ledger_id: LedgerId,
    long_poll: Option<LongPoll>,
) -> Outcome
where
    JD: DurableDir,
    LD: DurableDir + Clone,
    S: JournalSleep,
{
    let previous_lac = long_poll.map_or(special_entry::INVALID, |poll| poll.previous_lac);
    let Some(state) = shard.ledger_state(ledger_id) else {
        return Outcome::Read {
            status: StatusCode::NoLedger,
            entry_id: special_entry::LAST_ADD_CONFIRMED,
            body: None,
            max_lac: None,
        };
    };
    let lac = state.last_add_confirmed;
    if lac <= previous_lac {
        return Outcome::Read {
            status: StatusCode::Ok,
            entry_id: special_entry::LAST_ADD_CONFIRMED,
            body: None,
            max_lac: Some(lac),
        };
    }
    let next: EntryId = previous_lac + 1;
    let body = shard.read_entry(ledger_id, next).await.ok();
    Outcome::Read {
        status: StatusCode::Ok,
        entry_id: next,
        body,
        max_lac: Some(lac),
    }
}

async fn read_lac<JD, LD, S>(shard: &StorageShard<JD, LD, S>, ledger_id: LedgerId) -> Outcome
where
    JD: DurableDir,
    LD: DurableDir + Clone,
    S: JournalSleep,
{
    let Some(state) = shard.ledger_state(ledger_id) else {
        return Outcome::ReadLac {
            status: StatusCode::NoLedger,
            lac_body: None,
            last_entry_body: None,
        };
    };
    let lac_body = state.explicit_lac.map(Bytes::from);
    let last_entry_body = match shard
        .read_entry(ledger_id, special_entry::LAST_ADD_CONFIRMED)
        .await
    {
        Ok(body) => Some(body),
        Err(StoreError::NoEntry { .. }) | Err(StoreError::NoLedger { .. }) => None,
        Err(error) => {
            return Outcome::ReadLac {
                status: read_status(ledger_id, &error),
                lac_body: None,
                last_entry_body: None,
            };
        }
    };
    let status = if lac_body.is_none() && last_entry_body.is_none() {
        StatusCode::NoEntry
    } else {
        StatusCode::Ok
    };
    Outcome::ReadLac {
        status,
        lac_body,
        last_entry_body,
    }
}

fn list_entries<JD, LD, S>(shard: &StorageShard<JD, LD, S>, ledger_id: LedgerId) -> Outcome
where
    JD: DurableDir,
    LD: DurableDir + Clone,
    S: JournalSleep,
{
    let entries = match shard.store().list_entries(ledger_id) {
        Ok(entries) => entries,
        Err(error) => {
            return Outcome::Entries {
                status: read_status(ledger_id, &error),
                availability: None,
            }
        }
    };
    match AvailabilityOfEntriesOfLedger::from_sorted_entries(
        entries.into_iter().filter(|entry_id| *entry_id >= 0),
    ) {
        Ok(availability) => Outcome::Entries {
            status: StatusCode::Ok,
            availability: Some(Bytes::from(availability.encode())),
        },
        Err(error) => {
            tracing::error!(ledger_id, %error, "entry list of the ledger store is not sorted");
            Outcome::Entries {
                status: StatusCode::IoError,
                availability: None,
            }
        }
    }
}

/// The wire status of a write's result; unexpected failures are logged here.
pub(crate) fn write_status(ledger_id: LedgerId, result: Result<(), WriteError>) -> StatusCode {
    match result {
        Ok(()) => StatusCode::Ok,
        Err(WriteError::Unauthorized { .. }) => StatusCode::Unauthorized,
        Err(WriteError::Fenced { .. }) => StatusCode::Fenced,
        Err(WriteError::Store(StoreError::NoLedger { .. })) => StatusCode::NoLedger,
        Err(WriteError::Store(StoreError::InvalidEntry { .. })) => StatusCode::BadRequest,
        Err(WriteError::Store(StoreError::WriteCacheFull { .. }))
        | Err(WriteError::Journal(JournalError::Backpressure { .. })) => {
            StatusCode::TooManyRequests
        }
        Err(error) => {
            tracing::error!(ledger_id, %error, "write failed");
            StatusCode::IoError
        }
    }
}

/// The wire status of a failed read; unexpected failures are logged here.
fn read_status(ledger_id: LedgerId, error: &StoreError) -> StatusCode {
    match error {
        StoreError::NoLedger { .. } => StatusCode::NoLedger,
        StoreError::NoEntry { .. } => StatusCode::NoEntry,
        error => {
            tracing::error!(ledger_id, %error, "read failed");
            StatusCode::IoError
        }
    }
}
