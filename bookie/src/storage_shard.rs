//! A storage shard: one journal and one ledger store, with the bookie's write rules.
//!
//! In the server each core owns one shard and every ledger is owned by one core, so a shard is
//! single-threaded and needs no locks. The shard implements the order of spec §5.2 for adds
//! (key check, fencing check, ledger store, journal, acknowledge when durable) and the same
//! order for fences and explicit LACs; [`crate::checkpoint`] relies on that order.
//!
//! Invariants:
//! - An add, fence or explicit LAC returns `Ok` only after its journal record is durable.
//! - Every journaled change is applied to the ledger store *before* its record is appended to
//!   the journal, in one synchronous step (no `.await` between the two).
//! - A ledger's key record is appended before the first record of that ledger in this process,
//!   so replay can recreate the ledger from the journal alone.
//! - After a failed journal fsync or a failed ledger-store fsync the shard acknowledges nothing
//!   more; it must be dropped and recovered ([`StorageShard::recover`]).

use std::cell::RefCell;
use std::collections::HashSet;

use bytes::Bytes;
use disk::DurableDir;
use journal::{Journal, JournalConfig, JournalError, Record, ReplayError, ReplayReport, Sleep};
use ledger_store::{LedgerState, LedgerStore, StoreConfig, StoreError};
use types::{EntryId, JournalPos, LedgerId, MasterKey};

use crate::checkpoint::{run_checkpoint, CheckpointError, CheckpointReport};
use crate::checkpoint_nudge::CheckpointNudge;
use crate::lac_waiters::LacWaiters;
use crate::mark::{mark_file_name, read_mark, MarkError};

/// Configuration of one shard.
#[derive(Debug, Clone, Default)]
pub struct ShardConfig {
    /// The journal's limits.
    pub journal: JournalConfig,
    /// The ledger store's limits.
    pub store: StoreConfig,
}

