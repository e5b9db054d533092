//! Behaviour of the group commit on the in-memory disk: acknowledgement, positions, rollover,
//! fresh files per open, trimming, backpressure, poisoning.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{
    check_replay, entry, records_for, replay_all, run_workload, small_config, Acks, Failures,
};
use disk::faulty::{Fault, FaultOp, FaultyDisk, InjectedError};
use disk::DurableDir;
use futures_lite::future::{block_on, zip};
use journal::{Journal, JournalConfig, JournalError, Record, StopReason, YieldOnce};
use types::JournalPos;

fn open(disk: &FaultyDisk, config: JournalConfig) -> Journal<disk::faulty::FaultyDir, YieldOnce> {
    block_on(Journal::open(disk.dir("j"), config, YieldOnce)).expect("open journal")
}

#[test]
fn acknowledged_records_replay_identically_in_order_across_rollovers() {
    let disk = FaultyDisk::new();
    let journal = open(&disk, small_config());
    let rounds = records_for(4, 40);
    let (acks, failures): (Acks, Failures) = Default::default();
    run_workload(&journal, &rounds, &acks, &failures).expect("writer");
    let appended: Vec<Record> = rounds.concat();
    assert!(failures.borrow().is_empty());
    assert_eq!(acks.borrow().len(), appended.len());
    let positions: Vec<JournalPos> = acks.borrow().iter().map(|(pos, _)| *pos).collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "acks come in position order"
    );
    assert_eq!(journal.durable_pos(), journal.written_pos());
    assert!(
        journal.durable_pos().journal_id > 2,
        "the workload rolls over several times"
    );
    let (report, replayed) = replay_all(&disk.dir("j")).expect("replay");
    assert_eq!(replayed.len(), appended.len());
    assert_eq!(report.stop, StopReason::EndMarker);
    assert_eq!(report.torn_tails, 0);
    check_replay(&acks.borrow(), &appended, &replayed, "clean run");
    let stats = journal.stats();
    assert_eq!(stats.records_durable, appended.len() as u64);
    assert!(stats.syncs <= stats.batches);
}

#[test]
fn every_open_starts_a_fresh_file_after_the_highest_id() {
    let disk = FaultyDisk::new();
    let first = open(&disk, small_config());
    assert_eq!(first.durable_pos(), JournalPos::new(1, 512));
    drop(first);
    let second = open(&disk, small_config());
    assert_eq!(second.written_pos().journal_id, 2);
    let names = block_on(disk.dir("j").list_files()).expect("list");
    assert_eq!(names.len(), 2);
}

#[test]
fn replay_from_a_mark_visits_only_later_records() {
    let disk = FaultyDisk::new();
    let journal = open(&disk, small_config());
    let rounds = records_for(2, 20);
    let (acks, failures): (Acks, Failures) = Default::default();
    run_workload(&journal, &rounds, &acks, &failures).expect("writer");
    let acked = acks.borrow().clone();
    let (mark, _) = acked[acked.len() / 2].clone();
    let mut seen = Vec::new();
    let report = block_on(journal::replay(&disk.dir("j"), mark, |pos, record| {
        seen.push((pos, record))
    }))
    .expect("replay");
    let expected: Vec<(JournalPos, Record)> = acked
        .iter()
        .filter(|(pos, _)| *pos > mark)
        .cloned()
        .collect();
    assert_eq!(seen, expected);
    assert_eq!(report.records_replayed, expected.len() as u64);
}

