//! Opening a store: load the ledger states, the newest index snapshot and the index journals
//! after it, open the entry logs, and pick fresh ids for the next log and journal.
//!
//! Restart cost: one read of `ledgers.state`, one read of the snapshot (32 bytes per entry plus
//! usage records) and of each journal since, and one open per entry log; entry logs are not read.
//!
//! Invariants:
//! - A ledger the index names but `ledgers.state` does not was being deleted: its index entries
//!   are hidden and a tombstone is written at the next flush.
//! - Every log the index names must exist, else open fails with [`StoreError::Corrupt`].

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use disk::{DiskError, DurableDir};

use super::LedgerStore;
use crate::config::StoreConfig;
use crate::entry_log::reader::LogFile;
use crate::entry_log::writer::{EntryLogWriter, WriterLimits};
use crate::entry_log::{log_file_name, parse_log_file_name};
use crate::error::StoreError;
use crate::gate::Gate;
use crate::index::journal::{self, IndexJournal};
use crate::index::memory::MemoryIndex;
use crate::index::{
    journal_file_name, parse_journal_file_name, parse_snapshot_file_name, snapshot,
    snapshot_file_name,
};
use crate::read_cache::ReadCache;
use crate::state_file;
use crate::write_cache::WriteCache;

/// What loading the index found.
struct LoadedIndex {
    index: MemoryIndex,
    seq: u64,
    next_log_id: u32,
    journal_gen: u64,
    journal_bytes: u64,
    snapshot_gen: u64,
}

impl<D: DurableDir> LedgerStore<D> {
    /// Opens (or initialises, if empty) the store in `dir`.
    pub async fn open(dir: D, config: StoreConfig) -> Result<Self, StoreError> {
        config.validate()?;
        let names = dir.list_files().await?;
        for name in names.iter().filter(|name| name.ends_with(".tmp")) {
            remove_if_present(&dir, name).await?;
        }
        let states = state_file::load(&dir).await?;
        let loaded = load_index(&dir, &names).await?;
        let mut logs = BTreeMap::new();
        let mut next_log_id = loaded.next_log_id.max(
            loaded
                .index
                .max_log_id()
                .map_or(0, |id| id.saturating_add(1)),
        );
        for name in &names {
            if let Some(log_id) = parse_log_file_name(name) {
                let file = dir.open_file(name).await?;
                logs.insert(log_id, Rc::new(LogFile::new(log_id, Rc::new(file), false)));
                next_log_id = next_log_id.max(log_id.saturating_add(1));
            }
        }
        let pending_deletions: BTreeSet<_> = loaded
            .index
            .ledger_ids()
            .into_iter()
            .filter(|ledger_id| !states.contains_key(ledger_id))
            .collect();
        for ledger_id in loaded.index.ledger_ids() {
            if pending_deletions.contains(&ledger_id) {
                continue;
            }
            for log_id in loaded.index.logs_of(ledger_id) {
                if !logs.contains_key(&log_id) {
                    return Err(StoreError::corrupt(
                        &log_file_name(log_id),
                        0,
                        "entry log named by the index is missing",
                    ));
                }
            }
        }
        tracing::info!(
            ledgers = states.len(),
            entries = loaded.index.entry_count(),
            logs = logs.len(),
            "ledger store opened"
        );
        let limits = WriterLimits {
            log_bytes_max: config.entry_log_bytes_max,
            prealloc_bytes: config.entry_log_prealloc_bytes,
            write_buffer_bytes: config.write_buffer_bytes,
            sync_every_bytes: config.flush_entry_log_bytes,
        };
        let store = Self {
            write_cache: RefCell::new(WriteCache::new(config.write_cache_half_bytes_max())),
            read_cache: RefCell::new(ReadCache::new(config.read_cache_bytes_max)),
            span_reads: Default::default(),
            dir,
            config,
            gate: Gate::default(),
            poisoned: Cell::new(false),
            states_version: Cell::new(u64::from(!pending_deletions.is_empty())),
            states_durable_version: Cell::new(0),
            states: RefCell::new(states),
            pending_deletions: RefCell::new(pending_deletions),
            index: RefCell::new(loaded.index),
            logs: RefCell::new(logs),
            writer: RefCell::new(Some(EntryLogWriter::new(limits, next_log_id))),
            journal: RefCell::new(Some(IndexJournal::new(loaded.journal_gen))),
            journal_bytes_older: Cell::new(loaded.journal_bytes),
            index_seq: Cell::new(loaded.seq),
        };
        store.remove_index_files_below(loaded.snapshot_gen).await;
        Ok(store)
    }
}

/// Loads the newest snapshot and replays the journals of its generation and later.
async fn load_index<D: DurableDir>(dir: &D, names: &[String]) -> Result<LoadedIndex, StoreError> {
    let snapshot_gen = names
        .iter()
        .filter_map(|name| parse_snapshot_file_name(name))
        .max();
    let mut journal_gens: Vec<u64> = names
        .iter()
        .filter_map(|name| parse_journal_file_name(name))
        .collect();
    journal_gens.sort_unstable();
    let mut index = MemoryIndex::default();
    let mut seq = 0;
    let mut next_log_id = 0;
    if let Some(gen) = snapshot_gen {
        let name = snapshot_file_name(gen);
        let file = dir.open_file(&name).await?;
        let (header, records) = snapshot::load(&file, &name).await?;
        for record in records {
            index.apply(record);
        }
        seq = header.seq;
        next_log_id = header.next_log_id;
    }
    let base_gen = snapshot_gen.unwrap_or(0);
    let mut journal_bytes = 0;
    for &gen in journal_gens.iter().filter(|&&gen| gen >= base_gen) {
        let name = journal_file_name(gen);
        let file = dir.open_file(&name).await?;
        let (batches, size_bytes) = journal::load(&file, &name).await?;
        for (header, records) in batches {
            for record in records {
                index.apply(record);
            }
            seq = seq.max(header.seq);
            next_log_id = next_log_id.max(header.next_log_id);
        }
        journal_bytes += size_bytes;
    }
    let journal_gen = journal_gens
        .last()
        .map_or(base_gen, |&last| last.saturating_add(1).max(base_gen));
    Ok(LoadedIndex {
        index,
        seq,
        next_log_id,
        journal_gen,
        journal_bytes,
        snapshot_gen: base_gen,
    })
}

async fn remove_if_present<D: DurableDir>(dir: &D, name: &str) -> Result<(), StoreError> {
    match dir.remove_file(name).await {
        Ok(()) | Err(DiskError::NotFound { .. }) => Ok(()),
        Err(error) => Err(error.into()),
    }
}
