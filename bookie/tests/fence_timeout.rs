//! Goal: a fencing read whose fence record does not become durable within a second answers EIO
//! instead of waiting for the journal forever (spec §5.1: BookKeeper's request thread waits at
//! most 1 s), and the fence itself stays in force.
//!
//! Method: a shard on `FaultyDisk` whose journal writer is not running, so nothing becomes
//! durable; the executor's timer returns at once, standing in for the second elapsing. Then
//! with the writer running, a normal add to the fenced ledger gets EFENCED.

#![allow(clippy::unwrap_used)] // A test: a failed unwrap is a failed test.

use std::time::Duration;

use bookie::server::execute::{execute, ExecuteContext};
use bookie::server::op::{Op, Outcome};
use bookie::{ShardConfig, StorageShard};
use disk::faulty::FaultyDisk;
use futures_lite::future::{block_on, zip};
use journal::YieldOnce;
use proto::StatusCode;

/// A timer whose every sleep is already over.
struct Elapsed;

impl ledger_store::Sleep for Elapsed {
    async fn sleep(&self, _duration: Duration) {}
}

#[test]
fn a_fence_that_is_not_durable_within_the_wait_answers_eio_and_stays() {
    let disk = FaultyDisk::new();
    let (shard, _) = block_on(StorageShard::recover(
        disk.dir("journal"),
        disk.dir("ledgers"),
        ShardConfig::default(),
        YieldOnce,
    ))
    .unwrap();
    let key = proto::master_key(b"pw");
    let fence = Op::Read {
        ledger_id: 9,
        entry_id: -1,
        fence_key: Some(key),
        long_poll: None,
        piggyback: false,
        want_max_lac: false,
    };
    let context = ExecuteContext {
        read_only: false,
        batch_read_bytes_max: 5 << 20,
        timer: &Elapsed,
    };
    let outcome = block_on(execute(&shard, fence, context));
    assert!(
        matches!(
            outcome,
            Outcome::Read {
                status: StatusCode::IoError,
                ..
            }
        ),
        "{outcome:?}"
    );

    let add = Op::Add {
        ledger_id: 9,
        entry_id: 0,
        master_key: key,
        body: bytes::Bytes::from_static(b"after the fence"),
        recovery: false,
        high_priority: false,
    };
    let work = async {
        let outcome = execute(
            &shard,
            add,
            ExecuteContext {
                read_only: false,
                batch_read_bytes_max: 5 << 20,
                timer: &Elapsed,
            },
        )
        .await;
        shard.close();
        outcome
    };
    let (outcome, writer) = block_on(zip(work, shard.run_journal_writer()));
    writer.unwrap();
    assert_eq!(outcome, Outcome::Status(StatusCode::Fenced));
}