#[test]
fn trim_below_keeps_the_file_holding_the_mark() {
    let disk = FaultyDisk::new();
    let journal = open(&disk, small_config());
    let rounds = records_for(3, 40);
    let (acks, failures): (Acks, Failures) = Default::default();
    run_workload(&journal, &rounds, &acks, &failures).expect("writer");
    let acked = acks.borrow().clone();
    let (mark, _) = acked[acked.len() * 2 / 3];
    assert!(mark.journal_id > 1);
    let removed = block_on(journal.trim_below(mark)).expect("trim");
    assert_eq!(removed as u64, mark.journal_id - 1);
    let (_, replayed) = {
        let mut seen = Vec::new();
        let report = block_on(journal::replay(&disk.dir("j"), mark, |pos, record| {
            seen.push((pos, record))
        }))
        .expect("replay after trim");
        (report, seen)
    };
    assert_eq!(
        replayed.len(),
        acked.iter().filter(|(pos, _)| *pos > mark).count()
    );
    // Replaying from before the trimmed files now reports the missing file.
    let missing = block_on(journal::replay(
        &disk.dir("j"),
        JournalPos::new(1, 512),
        |_, _| {},
    ));
    assert!(matches!(
        missing,
        Err(journal::ReplayError::MissingFile { journal_id: 1 })
    ));
}

#[test]
fn failed_fsync_poisons_pending_and_later_appends() {
    let disk = FaultyDisk::new();
    let journal = open(&disk, small_config());
    disk.inject(Fault::once(
        ".journal",
        FaultOp::Sync,
        InjectedError::SyncFailed,
    ));
    let pending = journal.append(entry(1, 0));
    let (writer, outcome) = block_on(zip(journal.run_writer(), pending));
    assert!(matches!(writer, Err(JournalError::Poisoned { .. })));
    assert!(matches!(outcome, Err(JournalError::Poisoned { .. })));
    assert!(journal.is_poisoned());
    let later = block_on(journal.append(entry(1, 1)));
    assert!(matches!(later, Err(JournalError::Poisoned { .. })));
    assert_eq!(
        journal.durable_pos(),
        JournalPos::new(1, 512),
        "nothing became durable"
    );
}

#[test]
fn no_space_on_write_is_a_typed_error_and_poisons() {
    let disk = FaultyDisk::new();
    let journal = open(&disk, small_config());
    disk.inject(Fault::once(
        ".journal",
        FaultOp::Write,
        InjectedError::NoSpace,
    ));
    let first = journal.append(entry(1, 0));
    let second = journal.append(entry(2, 0));
    let (writer, (first, second)) = block_on(zip(journal.run_writer(), zip(first, second)));
    assert!(matches!(writer, Err(JournalError::NoSpace(_))));
    assert!(matches!(first, Err(JournalError::NoSpace(_))));
    assert!(matches!(second, Err(JournalError::NoSpace(_))));
    assert!(matches!(
        block_on(journal.append(entry(3, 0))),
        Err(JournalError::Poisoned { .. })
    ));
}

#[test]
fn no_space_when_preallocating_is_a_typed_error() {
    let disk = FaultyDisk::new();
    let journal = open(&disk, small_config());
    disk.inject(Fault::sticky(
        ".journal",
        FaultOp::Allocate,
        InjectedError::NoSpace,
    ));
    // 4096 bytes are preallocated at open; this batch needs more.
    let outcomes: Vec<_> = (0..8)
        .map(|entry_id| journal.append(entry(5, entry_id)))
        .collect();
    let driver = async {
        let mut results = Vec::new();
        for outcome in outcomes {
            results.push(outcome.await);
        }
        results
    };
    let (writer, results) = block_on(zip(journal.run_writer(), driver));
    assert!(matches!(writer, Err(JournalError::NoSpace(_))));
    assert!(results
        .iter()
        .any(|result| matches!(result, Err(JournalError::NoSpace(_)))));
    assert!(
        results.iter().all(|result| result.is_err()),
        "nothing is acknowledged after the failure"
    );
}

#[test]
fn full_queue_refuses_appends_with_backpressure() {
    let disk = FaultyDisk::new();
    let config = JournalConfig {
        queued_records_max: 3,
        ..small_config()
    };
    let journal = open(&disk, config);
    let accepted: Vec<_> = (0..3)
        .map(|entry_id| journal.append(entry(1, entry_id)))
        .collect();
    assert!(journal.is_full());
    let refused = block_on(journal.append(entry(1, 3)));
    assert!(matches!(
        refused,
        Err(JournalError::Backpressure {
            queued_records: 3,
            ..
        })
    ));
    journal.close();
    let driver = async {
        let mut ends = Vec::new();
        for outcome in accepted {
            ends.push(outcome.await.expect("accepted records become durable"));
        }
        ends
    };
    let (writer, ends) = block_on(zip(journal.run_writer(), driver));
    writer.expect("writer");
    assert_eq!(ends.len(), 3);
}

