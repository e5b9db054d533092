//! Malformed frames close only the connection that sent them: the bookie logs the reason and
//! keeps serving other connections (spec §1.1; "bad input gets a clear error, never a panic").
//!
//! Method: for each kind of bad input, a healthy connection is opened first, the bad bytes are
//! sent on a second connection, the test waits for the bookie to close the second one, and then
//! checks the healthy connection still adds and reads.

#![allow(clippy::unwrap_used)]

mod support;

use proto::v2::{Flags, Response};
use proto::StatusCode;
use support::{entry, key, scratch_dir, v2_add, v2_read, Bookie};

fn assert_only_that_connection_closes(bookie: &Bookie, bad: &[u8], what: &str, entry_id: i64) {
    let mut healthy = bookie.connect();
    healthy.send_v2(&v2_add(key(b"pw"), entry(1, entry_id, b"ok"), Flags::NONE));
    assert_eq!(healthy.recv_v2().status(), StatusCode::Ok);
    let mut bad_client = bookie.connect();
    bad_client.send_raw(bad);
    assert!(
        bad_client.is_closed_by_bookie(),
        "{what}: the bookie kept the connection open"
    );
    healthy.send_v2(&v2_read(1, entry_id, None));
    let Response::Read(read) = healthy.recv_v2() else {
        panic!("{what}")
    };
    assert_eq!(read.status, StatusCode::Ok, "{what}");
    assert_eq!(read.body, entry(1, entry_id, b"ok"));
}

#[test]
fn malformed_frames_close_only_their_connection() {
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &["frame_bytes_max=1048576"]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "oversized length prefix",
            vec![0xff, 0xff, 0xff, 0xf0, 2, 1, 0, 0],
        ),
        (
            "length just over frame_bytes_max",
            (1_048_577u32).to_be_bytes().to_vec(),
        ),
        ("unknown v2 opcode", vec![0, 0, 0, 4, 2, 9, 0, 0]),
        (
            "v2 READ cut short",
            vec![0, 0, 0, 8, 2, 2, 0, 0, 0, 0, 0, 1],
        ),
        (
            "bad protobuf",
            vec![0, 0, 0, 6, 0x0a, 0x7f, 0xff, 0xff, 0xff, 0xff],
        ),
        ("unknown first byte", vec![0, 0, 0, 2, 0x55, 0x55]),
        ("empty frame", vec![0, 0, 0, 0]),
        (
            "truncated frame then EOF",
            vec![0, 0, 0, 100, 2, 1, 0, 0, 1, 2, 3],
        ),
    ];
    for (index, (what, bytes)) in cases.iter().enumerate() {
        assert_only_that_connection_closes(&bookie, bytes, what, index as i64);
    }
    // The bookie counted them and logged a reason for each.
    let (_, metrics) = bookie.http("GET", "/metrics", "");
    let closed: u64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("bookie_connections_closed_malformed "))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(closed, cases.len() as u64, "{metrics}");
    assert!(bookie.log_text().contains("closing connection"));
}

#[test]
fn a_v3_connection_stays_v3_after_its_first_frame() {
    // Protocol detection is sticky (spec §10 pitfall 13): a v2 frame on a v3 connection is a
    // bad protobuf and closes it.
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 1, &[]);
    let mut client = bookie.connect();
    let response = client.call_v3(
        1,
        support::v3_add(2, 0, key(b"pw"), entry(2, 0, b"x"), false),
    );
    assert_eq!(response.status, StatusCode::Ok);
    client.send_v2(&v2_read(2, 0, None));
    assert!(client.is_closed_by_bookie());
}
