//! The flush: the storage half of the checkpoint.
//!
//! Steps, in order (each durable before the next starts):
//! 1. Cut: move the active write-cache half into the flushing half, note pending deletions and
//!    encode the ledger states. Everything accepted before the call is in the cut.
//! 2. Append the flushing entries, sorted by (ledger, entry), to the entry log; sync every log
//!    written and, if a log was created, the directory.
//! 3. If any ledger state changed: rewrite `ledgers.state` (temp, sync, rename, directory sync).
//! 4. Append one index batch (deletion tombstones, then puts) to the index journal and sync it.
//! 5. Apply the batch to the in-memory index and drop the flushed entries from the write cache.
//! 6. If the index journals grew past `index_journal_bytes_max`, write a snapshot.
//!
//! Invariants:
//! - The index never names bytes that are not durable: step 4 follows step 2.
//! - A ledger absent from a durable `ledgers.state` but present in the index was being deleted
//!   (step 3 precedes step 4), and open treats it so.
//! - A failure before step 5 leaves the cut in the write cache and the writer rolled back; the
//!   flush can be retried (after a failed fsync the store is poisoned instead).

use disk::DurableDir;
use types::LedgerId;

use crate::pacing::{CompactionRate, NoPause, Sleep};

use super::lease::Lease;
use super::LedgerStore;
use crate::entry_log::format::RECORD_HEADER_BYTES;
use crate::error::StoreError;
use crate::index::journal::IndexJournal;
use crate::index::memory::SnapshotCursor;
use crate::index::record::{BatchHeader, IndexRecord};
use crate::index::{
    journal_file_name, parse_journal_file_name, parse_snapshot_file_name, snapshot,
    snapshot_file_name,
};
use crate::ledger_state;
use crate::state_file;

/// What one flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Entries made durable.
    pub entries_flushed: u64,
    /// Entry-log record bytes written for them (headers included).
    pub bytes_flushed: u64,
    /// Ledger deletions made durable.
    pub ledgers_deleted: u64,
    /// Whether the ledger state file was rewritten.
    pub state_written: bool,
    /// Whether an index snapshot was written (and older index files removed).
    pub snapshot_written: bool,
}

impl<D: DurableDir> LedgerStore<D> {
    /// Makes durable every entry and ledger-state change accepted before the call. See the
    /// module documentation of [`crate::store`] for the contract and the failure states.
    pub async fn flush(&self) -> Result<FlushReport, StoreError> {
        self.flush_paced(CompactionRate::Unlimited, &NoPause).await
    }

    /// [`LedgerStore::flush`], pausing after each write buffer of entries so that they reach the
    /// entry log at about `rate` (a background flush on a disk shared with the journal: one
    /// burst of writes and syncs would queue the journal's syncs behind it). The pauses stop as
    /// soon as the active write-cache half is half full again: the flush must end before adds
    /// find the cache full and wait for it. Same contract.
    pub async fn flush_paced<S: Sleep>(
        &self,
        rate: CompactionRate,
        sleep: &S,
    ) -> Result<FlushReport, StoreError> {
        let _guard = self.gate.lock().await;
        self.check_not_poisoned()?;
        let entries = self.write_cache.borrow_mut().start_flush();
        let deletions: Vec<LedgerId> = self.pending_deletions.borrow().iter().copied().collect();
        let states_version = self.states_version.get();
        let state_bytes = (states_version != self.states_durable_version.get())
            .then(|| ledger_state::encode(&self.states.borrow()));
        let mut records: Vec<IndexRecord> = deletions
            .iter()
            .map(|&ledger_id| IndexRecord::DeleteLedger { ledger_id })
            .collect();
        let result = self
            .write_entries(&entries, &mut records, rate, sleep)
            .await;
        let result = match result {
            Ok(bytes_flushed) => self
                .commit(state_bytes.as_deref(), &records)
                .await
                .map(|()| bytes_flushed),
            Err(error) => Err(error),
        };
        let bytes_flushed = match result {
            Ok(bytes) => bytes,
            Err(error) => return Err(self.note_error(error)),
        };
        self.states_durable_version.set(states_version);
        {
            let mut pending = self.pending_deletions.borrow_mut();
            for ledger_id in &deletions {
                pending.remove(ledger_id);
            }
        }
        self.write_cache.borrow_mut().finish_flush();
        let snapshot_written = self.maybe_snapshot().await?;
        Ok(FlushReport {
            entries_flushed: entries.len() as u64,
            bytes_flushed,
            ledgers_deleted: deletions.len() as u64,
            state_written: state_bytes.is_some(),
            snapshot_written,
        })
    }