#[test]
fn appends_after_close_are_refused() {
    let disk = FaultyDisk::new();
    let journal = open(&disk, small_config());
    journal.close();
    block_on(journal.run_writer()).expect("writer of an empty journal");
    assert!(matches!(
        block_on(journal.append(entry(1, 0))),
        Err(JournalError::Closed)
    ));
}

#[test]
fn group_wait_uses_the_sleep_and_batches_records() {
    // Goal: with a group wait, records appended while the writer sleeps share one batch.
    // Method: a Sleep that counts calls and yields; append 10 records, then check one batch.
    #[derive(Clone, Default)]
    struct CountingSleep(Rc<RefCell<u32>>);
    impl journal::Sleep for CountingSleep {
        fn sleep(&self, _duration: std::time::Duration) -> impl std::future::Future<Output = ()> {
            *self.0.borrow_mut() += 1;
            futures_lite::future::yield_now()
        }
    }
    let disk = FaultyDisk::new();
    let sleep = CountingSleep::default();
    let config = JournalConfig {
        group_wait_max_us: 500,
        batch_bytes_max: 64 * 1024,
        ..small_config()
    };
    let journal = block_on(Journal::open(disk.dir("j"), config, sleep.clone())).expect("open");
    let outcomes: Vec<_> = (0..10)
        .map(|entry_id| journal.append(entry(1, entry_id)))
        .collect();
    journal.close();
    let driver = async {
        for outcome in outcomes {
            outcome.await.expect("durable");
        }
    };
    let (writer, ()) = block_on(zip(journal.run_writer(), driver));
    writer.expect("writer");
    assert_eq!(*sleep.0.borrow(), 1);
    assert_eq!(journal.stats().batches, 1);
}

/// Goal: a barrier (FORCE_LEDGER) completes once every earlier append is durable, at once when
/// nothing is pending, writes no record of its own, and fails once the journal is poisoned.
#[test]
fn a_barrier_waits_for_earlier_appends_and_writes_nothing() {
    use futures_lite::future::poll_once;
    let disk = FaultyDisk::new();
    let journal = open(&disk, small_config());
    assert!(
        matches!(block_on(poll_once(journal.barrier())), Some(Ok(()))),
        "nothing pending: done at once"
    );
    let work = async {
        let mut first = journal.append(entry(1, 0));
        let mut second = journal.append(entry(1, 1));
        journal.barrier().await.expect("barrier");
        let first_done = poll_once(&mut first).await;
        let second_done = poll_once(&mut second).await;
        journal.close();
        (first_done, second_done)
    };
    let ((first, second), writer) = block_on(zip(work, journal.run_writer()));
    writer.expect("writer");
    assert!(matches!(first, Some(Ok(_))), "{first:?}");
    assert!(matches!(second, Some(Ok(_))), "{second:?}");
    assert_eq!(
        journal.stats().records_durable,
        2,
        "the barrier wrote nothing"
    );

    let disk = FaultyDisk::new();
    let journal = open(&disk, small_config());
    disk.inject(Fault::sticky(
        ".journal",
        FaultOp::Sync,
        InjectedError::SyncFailed,
    ));
    let work = async {
        let append = journal.append(entry(1, 0));
        let barrier = journal.barrier().await;
        let _ = append.await;
        barrier
    };
    let (barrier, writer) = block_on(zip(work, journal.run_writer()));
    assert!(writer.is_err());
    assert!(
        matches!(barrier, Err(JournalError::Poisoned { .. })),
        "{barrier:?}"
    );
}
