//! Back-of-the-envelope numbers for the ledger store on a real file system (`PosixDir`,
//! `O_DIRECT`, blocking I/O): add + flush throughput, cold random reads, and restart time.
//!
//! Run: `cargo run -p ledger-store --example store_throughput -- [entries] [body_bytes] [dir]`.
//! Not a benchmark harness (that lives in `benches/`); it prints one line per phase.

use std::time::Instant;

use bytes::Bytes;
use disk::posix::PosixDir;
use futures_lite::future::block_on;
use ledger_store::{LedgerStore, StoreConfig};

fn body(ledger_id: i64, entry_id: i64, body_bytes: usize) -> Bytes {
    let mut out = vec![0u8; body_bytes.max(32)];
    out[0..8].copy_from_slice(&ledger_id.to_be_bytes());
    out[8..16].copy_from_slice(&entry_id.to_be_bytes());
    out[16..24].copy_from_slice(&(entry_id - 1).to_be_bytes());
    Bytes::from(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let entries: i64 = args.next().map_or(Ok(200_000), |arg| arg.parse())?;
    let body_bytes: usize = args.next().map_or(Ok(1024), |arg| arg.parse())?;
    let parent = args.next().map_or_else(std::env::temp_dir, Into::into);
    let temp = tempfile::tempdir_in(parent)?;
    let ledgers = 100i64;
    let config = StoreConfig {
        write_cache_bytes_max: 64 << 20,
        ..StoreConfig::default()
    };
    let store = block_on(LedgerStore::open(
        PosixDir::open(temp.path())?,
        config.clone(),
    ))?;
    for ledger_id in 0..ledgers {
        store.get_or_create_ledger(ledger_id, &[1; 20])?;
    }
    let start = Instant::now();
    let mut flushes = 0;
    for entry_id in 0..entries / ledgers {
        for ledger_id in 0..ledgers {
            let body = body(ledger_id, entry_id, body_bytes);
            if store.add_entry(ledger_id, entry_id, body.clone()).is_err() {
                block_on(store.flush())?;
                flushes += 1;
                store.add_entry(ledger_id, entry_id, body)?;
            }
        }
    }
    block_on(store.flush())?;
    flushes += 1;
    let write_s = start.elapsed().as_secs_f64();
    let total_bytes = (entries as usize * body_bytes) as f64;
    println!(
        "add+flush: {entries} entries of {body_bytes} B in {write_s:.2} s = {:.0} entries/s, {:.1} MiB/s, {flushes} flushes",
        entries as f64 / write_s,
        total_bytes / write_s / (1 << 20) as f64
    );
    drop(store);
    let start = Instant::now();
    let store = block_on(LedgerStore::open(PosixDir::open(temp.path())?, config))?;
    println!(
        "reopen: {:.1} ms for {entries} entries",
        start.elapsed().as_secs_f64() * 1e3
    );
    let reads = 20_000.min(entries);
    let start = Instant::now();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for _ in 0..reads {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let ledger_id = (state % ledgers as u64) as i64;
        let entry_id = ((state >> 16) % (entries / ledgers) as u64) as i64;
        let read = block_on(store.read_entry(ledger_id, entry_id))?;
        assert_eq!(read.len(), body_bytes.max(32));
    }
    let read_s = start.elapsed().as_secs_f64();
    println!(
        "random reads: {reads} in {read_s:.2} s = {:.0} reads/s",
        reads as f64 / read_s
    );
    let start = Instant::now();
    for entry_id in 0..(entries / ledgers).min(2000) {
        block_on(store.read_entry(7, entry_id))?;
    }
    let sequential_s = start.elapsed().as_secs_f64();
    println!(
        "sequential reads of one ledger (read-ahead): {} in {sequential_s:.3} s",
        (entries / ledgers).min(2000)
    );
    println!("disk usage: {} bytes", block_on(store.disk_usage_bytes())?);
    Ok(())
}
