//! Goal: SIGTERM stops a bookie cleanly: it stops accepting, every add acknowledged before the
//! signal stays readable, the ledger store is checkpointed so the next start replays nothing, and
//! the process exits 0.
//!
//! Method: a 2-core bookie process takes 100 acknowledged v2 adds over 4 ledgers (both cores),
//! gets SIGTERM, must exit 0 within the support timeout, logging a clean stop on both cores;
//! it is started again on the same directories, must report zero replayed records, and every
//! entry must read back byte for byte.

#![allow(clippy::unwrap_used)]

mod support;

use proto::v2::Response;
use proto::StatusCode;
use support::{pipeline_v2_adds, scratch_dir, v2_read, Bookie};

#[test]
fn sigterm_drains_checkpoints_and_the_restart_replays_nothing() {
    let dir = scratch_dir();
    let mut bookie = Bookie::start(dir.path(), 2, &[]);
    let mut client = bookie.connect();
    let bodies = pipeline_v2_adds(&mut client, 1..=4, 25, "kept");
    drop(client);

    let status = bookie.terminate();
    let log = bookie.log_text();
    assert!(status.success(), "exit status {status}: {log}");
    assert_eq!(
        log.matches("core stopped cleanly").count(),
        2,
        "both cores checkpoint on the way out: {log}"
    );
    assert!(log.contains("bookie stopped"), "{log}");

    let log_before_restart = log.len();
    bookie.restart();
    let restart_log = bookie.log_text()[log_before_restart..].to_owned();
    assert_eq!(
        restart_log.matches("records_applied=0").count(),
        4,
        "nothing to replay on either core (storage shard and runtime lines): {restart_log}"
    );
    let mut client = bookie.connect();
    for ((ledger_id, entry_id), body) in &bodies {
        client.send_v2(&v2_read(*ledger_id, *entry_id, None));
        let Response::Read(read) = client.recv_v2() else {
            panic!("expected a READ response")
        };
        assert_eq!(
            read.status,
            StatusCode::Ok,
            "ledger {ledger_id} entry {entry_id}"
        );
        assert_eq!(&read.body, body, "ledger {ledger_id} entry {entry_id}");
    }
}
