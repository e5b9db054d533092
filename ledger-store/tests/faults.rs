//! Injected faults: EIO on read, bit rot, ENOSPC on entry-log writes, failed fsync. Each must give
//! a typed error and leave the store in its documented state.

// Test code: helpers outside #[test] functions may unwrap too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use disk::faulty::{Fault, FaultOp, FaultyDisk, InjectedError, TornWrites};
use futures_lite::future::block_on;
use ledger_store::StoreError;

#[test]
fn eio_on_an_entry_log_read_is_a_typed_io_error_and_the_next_read_succeeds() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..5);
    block_on(store.flush()).unwrap();
    drop(store);
    let store = open(&disk, small_config());
    disk.inject(Fault::once(".entrylog", FaultOp::Read, InjectedError::Io));
    assert!(matches!(
        block_on(store.read_entry(1, 0)),
        Err(StoreError::Io(_))
    ));
    assert_entries(&store, 1, 0..5);
}

#[test]
fn a_flipped_bit_in_an_entry_is_reported_as_corruption() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..3);
    block_on(store.flush()).unwrap();
    drop(store);
    // The first record starts right after the 512-byte header block; flip a bit in its body.
    disk.flip_bit(DIR, "00000000.entrylog", 512 + 32 + 40, 3)
        .unwrap();
    let store = open(&disk, small_config());
    match block_on(store.read_entry(1, 0)) {
        Err(StoreError::Corrupt {
            file, offset_bytes, ..
        }) => {
            assert_eq!(file, "00000000.entrylog");
            assert_eq!(offset_bytes, 512);
        }
        other => panic!("expected corruption, got {other:?}"),
    }
}

#[test]
fn a_flipped_bit_in_the_entry_log_header_is_reported_as_corruption() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..3);
    block_on(store.flush()).unwrap();
    drop(store);
    disk.flip_bit(DIR, "00000000.entrylog", 17, 0).unwrap();
    let store = open(&disk, small_config());
    assert!(matches!(
        block_on(store.read_entry(1, 1)),
        Err(StoreError::Corrupt {
            offset_bytes: 0,
            ..
        })
    ));
}

#[test]
fn enospc_on_an_entry_log_write_fails_the_flush_keeps_the_cache_and_a_retry_succeeds() {
    // Documented state: the flush fails with NoSpace, nothing is poisoned, the entries stay in the
    // write cache (readable), and flush succeeds once space frees.
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..20);
    block_on(store.flush()).unwrap();
    add_entries(&store, 2, 0..20);
    disk.inject(Fault::once(
        ".entrylog",
        FaultOp::Write,
        InjectedError::NoSpace,
    ));
    assert!(matches!(
        block_on(store.flush()),
        Err(StoreError::NoSpace(_))
    ));
    assert!(!store.is_poisoned());
    assert_entries(&store, 2, 0..20);
    add_entries(&store, 3, 0..5);
    block_on(store.flush()).unwrap();
    assert_eq!(store.write_cache_bytes(), (0, 0));
    drop(store);
    let store = open(&disk.crash_image(TornWrites::None), small_config());
    assert_entries(&store, 1, 0..20);
    assert_entries(&store, 2, 0..20);
    assert_entries(&store, 3, 0..5);
}

#[test]
fn a_full_disk_fails_the_flush_and_freeing_space_lets_the_retry_succeed() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..20);
    block_on(store.flush()).unwrap();
    let used_bytes = block_on(store.disk_usage_bytes()).unwrap();
    disk.set_capacity_bytes(used_bytes);
    add_entries(&store, 2, 0..150);
    assert!(matches!(
        block_on(store.flush()),
        Err(StoreError::NoSpace(_))
    ));
    assert!(!store.is_poisoned());
    disk.set_capacity_bytes(1 << 40);
    block_on(store.flush()).unwrap();
    drop(store);
    let store = open(&disk.crash_image(TornWrites::None), small_config());
    assert_entries(&store, 1, 0..20);
    assert_entries(&store, 2, 0..150);
}