    /// Step 2: appends the entries and syncs the logs; pushes one put per entry onto `records`.
    async fn write_entries<S: Sleep>(
        &self,
        entries: &[(LedgerId, i64, bytes::Bytes)],
        records: &mut Vec<IndexRecord>,
        rate: CompactionRate,
        sleep: &S,
    ) -> Result<u64, StoreError> {
        if entries.is_empty() {
            return Ok(0);
        }
        let mut writer = Lease::take(&self.writer)?;
        let mut bytes_flushed = 0;
        let mut bytes_since_pause = 0;
        let mut result = Ok(());
        for (ledger_id, entry_id, body) in entries {
            if bytes_since_pause >= self.config.write_buffer_bytes as u64 {
                let (active_bytes, _) = self.write_cache.borrow().bytes();
                let hurry =
                    active_bytes.saturating_mul(2) >= self.config.write_cache_half_bytes_max();
                let pause = rate.pause_after(0, bytes_since_pause);
                if !pause.is_zero() && !hurry {
                    sleep.sleep(pause).await;
                }
                bytes_since_pause = 0;
            }
            match writer.append(&self.dir, *ledger_id, *entry_id, body).await {
                Ok(location) => {
                    let record_bytes = (RECORD_HEADER_BYTES + body.len()) as u32;
                    bytes_flushed += u64::from(record_bytes);
                    bytes_since_pause += u64::from(record_bytes);
                    records.push(IndexRecord::Put {
                        ledger_id: *ledger_id,
                        entry_id: *entry_id,
                        location,
                        record_bytes,
                    });
                }
                Err(error) => {
                    result = Err(error);
                    break;
                }
            }
        }
        if result.is_ok() {
            result = writer.sync_all(&self.dir).await;
        }
        self.register_created(&mut writer);
        if let Err(error) = result {
            writer.rollback();
            return Err(error);
        }
        Ok(bytes_flushed)
    }

    /// Steps 3 to 5: state file, index batch, in-memory index.
    async fn commit(
        &self,
        state_bytes: Option<&[u8]>,
        records: &[IndexRecord],
    ) -> Result<(), StoreError> {
        if let Some(bytes) = state_bytes {
            state_file::write(&self.dir, bytes).await?;
        }
        self.append_index(records).await
    }

    /// Appends `records` as one durable index batch, then applies them to the in-memory index.
    pub(super) async fn append_index(&self, records: &[IndexRecord]) -> Result<(), StoreError> {
        if records.is_empty() {
            return Ok(());
        }
        let next_log_id = self
            .writer
            .borrow()
            .as_ref()
            .map_or(0, |writer| writer.next_log_id());
        let header = BatchHeader {
            seq: self.index_seq.get() + 1,
            next_log_id,
        };
        let mut journal = Lease::take(&self.journal)?;
        journal.append(&self.dir, header, records).await?;
        drop(journal);
        self.index_seq.set(header.seq);
        let mut index = self.index.borrow_mut();
        let mut read_cache = self.read_cache.borrow_mut();
        for record in records {
            if let IndexRecord::DeleteLedger { ledger_id } = record {
                read_cache.remove_ledger(*ledger_id);
            }
            index.apply(*record);
        }
        Ok(())
    }

    /// Step 6: writes a snapshot once the index journals exceed their budget. A failure that
    /// leaves durability unknown poisons the store; any other failure keeps the journal and is
    /// retried at the next flush.
    async fn maybe_snapshot(&self) -> Result<bool, StoreError> {
        let journal_bytes = self.journal_bytes_older.get()
            + self
                .journal
                .borrow()
                .as_ref()
                .map_or(0, IndexJournal::durable_bytes);
        if journal_bytes <= self.config.index_journal_bytes_max {
            return Ok(false);
        }
        match self.write_snapshot().await {
            Ok(()) => Ok(true),
            Err(error) if error.poisons() => Err(self.note_error(error)),
            Err(error) => {
                tracing::warn!(%error, "index snapshot failed; keeping the index journal");
                Ok(false)
            }
        }
    }

    /// Writes the snapshot of generation `journal gen + 1`, switches to a journal of that
    /// generation, and removes the index files it makes obsolete.
    pub(super) async fn write_snapshot(&self) -> Result<(), StoreError> {
        let mut journal = Lease::take(&self.journal)?;
        let gen = journal.gen() + 1;
        let next_log_id = self
            .writer
            .borrow()
            .as_ref()
            .map_or(0, |writer| writer.next_log_id());
        let header = BatchHeader {
            seq: self.index_seq.get(),
            next_log_id,
        };
        // Batch by batch, each filled under a short borrow: the index cannot change meanwhile,
        // since this runs under the gate (inside a flush) and so does every index change.
        let mut cursor = SnapshotCursor::default();
        snapshot::write_chunks(&self.dir, gen, header, |batch| {
            self.index.borrow().snapshot_chunk(
                &mut cursor,
                snapshot::SNAPSHOT_BATCH_RECORDS_MAX,
                batch,
            );
            cursor != SnapshotCursor::Done
        })
        .await?;
        *journal = IndexJournal::new(gen);
        drop(journal);
        self.journal_bytes_older.set(0);
        self.remove_index_files_below(gen).await;
        Ok(())
    }

    /// Best-effort, eventual removal of index journals and snapshots older than `gen` (open
    /// ignores and removes any left behind).
    pub(super) async fn remove_index_files_below(&self, gen: u64) {
        let names = match self.dir.list_files().await {
            Ok(names) => names,
            Err(error) => {
                tracing::warn!(%error, "listing index files failed");
                return;
            }
        };
        for name in names {
            let old = parse_journal_file_name(&name)
                .or_else(|| parse_snapshot_file_name(&name))
                .is_some_and(|g| g < gen);
            if old {
                debug_assert!(name != journal_file_name(gen) && name != snapshot_file_name(gen));
                // Eventually: an obsolete snapshot or index journal is tens to hundreds of MiB,
                // and unlinking it at once on a disk with online discard stopped the core for
                // about 100 ms at peak. `open` reads only the newest snapshot and the journals
                // of its generation and later, so a file still there (even half reaped) after a
                // crash is ignored and handed over again. No directory sync here: the removal
                // need not be durable, and the reaper syncs after its unlink (as the journal's
                // trim does).
                if let Err(error) = self.dir.remove_file_eventually(&name).await {
                    tracing::warn!(%error, name, "removing an obsolete index file failed");
                }
            }
        }
    }
}
