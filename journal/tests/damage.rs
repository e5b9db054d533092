//! Replay on damaged media: a damaged tail is a torn write (end of log, never data); damage that
//! a later batch proves was durable is corruption (a typed error, not a silent truncation).

mod common;

use common::{records_for, replay_all, run_workload, small_config, Acks, Failures};
use disk::faulty::FaultyDisk;
use futures_lite::future::block_on;
use journal::{Journal, JournalConfig, ReplayError, StopReason, YieldOnce};

/// One file holding the whole workload; returns the disk and the acknowledged positions.
fn written_disk() -> (FaultyDisk, Vec<u64>) {
    let disk = FaultyDisk::new();
    let config = JournalConfig {
        file_bytes_max: 1 << 30,
        ..small_config()
    };
    let journal = block_on(Journal::open(disk.dir("j"), config, YieldOnce)).expect("open");
    let (acks, failures): (Acks, Failures) = Default::default();
    run_workload(&journal, &records_for(3, 30), &acks, &failures).expect("writer");
    assert_eq!(journal.written_pos().journal_id, 1);
    let ends = acks
        .borrow()
        .iter()
        .map(|(pos, _)| pos.offset_bytes)
        .collect();
    (disk, ends)
}

#[test]
fn damage_in_the_last_batch_is_a_torn_tail_that_ends_replay() {
    let (disk, ends) = written_disk();
    let last_end = *ends.last().expect("records");
    disk.flip_bit("j", "0000000000000001.journal", last_end - 3, 2)
        .expect("flip");
    let (report, replayed) = replay_all(&disk.dir("j")).expect("a torn tail is not an error");
    assert!(
        matches!(report.stop, StopReason::TornTail { .. }),
        "{:?}",
        report.stop
    );
    assert_eq!(report.torn_tails, 1);
    assert!(replayed.len() < ends.len());
    assert!(replayed.iter().all(|(pos, _)| pos.offset_bytes < last_end));
}

#[test]
fn damage_before_later_durable_batches_is_corruption() {
    let (disk, ends) = written_disk();
    disk.flip_bit("j", "0000000000000001.journal", ends[3] - 5, 0)
        .expect("flip");
    let replayed = replay_all(&disk.dir("j"));
    assert!(
        matches!(replayed, Err(ReplayError::Corrupt { journal_id: 1, .. })),
        "{replayed:?}"
    );
}

#[test]
fn zeroed_length_before_later_durable_batches_is_corruption_not_an_end() {
    let (disk, ends) = written_disk();
    // Clear every bit of the length field of the record after the 4th: zeros where data was.
    let start = ends[4 - 1];
    for byte in 0..4 {
        let original = block_on(async {
            use disk::{DurableDir, DurableFile};
            let file = disk
                .dir("j")
                .open_file("0000000000000001.journal")
                .await
                .expect("open");
            file.read_at(start + byte, 1).await.expect("read")[0]
        });
        for bit in 0..8 {
            if original & (1 << bit) != 0 {
                disk.flip_bit("j", "0000000000000001.journal", start + byte, bit)
                    .expect("flip");
            }
        }
    }
    let replayed = replay_all(&disk.dir("j"));
    assert!(
        matches!(replayed, Err(ReplayError::Corrupt { .. })),
        "{replayed:?}"
    );
}