#[test]
fn failed_fsync_during_flush_poisons_the_store_and_reopen_recovers_the_last_completed_flush() {
    // Documented state: the flush is not complete (the checkpoint must not advance), writes and
    // flushes are refused with Poisoned, and the store must be reopened; after a reopen (also
    // after a crash) everything of the last completed flush reads back.
    for path in [".entrylog", "ledgers.state", ".journal"] {
        let disk = FaultyDisk::new();
        let store = open(&disk, small_config());
        add_entries(&store, 1, 0..20);
        block_on(store.flush()).unwrap();
        add_entries(&store, 2, 0..20);
        disk.inject(Fault::once(path, FaultOp::Sync, InjectedError::SyncFailed));
        assert!(
            matches!(block_on(store.flush()), Err(StoreError::SyncFailed(_))),
            "{path}"
        );
        assert!(store.is_poisoned());
        assert_eq!(
            store.add_entry(2, 20, body(2, 20, 40)),
            Err(StoreError::Poisoned)
        );
        assert_eq!(block_on(store.flush()), Err(StoreError::Poisoned));
        assert_entries(&store, 2, 0..20);
        drop(store);
        for image in [
            disk.crash_image(TornWrites::None),
            disk.crash_image(TornWrites::Seeded(9)),
        ] {
            let store = open(&image, small_config());
            assert_entries(&store, 1, 0..20);
            if store.ledger_exists(2) {
                for entry_id in store.list_entries(2).unwrap() {
                    assert_entries(&store, 2, entry_id..entry_id + 1);
                }
            }
        }
    }
}

#[test]
fn failed_directory_sync_during_flush_poisons_the_store() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..20);
    disk.inject(Fault::once(
        DIR,
        FaultOp::SyncDir,
        InjectedError::SyncFailed,
    ));
    assert!(matches!(
        block_on(store.flush()),
        Err(StoreError::SyncFailed(_))
    ));
    assert!(store.is_poisoned());
}

#[test]
fn enospc_on_the_index_journal_or_state_file_fails_the_flush_and_a_retry_succeeds() {
    for path in [".journal", "ledgers.state"] {
        let disk = FaultyDisk::new();
        let store = open(&disk, small_config());
        add_entries(&store, 1, 0..20);
        block_on(store.flush()).unwrap();
        add_entries(&store, 2, 0..20);
        store.set_fenced(1).unwrap();
        disk.inject(Fault::once(path, FaultOp::Write, InjectedError::NoSpace));
        assert!(
            matches!(block_on(store.flush()), Err(StoreError::NoSpace(_))),
            "{path}"
        );
        assert!(!store.is_poisoned());
        let retry = block_on(store.flush()).unwrap();
        assert!(
            retry.state_written,
            "{path}: the state change is still pending after the failure"
        );
        assert_eq!(retry.entries_flushed, 20);
        drop(store);
        let store = open(&disk.crash_image(TornWrites::None), small_config());
        assert_entries(&store, 1, 0..20);
        assert_entries(&store, 2, 0..20);
        assert!(store.ledger_state(1).unwrap().fenced);
        // The first attempt's entry-log bytes are garbage: GC or compaction reclaims them later.
        block_on(store.gc()).unwrap();
        assert_entries(&store, 2, 0..20);
    }
}

#[test]
fn failed_fsync_during_compaction_poisons_the_store_and_reopen_keeps_every_live_entry() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    for ledger_id in 0..10 {
        add_entries(&store, ledger_id, 0..30);
    }
    block_on(store.flush()).unwrap();
    for ledger_id in (0..10).filter(|id| id % 2 == 0) {
        store.delete_ledger(ledger_id).unwrap();
    }
    block_on(store.flush()).unwrap();
    disk.inject(Fault::once(
        ".entrylog",
        FaultOp::Sync,
        InjectedError::SyncFailed,
    ));
    let sleep = RecordingSleep::default();
    let result = block_on(store.compact(0.9, ledger_store::CompactionRate::Unlimited, &sleep));
    assert!(
        matches!(result, Err(StoreError::SyncFailed(_))),
        "{result:?}"
    );
    assert!(store.is_poisoned());
    assert_eq!(block_on(store.gc()), Err(StoreError::Poisoned));
    drop(store);
    for image in [
        disk.crash_image(TornWrites::None),
        disk.crash_image(TornWrites::Seeded(5)),
    ] {
        let store = open(&image, small_config());
        for ledger_id in (0..10).filter(|id| id % 2 == 1) {
            assert_entries(&store, ledger_id, 0..30);
        }
        let report =
            block_on(store.compact(0.9, ledger_store::CompactionRate::Unlimited, &sleep)).unwrap();
        assert!(report.logs_compacted > 0);
        for ledger_id in (0..10).filter(|id| id % 2 == 1) {
            assert_entries(&store, ledger_id, 0..30);
        }
    }
}
