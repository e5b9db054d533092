//! Crash consistency: crash at every sync point of a workload (flushes, deletions, GC and
//! compaction), with and without torn writes, then reopen and check the store.
//!
//! Goal: after a crash, everything made durable by the last completed flush reads back
//! byte-identical, deletions and fences completed by it hold, and nothing corrupt appears (every
//! listed entry reads back identical to what was added). Method: `FaultyDisk::on_sync_point`
//! takes crash images (`TornWrites::None` and two seeds) before each sync takes effect, together
//! with the number of flushes completed so far; each image is opened, checked, written to,
//! flushed and reopened.

// Test code: helpers outside #[test] functions may unwrap too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used)]

mod common;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use common::*;
use disk::faulty::{FaultyDir, FaultyDisk, TornWrites};
use futures_lite::future::block_on;
use ledger_store::{CompactionRate, LedgerStore, StoreConfig, StoreError};

/// What the store must hold after a flush: the cut taken when the flush was called.
#[derive(Debug, Clone, Default)]
struct Model {
    entries: BTreeMap<i64, i64>,
    fenced: BTreeSet<i64>,
    deleted: BTreeSet<i64>,
}

impl Model {
    fn add(
        &mut self,
        store: &LedgerStore<FaultyDir>,
        ledger_id: i64,
        entries: std::ops::Range<i64>,
    ) {
        add_entries(store, ledger_id, entries.clone());
        let end = self.entries.entry(ledger_id).or_insert(0);
        *end = (*end).max(entries.end);
    }

    fn delete(&mut self, store: &LedgerStore<FaultyDir>, ledger_id: i64) {
        assert_eq!(store.delete_ledger(ledger_id), Ok(true));
        self.entries.remove(&ledger_id);
        self.deleted.insert(ledger_id);
    }
}

fn config() -> StoreConfig {
    // Small journal budget so that snapshots are written (and crashed) too.
    StoreConfig {
        index_journal_bytes_max: 8 << 10,
        ..small_config()
    }
}

/// The workload: five flushes, a fence, an explicit LAC, deletions, GC and compaction.
fn workload(store: &LedgerStore<FaultyDir>, completed: &Cell<usize>, models: &RefCell<Vec<Model>>) {
    let mut model = Model::default();
    let snapshots = Cell::new(0);
    let flush = |model: &Model| {
        models.borrow_mut().push(model.clone());
        let report = block_on(store.flush()).unwrap();
        snapshots.set(snapshots.get() + u32::from(report.snapshot_written));
        completed.set(completed.get() + 1);
    };
    for ledger_id in 1..=4 {
        model.add(store, ledger_id, 0..25);
    }
    flush(&model);
    for ledger_id in 1..=4 {
        model.add(store, ledger_id, 25..40);
    }
    model.add(store, 5, 0..30);
    store.set_fenced(2).unwrap();
    model.fenced.insert(2);
    store.set_explicit_lac(3, &[3; 24]).unwrap();
    flush(&model);
    model.delete(store, 1);
    model.add(store, 6, 0..30);
    flush(&model);
    model.delete(store, 4);
    flush(&model);
    block_on(store.gc()).unwrap();
    let compaction =
        block_on(store.compact(1.0, CompactionRate::Unlimited, &RecordingSleep::default()))
            .unwrap();
    assert!(
        compaction.entries_moved > 0 && compaction.logs_compacted > 0,
        "{compaction:?}"
    );
    model.add(store, 7, 0..20);
    flush(&model);
    assert!(
        snapshots.get() > 0,
        "the workload must write index snapshots"
    );
}

