//! Crash recovery of a storage shard (journal + ledger store + checkpoints) at every sync point.
//!
//! Goal: after a crash at any moment, every acknowledged add, fence and explicit LAC survives
//! recovery byte for byte with a valid digest, and nothing that was never written appears.
//!
//! Method: one workload of 10,000 entries over 40 ledgers runs once on a `FaultyDisk` (journal
//! directory and ledger directory on the same simulated disk, every I/O yielding to the executor),
//! with concurrent adds, checkpoints running while adds are in flight, a write cache small enough to force checkpoints from the add path, small journal
//! files and entry logs (rollover and trimming), fences and explicit LACs. A hook runs before
//! every sync point takes effect: it takes the crash image at that instant (only durable data,
//! and again with a seeded random subset of the unsynced sectors landed, i.e. torn writes),
//! recovers a fresh shard from it, and checks the model: everything acknowledged before that
//! sync point reads back identical, every stored entry is one the workload wrote, and
//! acknowledged fences are still in place. Every 40th image is also written to after recovery,
//! crashed again and recovered again.

#![allow(clippy::unwrap_used)] // A test: a failed unwrap is a failed test.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use bookie::{ShardConfig, StorageShard, WriteError};
use bytes::Bytes;
use disk::faulty::{FaultyDisk, TornWrites};
use futures::FutureExt;
use journal::{JournalConfig, YieldOnce};
use ledger_store::StoreConfig;
use proto::{make_entry_body, verify_entry_body, DigestType, EntryHeader, MacKey};
use types::{EntryId, LedgerId, MasterKey};

const LEDGERS: i64 = 40;
const ENTRIES_TOTAL: usize = 10_000;
const ADDS_PER_ROUND: usize = 32;
const CHECKPOINT_EVERY_ENTRIES: usize = 1_500;
const FENCED_LEDGERS: [LedgerId; 3] = [0, 1, 2];

fn master_key(ledger_id: LedgerId) -> MasterKey {
    proto::master_key(format!("pw-{ledger_id}").as_bytes())
}

fn mac_key() -> MacKey {
    MacKey::from_password(b"unused for crc32c")
}

/// A deterministic entry body with a CRC32C digest; payload sizes vary from 1 to 600 bytes.
fn entry_body(ledger_id: LedgerId, entry_id: EntryId) -> Bytes {
    let payload_len = 1 + ((ledger_id as usize * 131 + entry_id as usize * 17) % 600);
    let payload: Vec<u8> = (0..payload_len)
        .map(|i| (i as u8) ^ (entry_id as u8) ^ (ledger_id as u8))
        .collect();
    let header = EntryHeader {
        ledger_id,
        entry_id,
        last_add_confirmed: entry_id - 1,
        length: (entry_id + 1) * 7,
    };
    Bytes::from(make_entry_body(
        DigestType::Crc32c,
        &mac_key(),
        &header,
        &payload,
    ))
}

fn lac_blob(ledger_id: LedgerId, lac: EntryId) -> Bytes {
    let mut blob = Vec::with_capacity(20);
    blob.extend_from_slice(&ledger_id.to_be_bytes());
    blob.extend_from_slice(&lac.to_be_bytes());
    blob.extend_from_slice(&crc32c::crc32c(&blob).to_be_bytes());
    Bytes::from(blob)
}

fn shard_config() -> ShardConfig {
    let journal = JournalConfig {
        file_bytes_max: 256 << 10,
        preallocate_step_bytes: 64 << 10,
        ..JournalConfig::default()
    };
    let store = StoreConfig {
        write_cache_bytes_max: 512 << 10,
        read_cache_bytes_max: 256 << 10,
        entry_bytes_max: 64 << 10,
        entry_log_bytes_max: 1 << 20,
        entry_log_prealloc_bytes: 64 << 10,
        write_buffer_bytes: 64 << 10,
        ..StoreConfig::default()
    };
    ShardConfig { journal, store }
}

/// What the workload has done so far, in acknowledgement order.
#[derive(Default)]
struct Model {
    /// Every entry the workload tried to add (acknowledged or not).
    attempted: BTreeMap<(LedgerId, EntryId), Bytes>,
    /// Acknowledged adds, in order: a crash image at time t must hold a prefix of at least the
    /// length seen at t.
    acked: Vec<(LedgerId, EntryId)>,
    /// (number of acked adds when the fence was acknowledged, ledger).
    fences_acked: Vec<LedgerId>,
    /// Acknowledged explicit LACs: ledger -> blob (the latest acknowledged).
    lacs_acked: BTreeMap<LedgerId, Bytes>,
}

#[derive(Default)]
struct Coverage {
    crash_points: Cell<u64>,
    recoveries: Cell<u64>,
    entries_verified: Cell<u64>,
    double_recoveries: Cell<u64>,
}

type Shard = StorageShard<disk::faulty::FaultyDir, disk::faulty::FaultyDir, YieldOnce>;

