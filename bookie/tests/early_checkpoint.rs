//! The write cache asks for a checkpoint before it is full.
//!
//! Goal: once the active write-cache half holds half its limit, `checkpoint_wanted` completes
//! (the periodic task then checkpoints at once), so adds do not wait for a whole checkpoint when
//! the cache fills; a checkpoint empties the active half and the request is not repeated until it
//! fills again.

#![allow(clippy::unwrap_used)] // A test: a failed unwrap is a failed test.

use bookie::{ShardConfig, StorageShard};
use bytes::Bytes;
use disk::faulty::{FaultyDir, FaultyDisk};
use futures_lite::future::{block_on, poll_once, zip};
use journal::YieldOnce;
use ledger_store::StoreConfig;

type Shard = StorageShard<FaultyDir, FaultyDir, YieldOnce>;

const LEDGER: i64 = 3;
const BODY_BYTES: usize = 100;
/// Both halves together; each half holds 2 000 bytes of bodies, so 10 bodies are half of one.
const CACHE_BYTES: u64 = 4_000;

fn key() -> [u8; 20] {
    proto::master_key(b"secret")
}

async fn add(shard: &Shard, entry_id: i64) -> Result<(), bookie::WriteError> {
    shard
        .add_entry(
            LEDGER,
            entry_id,
            &key(),
            Bytes::from(vec![entry_id as u8; BODY_BYTES]),
            false,
        )
        .await
}

#[test]
fn a_half_full_active_half_asks_for_a_checkpoint_once_per_fill() {
    let disk = FaultyDisk::new();
    let config = ShardConfig {
        store: StoreConfig {
            write_cache_bytes_max: CACHE_BYTES,
            entry_bytes_max: 1_000,
            ..StoreConfig::default()
        },
        ..ShardConfig::default()
    };
    let (shard, _) = block_on(Shard::recover(
        disk.dir("j"),
        disk.dir("l"),
        config,
        YieldOnce,
    ))
    .unwrap();
    let work = async {
        for entry_id in 0..9 {
            add(&shard, entry_id).await.unwrap();
        }
        let before_half = poll_once(shard.checkpoint_wanted()).await.is_some();
        add(&shard, 9).await.unwrap();
        let at_half = poll_once(shard.checkpoint_wanted()).await.is_some();
        shard.checkpoint().await.unwrap();
        add(&shard, 10).await.unwrap();
        let after_checkpoint = poll_once(shard.checkpoint_wanted()).await.is_some();
        shard.close();
        (before_half, at_half, after_checkpoint)
    };
    let ((before_half, at_half, after_checkpoint), writer) =
        block_on(zip(work, shard.run_journal_writer()));
    writer.unwrap();
    assert!(!before_half, "9 of 20 bodies: no early checkpoint yet");
    assert!(at_half, "10 of 20 bodies: the active half is half full");
    assert!(!after_checkpoint, "the checkpoint emptied the active half");
}
