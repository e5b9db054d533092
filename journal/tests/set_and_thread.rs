//! The multi-directory set on the in-memory disk, and the journal thread on a real directory.

mod common;

use std::collections::HashMap;

use common::entry;
use disk::faulty::FaultyDisk;
use disk::posix::PosixDir;
use futures_lite::future::{block_on, zip};
use journal::{
    journal_index, replay, replay_set, JournalConfig, JournalSet, JournalThread, Record,
    SyncOffloadDir, YieldOnce,
};
use types::JournalPos;

#[test]
fn set_routes_each_ledger_to_one_directory_and_replays_all() {
    let disk = FaultyDisk::new();
    let dirs = vec![disk.dir("a"), disk.dir("b"), disk.dir("c")];
    let set = block_on(JournalSet::open(
        dirs.clone(),
        common::small_config(),
        YieldOnce,
    ))
    .expect("open set");
    let records: Vec<Record> = (-4..8)
        .flat_map(|ledger_id| (0..5).map(move |entry_id| entry(ledger_id, entry_id)))
        .collect();
    let outcomes: Vec<_> = records
        .iter()
        .map(|record| set.append(record.clone()))
        .collect();
    set.close();
    let driver = async {
        for outcome in outcomes {
            outcome.await.expect("durable");
        }
    };
    let (writers, ()) = block_on(zip(set.run_writers(), driver));
    writers.expect("writers");
    let mut seen: HashMap<usize, Vec<Record>> = HashMap::new();
    let reports = block_on(replay_set(
        &dirs,
        &[JournalPos::ZERO; 3],
        |index, _, record| {
            seen.entry(index).or_default().push(record);
        },
    ))
    .expect("replay set");
    assert_eq!(reports.len(), 3);
    for (index, replayed) in &seen {
        assert!(replayed
            .iter()
            .all(|record| journal_index(record.ledger_id(), 3) == *index));
    }
    let mut all: Vec<Record> = seen.into_values().flatten().collect();
    let mut expected = records.clone();
    let key = |record: &Record| format!("{record:?}");
    all.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(all, expected);
    assert_eq!(set.durable_positions().len(), 3);
}

#[test]
fn journal_thread_acknowledges_records_from_many_threads_in_send_order() {
    // Goal: the dedicated-thread engine (blocking O_DIRECT writes, fdatasync on a sync thread)
    // acknowledges every record only once durable, keeps each sender's order, and replays.
    // The target directory is on a real disk (O_DIRECT fails on tmpfs, which /tmp may be).
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let path = temp.path().to_path_buf();
    let config = JournalConfig {
        batch_bytes_max: 64 * 1024,
        preallocate_step_bytes: 1 << 20,
        file_bytes_max: 1 << 20,
        ..JournalConfig::default()
    };
    let make_path = path.clone();
    let thread = JournalThread::spawn(
        "journal-test",
        move || SyncOffloadDir::new(PosixDir::open(&make_path)?, "journal-test-sync"),
        config,
    )
    .expect("spawn");
    let thread = std::sync::Arc::new(thread);
    let senders: Vec<_> = (0..4i64)
        .map(|ledger_id| {
            let thread = std::sync::Arc::clone(&thread);
            std::thread::spawn(move || {
                let outcomes: Vec<_> = (0..300)
                    .map(|entry_id| thread.append(entry(ledger_id, entry_id)))
                    .collect();
                outcomes
                    .into_iter()
                    .map(|outcome| block_on(outcome).expect("durable"))
                    .collect::<Vec<JournalPos>>()
            })
        })
        .collect();
    for sender in senders {
        let ends = sender.join().expect("sender thread");
        assert!(
            ends.windows(2).all(|pair| pair[0] < pair[1]),
            "one sender's records stay in order"
        );
    }
    assert!(thread.acknowledged_pos() > JournalPos::ZERO);
    let Ok(thread) = std::sync::Arc::try_unwrap(thread) else {
        panic!("senders still hold the thread")
    };
    let stats = thread.shutdown().expect("shutdown");
    assert_eq!(stats.records_durable, 1200);
    let mut per_ledger: HashMap<i64, Vec<i64>> = HashMap::new();
    let report = block_on(replay(
        &PosixDir::open(&path).expect("dir"),
        JournalPos::ZERO,
        |_, record| {
            if let Record::Entry {
                ledger_id,
                entry_id,
                ..
            } = record
            {
                per_ledger.entry(ledger_id).or_default().push(entry_id);
            }
        },
    ))
    .expect("replay");
    assert_eq!(report.records_replayed, 1200);
    for entries in per_ledger.values() {
        assert_eq!(*entries, (0..300).collect::<Vec<i64>>());
    }
}
