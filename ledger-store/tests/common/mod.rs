//! Shared helpers of the ledger-store integration tests: entry bodies in the shape of spec §2.1,
//! a small configuration, and a recording `Sleep`.

#![allow(dead_code)]

use std::cell::Cell;
use std::time::Duration;

use bytes::Bytes;
use disk::faulty::{FaultyDir, FaultyDisk};
use ledger_store::{LedgerStore, Sleep, StoreConfig};

/// Directory name of the store on the simulated disk.
pub const DIR: &str = "ledgers";

/// A body as a client builds it: ledger id, entry id, LAC, length, then `payload_bytes` of a
/// pattern derived from the ids (so a misplaced body is detected).
pub fn body(ledger_id: i64, entry_id: i64, payload_bytes: usize) -> Bytes {
    let mut out = Vec::with_capacity(32 + payload_bytes);
    out.extend_from_slice(&ledger_id.to_be_bytes());
    out.extend_from_slice(&entry_id.to_be_bytes());
    out.extend_from_slice(&(entry_id - 1).to_be_bytes());
    out.extend_from_slice(&(payload_bytes as i64).to_be_bytes());
    out.extend(
        (0..payload_bytes).map(|i| (ledger_id as usize * 31 + entry_id as usize * 7 + i) as u8),
    );
    Bytes::from(out)
}

/// Payload size of entry `entry_id` of `ledger_id` in the workloads (varied, 40..1040 bytes).
pub fn payload_bytes(ledger_id: i64, entry_id: i64) -> usize {
    40 + ((ledger_id * 131 + entry_id * 17) % 1000) as usize
}

/// A master key derived from the ledger id.
pub fn key(ledger_id: i64) -> [u8; 20] {
    [ledger_id as u8; 20]
}

/// Small limits so that tests roll logs, fill caches and write snapshots quickly.
pub fn small_config() -> StoreConfig {
    StoreConfig {
        write_cache_bytes_max: 1 << 20,
        read_cache_bytes_max: 64 << 10,
        read_ahead_bytes_max: 8 << 10,
        read_ahead_entries_max: 100,
        entry_log_bytes_max: 128 << 10,
        entry_log_prealloc_bytes: 32 << 10,
        write_buffer_bytes: 8 << 10,
        // Several syncs inside every flush, so crash tests crash between them too.
        flush_entry_log_bytes: 16 << 10,
        entry_bytes_max: 4 << 10,
        index_journal_bytes_max: 1 << 20,
        explicit_lac_bytes_max: 64,
        compaction_batch_entries: 50,
    }
}

/// Opens the store in the test directory of `disk`.
pub fn open(disk: &FaultyDisk, config: StoreConfig) -> LedgerStore<FaultyDir> {
    futures_lite::future::block_on(LedgerStore::open(disk.dir(DIR), config))
        .expect("open the store")
}

/// Adds entries `entries` of `ledger_id` (creating the ledger), with the workload's bodies.
pub fn add_entries(store: &LedgerStore<FaultyDir>, ledger_id: i64, entries: std::ops::Range<i64>) {
    store
        .get_or_create_ledger(ledger_id, &key(ledger_id))
        .expect("create the ledger");
    for entry_id in entries {
        store
            .add_entry(
                ledger_id,
                entry_id,
                body(ledger_id, entry_id, payload_bytes(ledger_id, entry_id)),
            )
            .expect("add the entry");
    }
}

/// Asserts that entries `entries` of `ledger_id` read back byte-identical.
pub fn assert_entries(
    store: &LedgerStore<FaultyDir>,
    ledger_id: i64,
    entries: std::ops::Range<i64>,
) {
    for entry_id in entries {
        let read = futures_lite::future::block_on(store.read_entry(ledger_id, entry_id))
            .unwrap_or_else(|error| panic!("ledger {ledger_id} entry {entry_id}: {error}"));
        assert_eq!(
            read,
            body(ledger_id, entry_id, payload_bytes(ledger_id, entry_id)),
            "ledger {ledger_id} entry {entry_id}"
        );
    }
}

/// A `Sleep` that records the pauses asked for and returns after one yield.
#[derive(Debug, Default)]
pub struct RecordingSleep {
    pub total: Cell<Duration>,
    pub calls: Cell<u32>,
}

impl Sleep for RecordingSleep {
    async fn sleep(&self, duration: Duration) {
        self.total.set(self.total.get() + duration);
        self.calls.set(self.calls.get() + 1);
        futures_lite::future::yield_now().await;
    }
}
