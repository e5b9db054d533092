//! Write, read, flush and reopen on an in-memory `FaultyDisk`; the query API; caches.

// Test code: helpers outside #[test] functions may unwrap too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used)]

mod common;

use bytes::Bytes;
use common::*;
use disk::faulty::{Fault, FaultOp, FaultyDisk, InjectedError};
use futures_lite::future::block_on;
use ledger_store::{StoreConfig, StoreError};

#[test]
fn entries_read_back_identical_before_flush_after_flush_and_after_reopen() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    for ledger_id in 1..=5 {
        add_entries(&store, ledger_id, 0..40);
    }
    for ledger_id in 1..=5 {
        assert_entries(&store, ledger_id, 0..40);
    }
    let report = block_on(store.flush()).unwrap();
    assert_eq!(report.entries_flushed, 200);
    assert!(report.state_written);
    assert_eq!(store.write_cache_bytes(), (0, 0));
    for ledger_id in 1..=5 {
        assert_entries(&store, ledger_id, 0..40);
    }
    drop(store);
    let store = open(&disk, small_config());
    for ledger_id in 1..=5 {
        assert_entries(&store, ledger_id, 0..40);
        assert_eq!(
            store.list_entries(ledger_id).unwrap(),
            (0..40).collect::<Vec<_>>()
        );
    }
    assert!(
        store.entry_log_count() > 1,
        "128 KiB logs must have rolled over"
    );
}

#[test]
fn reading_entry_minus_one_returns_the_last_entry_and_lac_is_the_max_seen() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    store.get_or_create_ledger(7, &key(7)).unwrap();
    assert_eq!(
        block_on(store.read_entry(7, -1)),
        Err(StoreError::NoEntry {
            ledger_id: 7,
            entry_id: -1
        })
    );
    assert_eq!(store.last_add_confirmed(7), Ok(-1));
    for entry_id in [0, 2, 1] {
        store.add_entry(7, entry_id, body(7, entry_id, 50)).unwrap();
    }
    assert_eq!(block_on(store.read_entry(7, -1)).unwrap(), body(7, 2, 50));
    assert_eq!(store.last_add_confirmed(7), Ok(1));
    block_on(store.flush()).unwrap();
    store.add_entry(7, 3, body(7, 3, 50)).unwrap();
    assert_eq!(block_on(store.read_entry(7, -1)).unwrap(), body(7, 3, 50));
    block_on(store.flush()).unwrap();
    drop(store);
    let store = open(&disk, small_config());
    assert_eq!(block_on(store.read_entry(7, -1)).unwrap(), body(7, 3, 50));
    assert_eq!(store.last_add_confirmed(7), Ok(2));
    assert_eq!(store.last_entry_id(7), Ok(Some(3)));
}

#[test]
fn re_adding_an_existing_entry_is_idempotent() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..10);
    add_entries(&store, 1, 0..10);
    block_on(store.flush()).unwrap();
    add_entries(&store, 1, 0..10);
    assert_eq!(
        store.write_cache_bytes(),
        (0, 0),
        "indexed entries are not cached again"
    );
    let report = block_on(store.flush()).unwrap();
    assert_eq!(report.entries_flushed, 0);
    assert_entries(&store, 1, 0..10);
    assert_eq!(store.list_entries(1).unwrap().len(), 10);
}

#[test]
fn ledger_state_changes_persist_at_the_next_flush() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    store.get_or_create_ledger(1, &key(1)).unwrap();
    store.get_or_create_ledger(2, &key(2)).unwrap();
    assert_eq!(
        store.get_or_create_ledger(1, &key(9)),
        Err(StoreError::KeyMismatch { ledger_id: 1 })
    );
    assert_eq!(store.set_fenced(1), Ok(true));
    assert_eq!(store.set_fenced(1), Ok(false));
    store.set_explicit_lac(2, &[1, 2, 3]).unwrap();
    assert_eq!(
        store.set_fenced(3),
        Err(StoreError::NoLedger { ledger_id: 3 })
    );
    block_on(store.flush()).unwrap();
    drop(store);
    let store = open(&disk, small_config());
    let one = store.ledger_state(1).unwrap();
    assert!(one.fenced);
    assert_eq!(one.master_key, key(1));
    assert_eq!(
        store.ledger_state(2).unwrap().explicit_lac,
        Some(vec![1, 2, 3])
    );
    assert_eq!(store.ledger_ids(), vec![1, 2]);
}