async fn recover(disk: &FaultyDisk) -> Shard {
    let (shard, _report) = StorageShard::recover(
        disk.dir("journal"),
        disk.dir("ledgers"),
        shard_config(),
        YieldOnce,
    )
    .await
    .unwrap_or_else(|error| panic!("recovery failed: {error}"));
    shard
}

/// Checks a recovered shard against the model as it was when the crash image was taken.
async fn check_recovered(
    shard: &Shard,
    model: &Model,
    acked_count: usize,
    fences_count: usize,
    lacs: &BTreeMap<LedgerId, Bytes>,
    what: &str,
) -> u64 {
    let mut verified = 0;
    for &(ledger_id, entry_id) in &model.acked[..acked_count] {
        let stored = shard
            .read_entry(ledger_id, entry_id)
            .await
            .unwrap_or_else(|error| {
                panic!("{what}: acknowledged entry {ledger_id}/{entry_id} lost: {error}")
            });
        assert_eq!(
            stored,
            model.attempted[&(ledger_id, entry_id)],
            "{what}: entry {ledger_id}/{entry_id} differs"
        );
        verify_entry_body(DigestType::Crc32c, &mac_key(), &stored)
            .unwrap_or_else(|error| panic!("{what}: entry {ledger_id}/{entry_id} digest: {error}"));
        verified += 1;
    }
    // Nothing that was never written appears: every stored entry is one the workload sent.
    for ledger_id in 0..LEDGERS {
        let Ok(entries) = shard.store().list_entries(ledger_id) else {
            continue;
        };
        for entry_id in entries {
            let expected = model
                .attempted
                .get(&(ledger_id, entry_id))
                .unwrap_or_else(|| {
                    panic!("{what}: entry {ledger_id}/{entry_id} was never written")
                });
            let stored = shard
                .read_entry(ledger_id, entry_id)
                .await
                .unwrap_or_else(|error| {
                    panic!("{what}: listed entry {ledger_id}/{entry_id} unreadable: {error}")
                });
            assert_eq!(
                &stored, expected,
                "{what}: entry {ledger_id}/{entry_id} corrupt"
            );
        }
    }
    for &ledger_id in &model.fences_acked[..fences_count] {
        let state = shard
            .ledger_state(ledger_id)
            .unwrap_or_else(|| panic!("{what}: fenced ledger {ledger_id} lost"));
        assert!(
            state.fenced,
            "{what}: acknowledged fence of ledger {ledger_id} lost"
        );
    }
    for (ledger_id, blob) in lacs {
        let state = shard
            .ledger_state(*ledger_id)
            .unwrap_or_else(|| panic!("{what}: ledger {ledger_id} lost"));
        let stored = state
            .explicit_lac
            .unwrap_or_else(|| panic!("{what}: explicit LAC of {ledger_id} lost"));
        // A later, unacknowledged LAC may have landed too; an acknowledged one is never lost,
        // so the stored blob is the acknowledged one or a later one for the same ledger.
        assert!(
            stored.len() == blob.len() && stored[..8] == blob[..8],
            "{what}: explicit LAC of {ledger_id} corrupt"
        );
        let lac = i64::from_be_bytes(stored[8..16].try_into().unwrap());
        let acked_lac = i64::from_be_bytes(blob[8..16].try_into().unwrap());
        assert!(
            lac >= acked_lac,
            "{what}: explicit LAC of {ledger_id} went back from {acked_lac} to {lac}"
        );
    }
    verified
}

/// Recovers from `image`, checks it, and sometimes writes more, crashes and recovers again.
fn check_crash_image(
    image: FaultyDisk,
    model: &Model,
    point: u64,
    torn: &str,
    coverage: &Coverage,
) {
    let acked_count = model.acked.len();
    let fences_count = model.fences_acked.len();
    let lacs = model.lacs_acked.clone();
    let what = format!("sync point {point} ({torn})");
    futures_lite::future::block_on(async {
        let shard = recover(&image).await;
        let verified =
            check_recovered(&shard, model, acked_count, fences_count, &lacs, &what).await;
        coverage
            .entries_verified
            .set(coverage.entries_verified.get() + verified);
        coverage.recoveries.set(coverage.recoveries.get() + 1);
        if !point.is_multiple_of(40) {
            return;
        }
        // The recovered shard must keep working: add to a fresh ledger, then crash and recover.
        let ledger_id = 1_000;
        let key = master_key(ledger_id);
        let adds = async {
            for entry_id in 0..5 {
                shard
                    .add_entry(
                        ledger_id,
                        entry_id,
                        &key,
                        entry_body(ledger_id, entry_id),
                        false,
                    )
                    .await
                    .unwrap();
            }
            shard.close();
        };
        let (_, writer) = futures_lite::future::zip(adds, shard.run_journal_writer()).await;
        writer.unwrap();
        let again = recover(&image.crash_image(TornWrites::None)).await;
        check_recovered(
            &again,
            model,
            acked_count,
            fences_count,
            &lacs,
            &format!("{what}, second recovery"),
        )
        .await;
        for entry_id in 0..5 {
            assert_eq!(
                again.read_entry(ledger_id, entry_id).await.unwrap(),
                entry_body(ledger_id, entry_id)
            );
        }
        coverage
            .double_recoveries
            .set(coverage.double_recoveries.get() + 1);
    });
}

