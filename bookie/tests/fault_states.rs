//! What a storage shard does when the disk fails: every failure is a typed error and leaves the
//! documented state, never a panic and never a silent loss.
//!
//! Method: a shard on a `FaultyDisk` takes some acknowledged adds, then one fault is injected
//! (EIO on read, ENOSPC on a journal write or an entry-log write, a failed fsync of the journal or
//! of the ledger store). Each test checks the error's type, the state afterwards (poisoned or
//! not, whether later writes are refused, whether a retry succeeds), and that recovery from the
//! crash image still returns every acknowledged entry.

#![allow(clippy::unwrap_used)] // A test: a failed unwrap is a failed test.

use bookie::{CheckpointError, ShardConfig, StorageShard, WriteError};
use bytes::Bytes;
use disk::faulty::{Fault, FaultOp, FaultyDir, FaultyDisk, InjectedError, TornWrites};
use disk::DiskError;
use journal::{JournalError, YieldOnce};
use ledger_store::StoreError;
use proto::{make_entry_body, DigestType, EntryHeader, MacKey};
use types::{EntryId, LedgerId, MasterKey};

type Shard = StorageShard<FaultyDir, FaultyDir, YieldOnce>;

const LEDGER: LedgerId = 7;

fn key() -> MasterKey {
    proto::master_key(b"secret")
}

fn body(entry_id: EntryId) -> Bytes {
    let header = EntryHeader {
        ledger_id: LEDGER,
        entry_id,
        last_add_confirmed: entry_id - 1,
        length: entry_id * 10,
    };
    Bytes::from(make_entry_body(
        DigestType::Crc32c,
        &MacKey::from_password(b""),
        &header,
        &[entry_id as u8; 100],
    ))
}

async fn recover(disk: &FaultyDisk) -> Shard {
    StorageShard::recover(
        disk.dir("journal"),
        disk.dir("ledgers"),
        ShardConfig::default(),
        YieldOnce,
    )
    .await
    .unwrap()
    .0
}

/// Runs `work` against the shard while its journal writer runs; closes the shard afterwards.
fn with_writer<T>(shard: &Shard, work: impl std::future::Future<Output = T>) -> T {
    futures_lite::future::block_on(async {
        let work = async {
            let out = work.await;
            shard.close();
            out
        };
        let (out, _writer) = futures_lite::future::zip(work, shard.run_journal_writer()).await;
        out
    })
}

async fn add(shard: &Shard, entry_id: EntryId) -> Result<(), WriteError> {
    shard
        .add_entry(LEDGER, entry_id, &key(), body(entry_id), false)
        .await
}

/// Recovers from the durable image and checks entries `0..acked` read back identical.
fn assert_recovers_acked(disk: &FaultyDisk, acked: EntryId) {
    let image = disk.crash_image(TornWrites::None);
    futures_lite::future::block_on(async {
        let shard = recover(&image).await;
        for entry_id in 0..acked {
            assert_eq!(
                shard.read_entry(LEDGER, entry_id).await.unwrap(),
                body(entry_id),
                "entry {entry_id}"
            );
        }
    });
}

#[test]
fn failed_journal_fsync_poisons_the_shard_and_acknowledges_nothing_more() {
    let disk = FaultyDisk::new();
    let shard = futures_lite::future::block_on(recover(&disk));
    let outcome = with_writer(&shard, async {
        for entry_id in 0..10 {
            add(&shard, entry_id).await.unwrap();
        }
        disk.inject(Fault::once(
            "journal/",
            FaultOp::Sync,
            InjectedError::SyncFailed,
        ));
        let failed = add(&shard, 10).await;
        let after = add(&shard, 11).await;
        (failed, after)
    });
    assert!(
        matches!(
            outcome.0,
            Err(WriteError::Journal(JournalError::Poisoned { .. }))
        ),
        "{:?}",
        outcome.0
    );
    assert!(
        matches!(
            outcome.1,
            Err(WriteError::Journal(JournalError::Poisoned { .. }))
        ),
        "{:?}",
        outcome.1
    );
    assert!(shard.journal().is_poisoned());
    assert_recovers_acked(&disk, 10);
}