/// Checks a store recovered from a crash after `completed` flushes.
fn check_recovered(
    store: &LedgerStore<FaultyDir>,
    completed: usize,
    models: &[Model],
    label: &str,
) {
    let expected = completed
        .checked_sub(1)
        .map(|index| models[index].clone())
        .unwrap_or_default();
    let final_model = models.last().cloned().unwrap_or_default();
    for (&ledger_id, &end) in &expected.entries {
        let deleted_later = final_model.deleted.contains(&ledger_id);
        if !store.ledger_exists(ledger_id) {
            assert!(deleted_later, "{label}: ledger {ledger_id} lost");
            continue;
        }
        assert_entries(store, ledger_id, 0..end);
    }
    for ledger_id in &expected.fenced {
        assert!(
            store
                .ledger_state(*ledger_id)
                .is_some_and(|state| state.fenced),
            "{label}: fence of {ledger_id} lost"
        );
    }
    for ledger_id in &expected.deleted {
        assert!(
            !store.ledger_exists(*ledger_id),
            "{label}: deleted ledger {ledger_id} came back"
        );
    }
    for ledger_id in store.ledger_ids() {
        for entry_id in store.list_entries(ledger_id).unwrap() {
            let read = block_on(store.read_entry(ledger_id, entry_id));
            assert_eq!(
                read,
                Ok(body(
                    ledger_id,
                    entry_id,
                    payload_bytes(ledger_id, entry_id)
                )),
                "{label}: ledger {ledger_id} entry {entry_id}"
            );
        }
    }
}

/// Reopens the image, checks it, writes more, flushes, reopens and checks again.
fn check_image(image: &FaultyDisk, completed: usize, models: &[Model], label: &str) {
    let store = block_on(LedgerStore::open(image.dir(DIR), config()))
        .unwrap_or_else(|error| panic!("{label}: open failed: {error}"));
    check_recovered(&store, completed, models, label);
    add_entries(&store, 100, 0..5);
    block_on(store.flush())
        .unwrap_or_else(|error| panic!("{label}: flush after recovery failed: {error}"));
    block_on(store.gc()).unwrap();
    drop(store);
    let store = open(image, config());
    check_recovered(&store, completed, models, label);
    assert_entries(&store, 100, 0..5);
}

fn crash_at_every_sync_point(torn: impl Fn(u64) -> Vec<TornWrites> + 'static) -> u64 {
    let disk = FaultyDisk::new();
    let completed = Rc::new(Cell::new(0));
    let images = Rc::new(RefCell::new(Vec::new()));
    {
        let completed = completed.clone();
        let images = images.clone();
        disk.on_sync_point(Box::new(move |point, disk| {
            for mode in torn(point) {
                images
                    .borrow_mut()
                    .push((point, mode, completed.get(), disk.crash_image(mode)));
            }
        }));
    }
    let models = RefCell::new(Vec::new());
    let store = open(&disk, config());
    workload(&store, &completed, &models);
    drop(store);
    let models = models.into_inner();
    let images = std::mem::take(&mut *images.borrow_mut());
    let points = images.last().map_or(0, |image| image.0);
    assert!(
        points > 20,
        "the workload has many sync points, got {points}"
    );
    for (point, mode, completed, image) in &images {
        check_image(
            image,
            *completed,
            &models,
            &format!("sync point {point} {mode:?}"),
        );
    }
    println!(
        "crash test: {points} sync points, {} crash images checked",
        images.len()
    );
    // And the clean end state.
    check_image(
        &disk.crash_image(TornWrites::None),
        models.len(),
        &models,
        "after the workload",
    );
    points
}

#[test]
fn crash_at_every_sync_point_keeps_every_completed_flush() {
    crash_at_every_sync_point(|_| vec![TornWrites::None]);
}

#[test]
fn crash_with_torn_writes_at_every_sync_point_keeps_every_completed_flush_and_shows_nothing_corrupt(
) {
    crash_at_every_sync_point(|point| {
        vec![
            TornWrites::Seeded(point),
            TornWrites::Seeded(point.wrapping_mul(7919) ^ 0x5eed),
        ]
    });
}

#[test]
fn a_crash_armed_at_a_sync_point_fails_the_flush_and_the_image_recovers() {
    // Goal: the store reports the crash as a typed error and poisons itself, and the disk image
    // left behind recovers the previous flush.
    let disk = FaultyDisk::new();
    let store = open(&disk, config());
    add_entries(&store, 1, 0..30);
    block_on(store.flush()).unwrap();
    add_entries(&store, 2, 0..30);
    disk.crash_at_sync_point(disk.sync_points() + 2);
    assert!(matches!(block_on(store.flush()), Err(StoreError::Io(_))));
    assert!(store.is_poisoned());
    assert_eq!(
        store.add_entry(1, 30, body(1, 30, 40)),
        Err(StoreError::Poisoned)
    );
    drop(store);
    let image = disk.crash_image(TornWrites::Seeded(3));
    let store = open(&image, config());
    assert_entries(&store, 1, 0..30);
}
