//! Goal: our bookie answers the real BookKeeper 4.16.7 Java client's bytes with the same bytes
//! the real 4.16.7 bookie sent (shared/fixtures/bookkeeper-4.16.7/wire, v2 and v3 runs).
//!
//! Method: the captured client frames are replayed against a fresh bookie process in the
//! order the real run interleaved them (writer frames 0..21, then the recovery client's four
//! frames, then the rest of the writer's), one request at a time as the synchronous client
//! sent them; each response frame must equal the captured one byte for byte. The recovery
//! connection's answers may come in any order (the capture itself has them out of order), so
//! they are compared as a set.

#![allow(clippy::unwrap_used)]

mod support;

use bytes::{Bytes, BytesMut};
use proto::FrameDecoder;
use support::{scratch_dir, Bookie, Client};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/fixtures/bookkeeper-4.16.7/wire"
);
/// The writer's frame answered EFENCED in both runs: the recovery client ran just before it.
const WRITER_FRAMES_BEFORE_RECOVERY: usize = 21;

fn frames(path: &str) -> Vec<Bytes> {
    let mut stream = BytesMut::from(
        std::fs::read(path)
            .unwrap_or_else(|error| panic!("{path}: {error}"))
            .as_slice(),
    );
    let decoder = FrameDecoder::default();
    let mut out = Vec::new();
    while let Some(frame) = decoder.decode(&mut stream).unwrap() {
        out.push(frame);
    }
    assert!(stream.is_empty(), "{path}: trailing bytes");
    out
}

fn framed(payload: &Bytes) -> Vec<u8> {
    let mut out = (payload.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(payload);
    out
}

fn replay_one_by_one(
    client: &mut Client,
    requests: &[Bytes],
    expected: &[Bytes],
    run: &str,
    conn: &str,
    first: usize,
) {
    for (index, (request, expected)) in requests.iter().zip(expected).enumerate() {
        client.send_raw(&framed(request));
        let response = client.recv_frame().unwrap();
        assert_eq!(
            hex::encode(&response),
            hex::encode(expected),
            "{run} {conn} frame {}",
            first + index
        );
    }
}

fn replay_run(run: &str) {
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &[]);
    let writer_requests = frames(&format!("{FIXTURES}/{run}/conn1.client-to-bookie.bin"));
    let writer_responses = frames(&format!("{FIXTURES}/{run}/conn1.bookie-to-client.bin"));
    let recovery_requests = frames(&format!("{FIXTURES}/{run}/conn2.client-to-bookie.bin"));
    let recovery_responses = frames(&format!("{FIXTURES}/{run}/conn2.bookie-to-client.bin"));
    assert_eq!(writer_requests.len(), writer_responses.len());

    let mut writer = bookie.connect();
    let split = WRITER_FRAMES_BEFORE_RECOVERY;
    replay_one_by_one(
        &mut writer,
        &writer_requests[..split],
        &writer_responses[..split],
        run,
        "writer",
        0,
    );

    let mut recovery = bookie.connect();
    let mut answers = Vec::new();
    for request in &recovery_requests {
        recovery.send_raw(&framed(request));
        answers.push(hex::encode(recovery.recv_frame().unwrap()));
    }
    let mut expected: Vec<String> = recovery_responses.iter().map(hex::encode).collect();
    answers.sort();
    expected.sort();
    assert_eq!(answers, expected, "{run} recovery connection");

    replay_one_by_one(
        &mut writer,
        &writer_requests[split..],
        &writer_responses[split..],
        run,
        "writer",
        split,
    );
}

#[test]
fn v3_run_is_answered_byte_for_byte_like_bookkeeper_4_16_7() {
    replay_run("v3");
}

#[test]
fn v2_run_is_answered_byte_for_byte_like_bookkeeper_4_16_7() {
    replay_run("v2");
}
