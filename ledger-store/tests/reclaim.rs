//! Space reclamation: GC of dead entry logs, compaction of sparse ones, and its pacing.

// Test code: helpers outside #[test] functions may unwrap too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::time::Duration;

use common::*;
use disk::faulty::{FaultyDisk, TornWrites};
use futures_lite::future::{block_on, zip};
use ledger_store::{CompactionRate, StoreError};

/// Ledgers 0..12 and the odd ledgers of 12..28 (20 of 40), deleted by the acceptance test.
fn deleted(ledger_id: i64) -> bool {
    ledger_id < 12 || (ledger_id < 28 && ledger_id % 2 == 1)
}

#[test]
fn gc_after_deleting_half_the_ledgers_reclaims_space_and_keeps_live_entries() {
    // Goal: the acceptance test. Method: 40 ledgers x 30 entries (about 650 KB) in
    // 128 KiB entry logs, flushed; half the ledgers are deleted (a contiguous run, which leaves
    // whole logs dead, and every other ledger of the next run, which leaves logs half live); a
    // flush makes the deletions durable, GC removes the dead logs and compaction rewrites the
    // sparse ones. Disk usage (sum of file sizes) must drop and every live entry must read back
    // identical, before and after a reopen (and after a crash image of the final state).
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    for ledger_id in 0..40 {
        add_entries(&store, ledger_id, 0..30);
        if ledger_id % 10 == 9 {
            block_on(store.flush()).unwrap();
        }
    }
    let before_bytes = block_on(store.disk_usage_bytes()).unwrap();
    let logs_before = store.entry_log_count();
    for ledger_id in (0..40).filter(|&id| deleted(id)) {
        assert_eq!(store.delete_ledger(ledger_id), Ok(true));
    }
    let gc_before_flush = block_on(store.gc()).unwrap();
    assert_eq!(
        gc_before_flush.logs_removed, 0,
        "deletions count only once durable"
    );
    block_on(store.flush()).unwrap();
    let gc = block_on(store.gc()).unwrap();
    assert!(gc.logs_removed >= 1, "{gc:?}");
    let sleep = RecordingSleep::default();
    let compaction = block_on(store.compact(0.6, CompactionRate::Unlimited, &sleep)).unwrap();
    assert!(compaction.logs_compacted >= 1, "{compaction:?}");
    let after_bytes = block_on(store.disk_usage_bytes()).unwrap();
    println!(
        "acceptance: {before_bytes} bytes in {logs_before} logs before, {after_bytes} bytes in {} logs after; gc {gc:?}; compaction {compaction:?}",
        store.entry_log_count()
    );
    assert!(
        after_bytes < before_bytes * 3 / 4,
        "usage {before_bytes} -> {after_bytes}"
    );
    let check = |store: &ledger_store::LedgerStore<disk::faulty::FaultyDir>| {
        for ledger_id in 0..40 {
            if deleted(ledger_id) {
                assert_eq!(
                    block_on(store.read_entry(ledger_id, 0)),
                    Err(StoreError::NoLedger { ledger_id })
                );
            } else {
                assert_entries(store, ledger_id, 0..30);
            }
        }
    };
    check(&store);
    drop(store);
    let store = open(&disk, small_config());
    check(&store);
    drop(store);
    let store = open(&disk.crash_image(TornWrites::None), small_config());
    check(&store);
}

#[test]
fn compaction_pauses_for_the_time_each_step_may_take_at_the_rate() {
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
    let sleep = RecordingSleep::default();
    let report =
        block_on(store.compact(0.9, CompactionRate::EntriesPerSecond(100), &sleep)).unwrap();
    assert!(report.entries_moved > 0);
    assert_eq!(
        report.paused,
        Duration::from_millis(10 * report.entries_moved)
    );
    assert_eq!(sleep.total.get(), report.paused);
    assert!(
        sleep.calls.get() >= 2,
        "batches of 50 entries pause separately"
    );
    for ledger_id in (0..10).filter(|id| id % 2 == 1) {
        assert_entries(&store, ledger_id, 0..30);
    }
}

#[test]
fn flushes_and_adds_proceed_between_compaction_steps() {
    // Goal: compaction does not stall foreground writes. Method: run compaction (paced, so it
    // yields between steps) and, concurrently on the same thread, adds and a flush; the flush must
    // finish before compaction does.
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
    let order = RefCell::new(Vec::new());
    let sleep = RecordingSleep::default();
    let (compaction, flush) = block_on(zip(
        async {
            let report = store
                .compact(0.9, CompactionRate::EntriesPerSecond(1000), &sleep)
                .await;
            order.borrow_mut().push("compaction");
            report
        },
        async {
            futures_lite::future::yield_now().await;
            add_entries(&store, 50, 0..10);
            let report = store.flush().await;
            order.borrow_mut().push("flush");
            report
        },
    ));
    assert!(compaction.unwrap().entries_moved > 50);
    assert_eq!(flush.unwrap().entries_flushed, 10);
    assert_eq!(*order.borrow(), vec!["flush", "compaction"]);
    drop(store);
    let store = open(&disk, small_config());
    assert_entries(&store, 50, 0..10);
    for ledger_id in (0..10).filter(|id| id % 2 == 1) {
        assert_entries(&store, ledger_id, 0..30);
    }
}
