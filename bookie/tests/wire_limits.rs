//! Per-core bounds answer ETOOMANYREQUESTS instead of queueing without limit, and the metrics
//! count what was served.
//!
//! Method: with `add_requests_in_flight_max = 1`, 200 adds pipelined on one connection to one
//! ledger cannot all be in flight on the owning core: some must be refused with
//! ETOOMANYREQUESTS, every other one is acknowledged and readable, and /metrics counts them.

#![allow(clippy::unwrap_used)]

mod support;

use proto::v2::{Flags, Response};
use proto::StatusCode;
use support::{entry, key, scratch_dir, v2_add, v2_read, Bookie};

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .map(|value| value.trim().parse().unwrap())
        .unwrap_or_else(|| panic!("{name} missing: {text}"))
}

#[test]
fn adds_beyond_the_per_core_bound_get_too_many_requests() {
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &["maxPendingAddRequestsPerThread=1"]);
    let mut client = bookie.connect();
    for entry_id in 0..200 {
        client.send_v2(&v2_add(
            key(b"pw"),
            entry(11, entry_id, b"bounded"),
            Flags::NONE,
        ));
    }
    let (mut ok, mut refused) = (Vec::new(), 0);
    for _ in 0..200 {
        let Response::Add(add) = client.recv_v2() else {
            panic!()
        };
        match add.status {
            StatusCode::Ok => ok.push(add.entry_id),
            StatusCode::TooManyRequests => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(refused > 0, "no add was refused");
    assert!(!ok.is_empty(), "no add was accepted");
    for entry_id in &ok {
        client.send_v2(&v2_read(11, *entry_id, None));
        assert_eq!(client.recv_v2().status(), StatusCode::Ok);
    }
    let (_, metrics) = bookie.http("GET", "/metrics", "");
    assert_eq!(
        metric(&metrics, "bookie_ADD_ENTRY_count{success=\"true\"}"),
        ok.len() as u64
    );
    assert_eq!(
        metric(
            &metrics,
            "bookkeeper_server_ADD_ENTRY_REQUEST_count{success=\"false\"}"
        ),
        refused
    );
    assert_eq!(
        metric(&metrics, "bookie_READ_ENTRY_count{success=\"true\"}"),
        ok.len() as u64
    );
}