#[test]
fn journal_write_without_space_is_a_typed_error_and_poisons() {
    let disk = FaultyDisk::new();
    let shard = futures_lite::future::block_on(recover(&disk));
    let outcome = with_writer(&shard, async {
        for entry_id in 0..5 {
            add(&shard, entry_id).await.unwrap();
        }
        disk.inject(Fault::once(
            "journal/",
            FaultOp::Write,
            InjectedError::NoSpace,
        ));
        let failed = add(&shard, 5).await;
        let after = add(&shard, 6).await;
        (failed, after)
    });
    assert!(
        matches!(
            outcome.0,
            Err(WriteError::Journal(
                JournalError::NoSpace(_) | JournalError::Poisoned { .. }
            ))
        ),
        "{:?}",
        outcome.0
    );
    assert!(
        matches!(
            outcome.1,
            Err(WriteError::Journal(JournalError::Poisoned { .. }))
        ),
        "{:?}",
        outcome.1
    );
    assert_recovers_acked(&disk, 5);
}

#[test]
fn entry_log_without_space_fails_the_checkpoint_but_not_the_adds_and_a_retry_succeeds() {
    let disk = FaultyDisk::new();
    let shard = futures_lite::future::block_on(recover(&disk));
    let (failed, retried) = with_writer(&shard, async {
        for entry_id in 0..20 {
            add(&shard, entry_id).await.unwrap();
        }
        disk.inject(Fault::sticky(
            "ledgers/",
            FaultOp::Write,
            InjectedError::NoSpace,
        ));
        disk.inject(Fault::sticky(
            "ledgers/",
            FaultOp::Allocate,
            InjectedError::NoSpace,
        ));
        let failed = shard.checkpoint().await;
        // The journal is unaffected: adds are still acknowledged (they are durable there).
        for entry_id in 20..30 {
            add(&shard, entry_id).await.unwrap();
        }
        disk.clear_faults();
        let retried = shard.checkpoint().await;
        (failed, retried)
    });
    assert!(
        matches!(
            failed,
            Err(CheckpointError::Flush(StoreError::NoSpace(
                DiskError::NoSpace { .. }
            )))
        ),
        "{failed:?}"
    );
    retried.unwrap();
    assert!(!shard.journal().is_poisoned());
    assert!(!shard.store().is_poisoned());
    assert_recovers_acked(&disk, 30);
}

#[test]
fn failed_ledger_store_fsync_poisons_the_store_and_recovery_replays_the_journal() {
    let disk = FaultyDisk::new();
    let shard = futures_lite::future::block_on(recover(&disk));
    let (failed, again, add_after) = with_writer(&shard, async {
        for entry_id in 0..20 {
            add(&shard, entry_id).await.unwrap();
        }
        disk.inject(Fault::once(
            "ledgers/",
            FaultOp::Sync,
            InjectedError::SyncFailed,
        ));
        let failed = shard.checkpoint().await;
        let again = shard.checkpoint().await;
        let add_after = add(&shard, 20).await;
        (failed, again, add_after)
    });
    assert!(
        matches!(
            failed,
            Err(CheckpointError::Flush(StoreError::SyncFailed(_)))
        ),
        "{failed:?}"
    );
    assert!(
        matches!(again, Err(CheckpointError::Flush(StoreError::Poisoned))),
        "{again:?}"
    );
    assert!(
        matches!(add_after, Err(WriteError::Store(StoreError::Poisoned))),
        "{add_after:?}"
    );
    assert!(shard.store().is_poisoned());
    // The mark was not advanced, so the journal still holds every acknowledged add.
    assert_recovers_acked(&disk, 20);
}

#[test]
fn eio_on_read_is_a_typed_error_and_the_entry_reads_once_the_device_recovers() {
    let disk = FaultyDisk::new();
    let shard = futures_lite::future::block_on(recover(&disk));
    let failed = with_writer(&shard, async {
        for entry_id in 0..20 {
            add(&shard, entry_id).await.unwrap();
        }
        // After the checkpoint the entries live only in entry logs (the read cache is empty).
        shard.checkpoint().await.unwrap();
        disk.inject(Fault::sticky("ledgers/", FaultOp::Read, InjectedError::Io));
        shard.read_entry(LEDGER, 3).await
    });
    assert!(
        matches!(failed, Err(StoreError::Io(DiskError::Io { .. }))),
        "{failed:?}"
    );
    disk.clear_faults();
    futures_lite::future::block_on(async {
        assert_eq!(shard.read_entry(LEDGER, 3).await.unwrap(), body(3));
    });
    assert!(!shard.store().is_poisoned());
}