async fn run_workload(shard: &Shard, model: &RefCell<Model>) {
    let mut next_entry: BTreeMap<LedgerId, EntryId> =
        (0..LEDGERS).map(|ledger_id| (ledger_id, 0)).collect();
    let mut since_checkpoint = 0;
    let mut fenced = BTreeSet::new();
    let mut sent = 0;
    while sent < ENTRIES_TOTAL {
        let mut round = Vec::new();
        for _ in 0..ADDS_PER_ROUND.min(ENTRIES_TOTAL - sent) {
            let ledger_id = (sent as i64 * 7) % LEDGERS;
            let entry_id = next_entry[&ledger_id];
            next_entry.insert(ledger_id, entry_id + 1);
            let body = entry_body(ledger_id, entry_id);
            model
                .borrow_mut()
                .attempted
                .insert((ledger_id, entry_id), body.clone());
            let recovery_add = fenced.contains(&ledger_id);
            round.push(
                async move {
                    shard
                        .add_entry(
                            ledger_id,
                            entry_id,
                            &master_key(ledger_id),
                            body,
                            recovery_add,
                        )
                        .await
                        .unwrap();
                    model.borrow_mut().acked.push((ledger_id, entry_id));
                }
                .boxed_local(),
            );
            sent += 1;
        }
        since_checkpoint += ADDS_PER_ROUND;
        if since_checkpoint >= CHECKPOINT_EVERY_ENTRIES {
            since_checkpoint = 0;
            // The checkpoint runs while this round's adds are in flight, so records become
            // durable during the flush (the disk yields on every I/O).
            round.insert(
                ADDS_PER_ROUND / 2,
                async { shard.checkpoint().await.map(drop).unwrap() }.boxed_local(),
            );
        }
        futures::future::join_all(round).await;
        if sent % 2_000 < ADDS_PER_ROUND {
            let ledger_id = (sent as i64 / 2_000) % LEDGERS + 10;
            let blob = lac_blob(ledger_id, next_entry[&ledger_id] - 1);
            shard
                .write_explicit_lac(ledger_id, &master_key(ledger_id), blob.clone())
                .await
                .unwrap();
            model.borrow_mut().lacs_acked.insert(ledger_id, blob);
        }
        if sent >= ENTRIES_TOTAL / 2 && fenced.is_empty() {
            for ledger_id in FENCED_LEDGERS {
                shard
                    .fence(ledger_id, &master_key(ledger_id))
                    .await
                    .unwrap();
                model.borrow_mut().fences_acked.push(ledger_id);
                fenced.insert(ledger_id);
            }
            // A plain add to a fenced ledger is refused, and not acknowledged.
            let ledger_id = FENCED_LEDGERS[0];
            let entry_id = next_entry[&ledger_id];
            let refused = shard
                .add_entry(
                    ledger_id,
                    entry_id,
                    &master_key(ledger_id),
                    entry_body(ledger_id, entry_id),
                    false,
                )
                .await;
            assert!(
                matches!(refused, Err(WriteError::Fenced { .. })),
                "{refused:?}"
            );
        }
    }
    shard.close();
}

#[test]
fn every_acknowledged_write_survives_a_crash_at_every_sync_point() {
    let disk = FaultyDisk::new();
    disk.set_yield_on_io(true);
    let model = Rc::new(RefCell::new(Model::default()));
    let coverage = Rc::new(Coverage::default());
    let shard = futures_lite::future::block_on(recover(&disk));

    let hook_model = Rc::clone(&model);
    let hook_coverage = Rc::clone(&coverage);
    disk.on_sync_point(Box::new(move |point, disk| {
        let model = hook_model.borrow();
        hook_coverage
            .crash_points
            .set(hook_coverage.crash_points.get() + 1);
        check_crash_image(
            disk.crash_image(TornWrites::None),
            &model,
            point,
            "durable only",
            &hook_coverage,
        );
        check_crash_image(
            disk.crash_image(TornWrites::Seeded(point)),
            &model,
            point,
            "torn",
            &hook_coverage,
        );
    }));

    futures_lite::future::block_on(async {
        let (_, writer) =
            futures_lite::future::zip(run_workload(&shard, &model), shard.run_journal_writer())
                .await;
        writer.unwrap();
    });

    let model = model.borrow();
    assert_eq!(model.acked.len(), ENTRIES_TOTAL);
    println!(
        "crash points covered: {} (x2: durable-only and torn), recoveries: {}, double recoveries: {}, \
         acknowledged entries verified: {}",
        coverage.crash_points.get(),
        coverage.recoveries.get(),
        coverage.double_recoveries.get(),
        coverage.entries_verified.get()
    );
    assert!(
        coverage.crash_points.get() > 100,
        "too few sync points to mean anything"
    );
    assert_eq!(coverage.recoveries.get(), 2 * coverage.crash_points.get());
}