#[test]
fn invalid_adds_are_refused_with_typed_errors() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    assert_eq!(
        store.add_entry(1, 0, body(1, 0, 10)),
        Err(StoreError::NoLedger { ledger_id: 1 })
    );
    store.get_or_create_ledger(1, &key(1)).unwrap();
    assert!(matches!(
        store.add_entry(1, 0, Bytes::from(vec![0; 31])),
        Err(StoreError::InvalidEntry { .. })
    ));
    assert!(matches!(
        store.add_entry(1, -5, body(1, 0, 10)),
        Err(StoreError::InvalidEntry { .. })
    ));
    assert!(matches!(
        store.add_entry(1, 0, body(1, 0, 5000)),
        Err(StoreError::InvalidEntry { .. })
    ));
    assert_eq!(
        block_on(store.read_entry(2, 0)),
        Err(StoreError::NoLedger { ledger_id: 2 })
    );
    assert_eq!(
        block_on(store.read_entry(1, 0)),
        Err(StoreError::NoEntry {
            ledger_id: 1,
            entry_id: 0
        })
    );
}

#[test]
fn full_write_cache_refuses_adds_until_a_flush_swaps_halves() {
    let disk = FaultyDisk::new();
    let config = StoreConfig {
        write_cache_bytes_max: 16 << 10,
        ..small_config()
    };
    let store = open(&disk, config);
    store.get_or_create_ledger(1, &key(1)).unwrap();
    let mut accepted = 0;
    let error = loop {
        match store.add_entry(1, accepted, body(1, accepted, 1000)) {
            Ok(()) => accepted += 1,
            Err(error) => break error,
        }
    };
    assert!(matches!(error, StoreError::WriteCacheFull { .. }));
    assert_eq!(accepted, 7, "8 KiB half holds 7 bodies of 1032 bytes");
    block_on(store.flush()).unwrap();
    store
        .add_entry(1, accepted, body(1, accepted, 1000))
        .unwrap();
    assert_entries_sized(&store, accepted + 1);
}

fn assert_entries_sized(store: &ledger_store::LedgerStore<disk::faulty::FaultyDir>, count: i64) {
    for entry_id in 0..count {
        assert_eq!(
            block_on(store.read_entry(1, entry_id)),
            Ok(body(1, entry_id, 1000))
        );
    }
}

#[test]
fn a_miss_reads_ahead_so_following_entries_come_from_the_read_cache() {
    // Goal: after one read from disk, the next entries of the same ledger are served without
    // touching the disk. Method: make every later entry-log read fail; cached reads still succeed.
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..20);
    add_entries(&store, 2, 0..20);
    block_on(store.flush()).unwrap();
    drop(store);
    let store = open(&disk, small_config());
    assert_entries(&store, 1, 0..1);
    disk.inject(Fault::sticky(".entrylog", FaultOp::Read, InjectedError::Io));
    assert_entries(&store, 1, 1..5);
    assert!(
        matches!(block_on(store.read_entry(2, 0)), Err(StoreError::Io(_))),
        "other ledgers are not read ahead"
    );
}

#[test]
fn deleted_ledger_is_gone_at_once_and_after_reopen() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..10);
    add_entries(&store, 2, 0..10);
    block_on(store.flush()).unwrap();
    assert_eq!(store.delete_ledger(1), Ok(true));
    assert_eq!(store.delete_ledger(1), Ok(false));
    assert_eq!(
        block_on(store.read_entry(1, 0)),
        Err(StoreError::NoLedger { ledger_id: 1 })
    );
    assert_eq!(
        store.list_entries(1),
        Err(StoreError::NoLedger { ledger_id: 1 })
    );
    let report = block_on(store.flush()).unwrap();
    assert_eq!(report.ledgers_deleted, 1);
    drop(store);
    let store = open(&disk, small_config());
    assert!(!store.ledger_exists(1));
    assert_entries(&store, 2, 0..10);
}

