//! Crash recovery of the journal on the fault-injecting disk.
//!
//! Goal: at every sync point of a concurrent multi-ledger workload (with rollovers), a power loss
//! keeps every acknowledged record, never yields a record that was not appended, and keeps each
//! ledger's order; after recovery the journal opens a fresh file and keeps working.
//! Method: a sync-point hook takes crash images (durable bytes only, and with seeded torn
//! writes of the unsynced sectors) together with the acknowledgements seen so far; each image
//! is replayed and checked, and a sample is reopened, appended to and replayed again.
//! Both durability modes run: writes followed by `fdatasync` only, and with small batches
//! written durable by themselves when nothing else is outstanding (`dsync_batch_bytes_max`,
//! whose flush is one sync point per durable write), mixed with synced ones.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{
    check_replay, entry, records_for, replay_all, run_workload, small_config, Acks, Failures,
};
use disk::faulty::{FaultyDisk, TornWrites};
use futures_lite::future::{block_on, zip};
use journal::{Journal, JournalConfig, Record, YieldOnce};
use types::JournalPos;

struct CrashImage {
    sync_point: u64,
    torn: TornWrites,
    disk: FaultyDisk,
    acked: Vec<(JournalPos, Record)>,
}

fn dsync_config() -> JournalConfig {
    JournalConfig {
        dsync_batch_bytes_max: 4096,
        ..small_config()
    }
}

#[test]
fn every_acknowledged_record_survives_a_crash_at_every_sync_point() {
    crash_at_every_sync_point(small_config(), "write + fdatasync", false);
}

#[test]
fn every_acknowledged_record_survives_a_crash_at_every_sync_point_with_dsync_writes() {
    crash_at_every_sync_point(dsync_config(), "O_DSYNC writes", false);
}

/// With disk operations that yield, writes overlap: some batches start while another is in
/// flight and go out plain (then fdatasync), others alone and durable, in one file.
#[test]
fn every_acknowledged_record_survives_a_crash_at_every_sync_point_with_mixed_writes() {
    crash_at_every_sync_point(dsync_config(), "O_DSYNC writes mixed with fdatasync", true);
}

fn crash_at_every_sync_point(config: JournalConfig, mode: &str, yield_on_io: bool) {
    let disk = FaultyDisk::new();
    disk.set_yield_on_io(yield_on_io);
    let acks: Acks = Default::default();
    let failures: Failures = Default::default();
    let images: Rc<RefCell<Vec<CrashImage>>> = Default::default();
    {
        let images = Rc::clone(&images);
        let acks = Rc::clone(&acks);
        disk.on_sync_point(Box::new(move |sync_point, disk| {
            for torn in [TornWrites::None, TornWrites::Seeded(sync_point * 7919 + 1)] {
                let image = CrashImage {
                    sync_point,
                    torn,
                    disk: disk.crash_image(torn),
                    acked: acks.borrow().clone(),
                };
                images.borrow_mut().push(image);
            }
        }));
    }
    let journal = block_on(Journal::open(disk.dir("j"), config, YieldOnce)).expect("open");
    let rounds = records_for(5, 60);
    run_workload(&journal, &rounds, &acks, &failures).expect("writer");
    let appended: Vec<Record> = rounds.concat();
    assert!(failures.borrow().is_empty());
    let final_acked = acks.borrow().clone();
    assert_eq!(final_acked.len(), appended.len());

    let images = images.borrow();
    let mut torn_tails_seen = 0;
    for image in images.iter() {
        let context = format!(
            "crash at sync point {} ({:?})",
            image.sync_point, image.torn
        );
        let (report, replayed) =
            replay_all(&image.disk.dir("j")).unwrap_or_else(|error| panic!("{context}: {error}"));
        check_replay(&image.acked, &appended, &replayed, &context);
        torn_tails_seen += report.torn_tails;
    }
    // A sample of images: recover, open a fresh file, append, and replay everything again.
    for image in images.iter().step_by(7) {
        let context = format!(
            "reopen after crash at sync point {} ({:?})",
            image.sync_point, image.torn
        );
        let dir = image.disk.dir("j");
        let (_, before) = replay_all(&dir).expect("replay before reopen");
        let reopened = block_on(Journal::open(dir.clone(), config, YieldOnce)).expect("reopen");
        let outcome = reopened.append(entry(99, 0));
        reopened.close();
        let (writer, end) = block_on(zip(reopened.run_writer(), outcome));
        writer.expect("writer after reopen");
        let end = end.expect("append after reopen");
        let (_, after) = replay_all(&dir).unwrap_or_else(|error| panic!("{context}: {error}"));
        assert_eq!(after.len(), before.len() + 1, "{context}");
        assert_eq!(after.last(), Some(&(end, entry(99, 0))), "{context}");
    }
    println!(
        "crash test ({mode}) covered {} sync points, {} crash images ({} torn tails seen), {} records appended",
        disk.sync_points(),
        images.len(),
        torn_tails_seen,
        appended.len()
    );
    assert!(
        disk.sync_points() > 50,
        "the workload should reach many sync points"
    );
}

#[test]
fn failed_fsync_under_load_acknowledges_nothing_after_it() {
    failed_flush_under_load(small_config());
}

#[test]
fn failed_dsync_write_under_load_acknowledges_nothing_after_it() {
    failed_flush_under_load(dsync_config());
}

fn failed_flush_under_load(config: JournalConfig) {
    // Goal: with many records in flight, a failed fsync fails every pending append, nothing is
    // acknowledged afterwards, and everything acknowledged before is replayed after a crash.
    // Method: the sync-point hook arms a one-shot fsync failure at sync point 12 and notes how
    // many acks existed then; the run continues until the writer stops.
    use disk::faulty::{Fault, FaultOp, InjectedError};
    let disk = FaultyDisk::new();
    let acks: Acks = Default::default();
    let failures: Failures = Default::default();
    let acks_at_failure = Rc::new(RefCell::new(None));
    {
        let (acks, acks_at_failure) = (Rc::clone(&acks), Rc::clone(&acks_at_failure));
        disk.on_sync_point(Box::new(move |sync_point, disk| {
            if sync_point == 12 {
                disk.inject(Fault::once(
                    ".journal",
                    FaultOp::Sync,
                    InjectedError::SyncFailed,
                ));
                *acks_at_failure.borrow_mut() = Some(acks.borrow().len());
            }
        }));
    }
    let journal = block_on(Journal::open(disk.dir("j"), config, YieldOnce)).expect("open");
    let rounds = records_for(4, 40);
    let appended: Vec<Record> = rounds.concat();
    let writer = run_workload(&journal, &rounds, &acks, &failures);
    assert!(
        matches!(writer, Err(journal::JournalError::Poisoned { .. })),
        "{writer:?}"
    );
    assert!(journal.is_poisoned());
    let acked = acks.borrow().clone();
    assert_eq!(
        Some(acked.len()),
        *acks_at_failure.borrow(),
        "no acknowledgement after the failed fsync"
    );
    assert_eq!(
        acked.len() + failures.borrow().len(),
        appended.len(),
        "every append heard an outcome"
    );
    let (_, replayed) =
        replay_all(&disk.crash_image(TornWrites::Seeded(5)).dir("j")).expect("replay");
    check_replay(&acked, &appended, &replayed, "after failed fsync");
}
