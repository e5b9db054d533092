//! Index lookups of the ledger store (CPU and memory only: the store runs on the in-memory
//! `FaultyDisk`): `last_entry_id` (the per-ledger index query) and `read_entry` of a flushed
//! entry (index lookup, then the entry-log read), over 64 ledgers x 2000 entries of 100 B,
//! visited in a scattered order so the read cache rarely helps.
//! Short by default; `cargo bench -p benches --bench index_lookup`.

use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use disk::faulty::{FaultyDir, FaultyDisk};
use futures_lite::future::block_on;
use ledger_store::{LedgerStore, StoreConfig, StoreError};

const LEDGERS: i64 = 64;
const ENTRIES: i64 = 2000;

fn body(ledger_id: i64, entry_id: i64) -> Bytes {
    let mut out = Vec::with_capacity(132);
    out.extend_from_slice(&ledger_id.to_be_bytes());
    out.extend_from_slice(&entry_id.to_be_bytes());
    out.extend_from_slice(&(entry_id - 1).to_be_bytes());
    out.extend_from_slice(&100i64.to_be_bytes());
    out.extend_from_slice(&[0x5a; 100]);
    Bytes::from(out)
}

fn filled_store(disk: &FaultyDisk) -> Result<LedgerStore<FaultyDir>, StoreError> {
    let config = StoreConfig {
        read_cache_bytes_max: 64 << 10,
        read_ahead_entries_max: 1,
        read_ahead_bytes_max: 4 << 10,
        ..StoreConfig::default()
    };
    let store = block_on(LedgerStore::open(disk.dir("ledgers"), config))?;
    for ledger_id in 0..LEDGERS {
        store.get_or_create_ledger(ledger_id, &[ledger_id as u8; 20])?;
        for entry_id in 0..ENTRIES {
            store.add_entry(ledger_id, entry_id, body(ledger_id, entry_id))?;
        }
    }
    block_on(store.flush())?;
    Ok(store)
}

fn index_lookup(criterion: &mut Criterion) {
    let disk = FaultyDisk::new();
    let store = match filled_store(&disk) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("index_lookup bench: filling the store failed: {error}");
            return;
        }
    };
    let mut group = criterion.benchmark_group("index_lookup");
    let mut ledger_id = 0i64;
    group.bench_function("last_entry_id", |bencher| {
        bencher.iter(|| {
            ledger_id = (ledger_id + 1) % LEDGERS;
            std::hint::black_box(store.last_entry_id(ledger_id).ok())
        })
    });
    // A stride coprime with the entry count visits every (ledger, entry) in scattered order.
    let total = LEDGERS * ENTRIES;
    let mut cursor = 0i64;
    group.bench_function("read_flushed_entry_100B", |bencher| {
        bencher.iter(|| {
            cursor = (cursor + 7919) % total;
            let body = block_on(store.read_entry(cursor % LEDGERS, cursor / LEDGERS));
            std::hint::black_box(body.map(|body| body.len()).ok())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = index_lookup
}
criterion_main!(benches);