#[test]
fn index_snapshot_replaces_the_journals_and_restart_loads_it() {
    let disk = FaultyDisk::new();
    let config = StoreConfig {
        index_journal_bytes_max: 4 << 10,
        ..small_config()
    };
    let store = open(&disk, config.clone());
    let mut snapshots = 0;
    for round in 0..6 {
        add_entries(&store, round, 0..30);
        if block_on(store.flush()).unwrap().snapshot_written {
            snapshots += 1;
        }
    }
    assert!(snapshots >= 1);
    drop(store);
    let names = block_on(disk::DurableDir::list_files(&disk.dir(DIR))).unwrap();
    assert_eq!(
        names
            .iter()
            .filter(|name| name.ends_with(".snapshot"))
            .count(),
        1,
        "{names:?}"
    );
    let store = open(&disk, config.clone());
    for round in 0..6 {
        assert_entries(&store, round, 0..30);
    }
    drop(store);
    let store = open(&disk, config);
    for round in 0..6 {
        assert_entries(&store, round, 0..30);
    }
}

/// Polls every future in turn until all are done (a tiny join for one thread).
fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    block_on(async {
        let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
        let mut out: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
        while out.iter().any(Option::is_none) {
            for (slot, future) in out.iter_mut().zip(pinned.iter_mut()) {
                if slot.is_none() {
                    *slot = futures_lite::future::poll_once(future.as_mut()).await;
                }
            }
        }
        out.into_iter().map(|slot| slot.unwrap()).collect()
    })
}

/// Goal: concurrent reads that miss inside one read-ahead span wait for that one disk read
/// instead of each reading the span again (a catch-up reader keeps many reads outstanding: this
/// once read 8 GB from disk for 200 MB of entries), and all of them still read back identical.
/// Method: eight reads of consecutive flushed entries, polled together on a disk whose I/O
/// yields once, so the first read is still in flight when the others miss.
#[test]
fn concurrent_misses_in_one_read_ahead_span_share_one_disk_read() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..40);
    block_on(store.flush()).unwrap();
    disk.set_yield_on_io(true);
    let reads_before = disk.reads();
    let results = join_all(
        (0..8)
            .map(|entry_id| store.read_entry(1, entry_id))
            .collect(),
    );
    for (entry_id, result) in (0..8).zip(results) {
        assert_eq!(
            result.unwrap(),
            body(1, entry_id, payload_bytes(1, entry_id)),
            "entry {entry_id}"
        );
    }
    let reads = disk.reads() - reads_before;
    assert!(
        reads <= 2,
        "one log header check and one span read expected, the disk saw {reads} reads"
    );
}

/// Goal: when the read others wait for fails, they are released and read for themselves.
#[test]
fn a_failed_shared_read_releases_the_reads_waiting_for_it() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..40);
    block_on(store.flush()).unwrap();
    assert_entries(&store, 1, 0..1); // the log header is checked now, not below
    disk.set_yield_on_io(true);
    disk.inject(Fault::once(".entrylog", FaultOp::Read, InjectedError::Io));
    let results = join_all(
        (20..24)
            .map(|entry_id| store.read_entry(1, entry_id))
            .collect(),
    );
    let mut results = results.into_iter();
    assert!(
        matches!(results.next(), Some(Err(StoreError::Io(_)))),
        "the first read gets the injected error"
    );
    for (entry_id, result) in (21..24).zip(results) {
        assert_eq!(
            result.unwrap(),
            body(1, entry_id, payload_bytes(1, entry_id)),
            "entry {entry_id}"
        );
    }
}