/// Why a shard could not be recovered.
#[derive(Debug, thiserror::Error)]
pub enum RecoverError {
    /// The ledger store could not be opened or flushed.
    #[error("recovery: ledger store: {0}")]
    Store(#[from] StoreError),
    /// The mark could not be read.
    #[error("recovery: {0}")]
    Mark(#[from] MarkError),
    /// The journal could not be replayed (a missing file, or corruption in the middle).
    #[error("recovery: journal replay: {0}")]
    Replay(#[from] ReplayError),
    /// The journal could not be opened for new records.
    #[error("recovery: journal: {0}")]
    Journal(#[from] JournalError),
    /// The first checkpoint after replay failed.
    #[error("recovery: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// A replayed record contradicts the ledger store (for example a fence of an unknown ledger).
    #[error("recovery: journal record for ledger {ledger_id} cannot be applied: {reason}")]
    Inconsistent { ledger_id: LedgerId, reason: String },
}

/// Why an add, a fence or an explicit LAC was not acknowledged.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The master key differs from the ledger's (wire status EUA).
    #[error("master key mismatch for ledger {ledger_id}")]
    Unauthorized { ledger_id: LedgerId },
    /// The ledger is fenced and the add is not a recovery add (wire status EFENCED).
    #[error("ledger {ledger_id} is fenced")]
    Fenced { ledger_id: LedgerId },
    /// The ledger store refused the change (invalid entry, no space, poisoned...).
    #[error("ledger store: {0}")]
    Store(StoreError),
    /// The journal refused or failed the record (backpressure, poisoned...).
    #[error("journal: {0}")]
    Journal(#[from] JournalError),
    /// The write cache stayed full even after a checkpoint (wire status ETOOMANYREQUESTS).
    #[error("write cache full after a checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
}

/// What recovery found and did.
#[derive(Debug, Clone)]
pub struct RecoveryReport {
    /// The mark replay started from.
    pub mark: JournalPos,
    /// What the journal scan found.
    pub replay: ReplayReport,
    /// Records applied to the ledger store.
    pub records_applied: u64,
    /// The first checkpoint after replay.
    pub checkpoint: CheckpointReport,
}

/// One journal and one ledger store; see the module doc.
pub struct StorageShard<JD: DurableDir, LD: DurableDir + Clone, S: Sleep> {
    journal: Journal<JD, S>,
    store: LedgerStore<LD>,
    mark_dir: LD,
    mark_name: String,
    /// Ledgers whose key record was appended to the journal by this process.
    keys_journaled: RefCell<HashSet<LedgerId>>,
    checkpoint_lock: async_lock::Mutex<()>,
    /// Set when the write cache fills up, for the periodic checkpoint task.
    checkpoint_nudge: CheckpointNudge,
    /// Long-poll reads parked until a ledger's LAC moves.
    lac_waiters: LacWaiters,
}

impl<JD: DurableDir, LD: DurableDir + Clone, S: Sleep> StorageShard<JD, LD, S> {
    /// Opens a shard after a clean stop or a crash: opens the ledger store, replays the journal
    /// from the mark into it, opens a fresh journal file, and checkpoints.
    ///
    /// The journal writer ([`StorageShard::run_journal_writer`]) must be polled by the caller from
    /// then on, or nothing is acknowledged. Recovery's own checkpoint does not need it.
    pub async fn recover(
        journal_dir: JD,
        ledger_dir: LD,
        config: ShardConfig,
        sleep: S,
    ) -> Result<(Self, RecoveryReport), RecoverError> {
        let mark_name = mark_file_name(0, 1);
        let store = LedgerStore::open(ledger_dir.clone(), config.store).await?;
        let mark = read_mark(&ledger_dir, &mark_name).await?;
        let mut records = Vec::new();
        let replay =
            journal::replay(&journal_dir, mark, |_end, record| records.push(record)).await?;
        let records_applied = records.len() as u64;
        for record in records {
            apply_replayed(&store, record).await?;
        }
        let journal = Journal::open(journal_dir, config.journal, sleep).await?;
        let shard = StorageShard {
            journal,
            store,
            mark_dir: ledger_dir,
            mark_name,
            keys_journaled: RefCell::new(HashSet::new()),
            checkpoint_lock: async_lock::Mutex::new(()),
            checkpoint_nudge: CheckpointNudge::default(),
            lac_waiters: LacWaiters::default(),
        };
        // Everything replayed is now in the ledger store; this checkpoint moves the mark to the
        // start of the fresh journal file and deletes the replayed files.
        let checkpoint = shard.checkpoint().await?;
        tracing::info!(?mark, records_applied, stop = ?replay.stop, "storage shard recovered");
        Ok((
            shard,
            RecoveryReport {
                mark,
                replay,
                records_applied,
                checkpoint,
            },
        ))
    }

    /// The journal's group-commit loop; poll it on the shard's thread for as long as the shard
    /// lives. It returns after [`StorageShard::close`] or when the journal is poisoned.
    pub async fn run_journal_writer(&self) -> Result<(), JournalError> {
        self.journal.run_writer().await
    }

    /// Stops accepting records; the journal writer finishes what is queued and returns.
    pub fn close(&self) {
        self.journal.close();
    }

    /// Adds an entry (spec §5.2). `body` is the stored entry body exactly as the client sent it.
    /// Returns once the entry's journal record is durable.
    pub async fn add_entry(
        &self,
        ledger_id: LedgerId,
        entry_id: EntryId,
        master_key: &MasterKey,
        body: Bytes,
        recovery_add: bool,
    ) -> Result<(), WriteError> {
        self.check_add_allowed(ledger_id, master_key, recovery_add)?;
        match self.store.add_entry(ledger_id, entry_id, body.clone()) {
            Ok(()) => {}
            Err(StoreError::WriteCacheFull { .. }) => {
                // Both cache halves are full: a checkpoint empties one, then the add goes in.
                self.checkpoint().await?;
                self.store
                    .add_entry(ledger_id, entry_id, body.clone())
                    .map_err(WriteError::Store)?;
            }
            Err(error) => return Err(WriteError::Store(error)),
        }
        self.after_store_add(ledger_id);
        // Applied to the store above and journaled below with no `.await` in between (checkpoint
        // rule). The key record, when needed, is queued first, so it precedes the entry.
        let key = self.journal_key_if_first(ledger_id, master_key);
        let entry = self.journal.append(Record::Entry {
            ledger_id,
            entry_id,
            body,
        });
        if let Some(key) = key {
            key.await?;
        }
        entry.await?;
        Ok(())
    }

    /// Whether [`add_entry_then`](Self::add_entry_then) can take an add of `body_bytes` to
    /// `ledger_id` now: the write cache has room for it and the ledger's key record is already
    /// in the journal. Otherwise use [`add_entry`](Self::add_entry), which may wait.
    pub fn can_add_without_waiting(&self, ledger_id: LedgerId, body_bytes: usize) -> bool {
        self.store.write_cache_has_room(body_bytes)
            && self.keys_journaled.borrow().contains(&ledger_id)
    }

    /// [`add_entry`](Self::add_entry) without a future: the same checks and effects, and `done`
    /// is called on this core exactly once, with the outcome, once the entry's journal record is
    /// durable or failed (at once for an add refused up front). Meant for adds that
    /// [`can_add_without_waiting`](Self::can_add_without_waiting); otherwise a full write cache
    /// answers `WriteCacheFull` rather than waiting for a checkpoint.
    pub fn add_entry_then(
        &self,
        ledger_id: LedgerId,
        entry_id: EntryId,
        master_key: &MasterKey,
        body: Bytes,
        recovery_add: bool,
        done: impl FnOnce(Result<(), WriteError>) + 'static,
    ) {
        if let Err(error) = self.check_add_allowed(ledger_id, master_key, recovery_add) {
            return done(Err(error));
        }
        if let Err(error) = self.store.add_entry(ledger_id, entry_id, body.clone()) {
            return done(Err(WriteError::Store(error)));
        }
        self.after_store_add(ledger_id);
        // Checkpoint rule as in `add_entry`: no `.await` between the store and the journal. The
        // key record goes first when the ledger has none in the journal yet (journal order
        // completes it before the entry, and a failed write fails every later record).
        // The key record's own outcome is not needed: the entry after it cannot succeed alone.
        let _key_record = self.journal_key_if_first(ledger_id, master_key);
        self.journal.append_with_callback(
            Record::Entry {
                ledger_id,
                entry_id,
                body,
            },
            Box::new(move |result| done(result.map(|_| ()).map_err(WriteError::Journal))),
        );
    }

    /// The checks of an add before it touches the store: the master key (creating the ledger
    /// if unknown) and fencing (a recovery add passes a fence).
    fn check_add_allowed(
        &self,
        ledger_id: LedgerId,
        master_key: &MasterKey,
        recovery_add: bool,
    ) -> Result<(), WriteError> {
        let state = self.ledger_for_write(ledger_id, master_key)?;
        if state.fenced && !recovery_add {
            return Err(WriteError::Fenced { ledger_id });
        }
        Ok(())
    }

    /// What every accepted add does after the store took it: wake long polls, nudge the
    /// checkpoint when the active cache half is half full.
    fn after_store_add(&self, ledger_id: LedgerId) {
        self.lac_waiters.wake(ledger_id);
        let (active_bytes, _) = self.store.write_cache_bytes();
        if CheckpointNudge::is_due(
            active_bytes,
            self.store.config().write_cache_half_bytes_max(),
        ) {
            self.checkpoint_nudge.nudge();
        }
    }

    /// Fences a ledger (creating it if unknown, spec §5.1). Returns once the fence is durable.
    pub async fn fence(
        &self,
        ledger_id: LedgerId,
        master_key: &MasterKey,
    ) -> Result<(), WriteError> {
        self.ledger_for_write(ledger_id, master_key)?;
        self.store
            .set_fenced(ledger_id)
            .map_err(WriteError::Store)?;
        let key = self.journal_key_if_first(ledger_id, master_key);
        let fence = self.journal.append(Record::Fence { ledger_id });
        if let Some(key) = key {
            key.await?;
        }
        fence.await?;
        Ok(())
    }

    /// Stores an explicit LAC blob (spec §2.4). Returns once it is durable.
    pub async fn write_explicit_lac(
        &self,
        ledger_id: LedgerId,
        master_key: &MasterKey,
        lac_blob: Bytes,
    ) -> Result<(), WriteError> {
        self.ledger_for_write(ledger_id, master_key)?;
        self.store
            .set_explicit_lac(ledger_id, &lac_blob)
            .map_err(WriteError::Store)?;
        let key = self.journal_key_if_first(ledger_id, master_key);
        let lac = self.journal.append(Record::ExplicitLac {
            ledger_id,
            lac_blob,
        });
        if let Some(key) = key {
            key.await?;
        }
        lac.await?;
        Ok(())
    }

    /// FORCE_LEDGER (spec §5.3): returns once every journal record appended before this call is
    /// durable (`Journal::barrier`: nothing is written for it; at once when nothing is pending).
    pub async fn force_ledger(&self, ledger_id: LedgerId) -> Result<(), WriteError> {
        if self.store.ledger_state(ledger_id).is_none() {
            return Err(WriteError::Store(StoreError::NoLedger { ledger_id }));
        }
        self.journal.barrier().await?;
        Ok(())
    }

    /// Reads an entry; `entry_id == -1` reads the last entry stored.
    pub async fn read_entry(
        &self,
        ledger_id: LedgerId,
        entry_id: EntryId,
    ) -> Result<Bytes, StoreError> {
        self.store.read_entry(ledger_id, entry_id).await
    }

    /// The ledger's state (key, fenced, explicit LAC, LAC), if the ledger exists here.
    pub fn ledger_state(&self, ledger_id: LedgerId) -> Option<LedgerState> {
        self.store.ledger_state(ledger_id)
    }

    /// The ledger store (reads, listings, GC and compaction).
    pub fn store(&self) -> &LedgerStore<LD> {
        &self.store
    }

    /// The journal (positions and statistics).
    pub fn journal(&self) -> &Journal<JD, S> {
        &self.journal
    }

    /// Completes once the LAC of `ledger_id` is above `previous_lac` (a long-poll read): at once
    /// if it already is, else when an add moves it there. The caller bounds the wait.
    pub async fn wait_for_lac_above(&self, ledger_id: LedgerId, previous_lac: EntryId) {
        let current_lac = || {
            self.store
                .last_add_confirmed(ledger_id)
                .unwrap_or(types::special_entry::INVALID)
        };
        self.lac_waiters
            .lac_above(ledger_id, previous_lac, current_lac)
            .await;
    }

    /// Completes when the write cache asked for a checkpoint before the periodic one is due (see
    /// [`crate::checkpoint_nudge`]); the periodic task waits on it next to its timer.
    pub async fn checkpoint_wanted(&self) {
        self.checkpoint_nudge.wanted().await;
    }

    /// Runs one checkpoint (see [`crate::checkpoint`]); concurrent calls are serialised.
    pub async fn checkpoint(&self) -> Result<CheckpointReport, CheckpointError> {
        self.checkpoint_paced(
            ledger_store::CompactionRate::Unlimited,
            &ledger_store::NoPause,
        )
        .await
    }

    /// A checkpoint whose flush writes reach the entry log at about `rate` (a background
    /// checkpoint, see `checkpoint_nudge::background_flush_rate`), pausing with `pace`.
    pub async fn checkpoint_paced<P: ledger_store::Sleep>(
        &self,
        rate: ledger_store::CompactionRate,
        pace: &P,
    ) -> Result<CheckpointReport, CheckpointError> {
        let _guard = self.checkpoint_lock.lock().await;
        run_checkpoint(
            &self.journal,
            &self.store,
            &self.mark_dir,
            &self.mark_name,
            rate,
            pace,
        )
        .await
    }

    fn ledger_for_write(
        &self,
        ledger_id: LedgerId,
        master_key: &MasterKey,
    ) -> Result<LedgerState, WriteError> {
        match self.store.get_or_create_ledger(ledger_id, master_key) {
            Ok(state) => Ok(state),
            Err(StoreError::KeyMismatch { .. }) => Err(WriteError::Unauthorized { ledger_id }),
            Err(error) => Err(WriteError::Store(error)),
        }
    }

    fn journal_key_if_first(
        &self,
        ledger_id: LedgerId,
        master_key: &MasterKey,
    ) -> Option<journal::AppendFuture> {
        if !self.keys_journaled.borrow_mut().insert(ledger_id) {
            return None;
        }
        Some(self.journal.append(Record::LedgerKey {
            ledger_id,
            master_key: *master_key,
        }))
    }
}

/// Applies one replayed journal record to the ledger store, flushing when the cache is full.
async fn apply_replayed<LD: DurableDir>(
    store: &LedgerStore<LD>,
    record: Record,
) -> Result<(), RecoverError> {
    match record {
        Record::LedgerKey {
            ledger_id,
            master_key,
        } => match store.get_or_create_ledger(ledger_id, &master_key) {
            Ok(_) => Ok(()),
            Err(StoreError::KeyMismatch { .. }) => Err(RecoverError::Inconsistent {
                ledger_id,
                reason: "the journal's key differs from the stored key".to_string(),
            }),
            Err(error) => Err(error.into()),
        },
        Record::Fence { ledger_id } => {
            if ledger_deleted(store, ledger_id, "fence") {
                return Ok(());
            }
            store.set_fenced(ledger_id)?;
            Ok(())
        }
        Record::ExplicitLac {
            ledger_id,
            lac_blob,
        } => {
            if ledger_deleted(store, ledger_id, "explicit LAC") {
                return Ok(());
            }
            store.set_explicit_lac(ledger_id, &lac_blob)?;
            Ok(())
        }
        Record::Entry {
            ledger_id,
            entry_id,
            body,
        } => {
            if ledger_deleted(store, ledger_id, "entry") {
                return Ok(());
            }
            match store.add_entry(ledger_id, entry_id, body.clone()) {
                Err(StoreError::WriteCacheFull { .. }) => {
                    store.flush().await?;
                    store.add_entry(ledger_id, entry_id, body)?;
                    Ok(())
                }
                other => Ok(other?),
            }
        }
    }
}

/// Whether a replayed record belongs to a ledger the store no longer has.
///
/// A live ledger always exists here: either its key record is replayed before its other
/// records, or its key record is below the mark and the checkpoint that wrote the mark made the
/// ledger's state durable (checkpoint rule). So a missing ledger was deleted after its records
/// were journaled, and its records are skipped, as BookKeeper skips deleted ledgers on replay.
fn ledger_deleted<LD: DurableDir>(
    store: &LedgerStore<LD>,
    ledger_id: LedgerId,
    what: &str,
) -> bool {
    if store.ledger_exists(ledger_id) {
        return false;
    }
    tracing::info!(
        ledger_id,
        what,
        "skipping a replayed record of a deleted ledger"
    );
    true
}
