//! Model-based property test: random sequences of adds, deletions, flushes, reopens, GC and
//! compaction agree with a plain map of what was flushed or is still cached.
//!
//! Goal: the store's observable content (ledgers, entry lists, bodies, last entry) always equals
//! the model. Method: proptest draws an operation list; the model is a `BTreeMap` of ledgers to
//! entry ids; a reopen drops the unflushed part of both (the journal would replay it).

// Test code: helpers outside #[test] functions may unwrap too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use disk::faulty::{FaultyDisk, TornWrites};
use futures_lite::future::block_on;
use ledger_store::{CompactionRate, StoreConfig};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Add { ledger_id: i64, entry_id: i64 },
    Delete { ledger_id: i64 },
    Flush,
    Reopen,
    Gc,
    Compact,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0..6i64, 0..60i64).prop_map(|(ledger_id, entry_id)| Op::Add { ledger_id, entry_id }),
        1 => (0..6i64).prop_map(|ledger_id| Op::Delete { ledger_id }),
        2 => Just(Op::Flush),
        1 => Just(Op::Reopen),
        1 => Just(Op::Gc),
        1 => Just(Op::Compact),
    ]
}

/// The model: what a reader must see, and what is durable.
#[derive(Debug, Clone, Default)]
struct Model {
    visible: BTreeMap<i64, BTreeSet<i64>>,
    durable: BTreeMap<i64, BTreeSet<i64>>,
}

fn config() -> StoreConfig {
    StoreConfig {
        entry_log_bytes_max: 72 << 10,
        index_journal_bytes_max: 6 << 10,
        compaction_batch_entries: 7,
        ..small_config()
    }
}

fn check(store: &ledger_store::LedgerStore<disk::faulty::FaultyDir>, model: &Model) {
    assert_eq!(
        store.ledger_ids(),
        model.visible.keys().copied().collect::<Vec<_>>()
    );
    for (&ledger_id, entries) in &model.visible {
        let listed = store.list_entries(ledger_id).unwrap();
        assert_eq!(listed, entries.iter().copied().collect::<Vec<_>>());
        for &entry_id in entries {
            assert_entries(store, ledger_id, entry_id..entry_id + 1);
        }
        assert_eq!(
            store.last_entry_id(ledger_id).unwrap(),
            entries.last().copied()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn store_matches_a_map_model_across_flushes_reopens_gc_and_compaction(ops in proptest::collection::vec(op(), 1..80)) {
        let mut disk = FaultyDisk::new();
        let mut store = open(&disk, config());
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Add { ledger_id, entry_id } => {
                    add_entries(&store, ledger_id, entry_id..entry_id + 1);
                    model.visible.entry(ledger_id).or_default().insert(entry_id);
                }
                Op::Delete { ledger_id } => {
                    let existed = model.visible.remove(&ledger_id).is_some();
                    prop_assert_eq!(store.delete_ledger(ledger_id).unwrap(), existed);
                }
                Op::Flush => {
                    block_on(store.flush()).unwrap();
                    model.durable = model.visible.clone();
                }
                Op::Reopen => {
                    drop(store);
                    disk = disk.crash_image(TornWrites::Seeded(model.durable.len() as u64));
                    store = open(&disk, config());
                    model.visible = model.durable.clone();
                }
                Op::Gc => {
                    block_on(store.gc()).unwrap();
                }
                Op::Compact => {
                    block_on(store.compact(0.7, CompactionRate::Unlimited, &RecordingSleep::default())).unwrap();
                }
            }
            check(&store, &model);
        }
    }
}
