//! The client speaks exactly what the real BookKeeper 4.16.7 client sent: every request frame
//! of the fixture transcripts (v3 and v2; writer and recovery connections) re-encodes byte for
//! byte through the client's encoder, and every entry body the real writer sent is rebuilt
//! byte for byte from its payload (same ids, LAC, length, digest and password).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use bytes::{Bytes, BytesMut};
use client::digest::LedgerKeys;
use client::wire::{encode_op, BookieOp, ReadKind};
use client::{DigestType, Protocol};
use proto::v3::{self, RequestBody};
use proto::{v2, EntryHeader};

const PASSWORD: &[u8] = b"fixture-pw";

fn fixture(path: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/bookkeeper-4.16.7/wire");
    std::fs::read(root.join(path)).unwrap()
}

fn frames(stream: &[u8]) -> Vec<Bytes> {
    let mut frames = Vec::new();
    let mut rest = stream;
    while rest.len() >= 4 {
        let length = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        frames.push(Bytes::copy_from_slice(&rest[..4 + length]));
        rest = &rest[4 + length..];
    }
    assert!(rest.is_empty());
    frames
}

/// The ledgers of the fixture workload and their digests (fixture README).
fn digest_of(ledger_id: i64) -> DigestType {
    match ledger_id % 3 {
        0 => DigestType::Crc32c,
        1 => DigestType::Crc32,
        _ => DigestType::Hmac,
    }
}

/// Rebuilds an entry body from its header and payload with the client's encoder.
fn rebuilt_body(body: &[u8]) -> Bytes {
    let header = EntryHeader::parse(body).unwrap();
    let digest = digest_of(header.ledger_id);
    let payload = &body[32 + digest.digest_bytes()..];
    LedgerKeys::new(header.ledger_id, digest, PASSWORD).entry_body(
        header.entry_id,
        header.last_add_confirmed,
        header.length,
        payload,
    )
}

#[test]
fn v3_requests_of_the_real_client_re_encode_byte_identical() {
    let mut checked = 0;
    for conn in [
        "v3/conn1.client-to-bookie.bin",
        "v3/conn2.client-to-bookie.bin",
    ] {
        for frame in frames(&fixture(conn)) {
            let request = v3::Request::decode(frame.slice(4..)).unwrap();
            let priority = request.header.priority.is_some();
            let op = match &request.body {
                RequestBody::Add(add) => {
                    assert_eq!(rebuilt_body(&add.body), add.body, "entry body differs");
                    BookieOp::Add {
                        ledger_id: add.ledger_id,
                        entry_id: add.entry_id,
                        master_key: add.master_key.as_ref().try_into().unwrap(),
                        body: add.body.clone(),
                        recovery: add.flag.is_some(),
                    }
                }
                RequestBody::Read(read) => BookieOp::Read {
                    ledger_id: read.ledger_id,
                    entry_id: read.entry_id,
                    kind: match (read.flag.is_some(), priority) {
                        (false, _) => ReadKind::Normal,
                        (true, false) => ReadKind::Fence,
                        (true, true) => ReadKind::Recovery,
                    },
                    master_key: proto::master_key(PASSWORD),
                },
                RequestBody::ReadLac { ledger_id } => BookieOp::ReadLac {
                    ledger_id: *ledger_id,
                },
                other => panic!("the fixture client sent an unexpected {other:?}"),
            };
            let mut out = BytesMut::new();
            encode_op(Protocol::V3, request.header.txn_id, &op, 1 << 20, &mut out).unwrap();
            assert_eq!(out.freeze(), frame, "{conn}: {op:?}");
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} frames");
}

#[test]
fn v2_requests_of_the_real_client_re_encode_byte_identical() {
    let mut checked = 0;
    for conn in [
        "v2/conn1.client-to-bookie.bin",
        "v2/conn2.client-to-bookie.bin",
    ] {
        for frame in frames(&fixture(conn)) {
            let op = match v2::Request::decode(frame.slice(4..)).unwrap() {
                v2::Request::Add(add) => {
                    assert_eq!(rebuilt_body(add.body()), add.body(), "entry body differs");
                    BookieOp::Add {
                        ledger_id: add.ledger_id(),
                        entry_id: add.entry_id(),
                        master_key: add.master_key,
                        body: add.body().clone(),
                        recovery: add.flags.contains(v2::Flags::RECOVERY_ADD),
                    }
                }
                v2::Request::Read(read) => BookieOp::Read {
                    ledger_id: read.ledger_id,
                    entry_id: read.entry_id,
                    kind: if !read.flags.contains(v2::Flags::DO_FENCING) {
                        ReadKind::Normal
                    } else if read.flags.contains(v2::Flags::HIGH_PRIORITY) {
                        ReadKind::Recovery
                    } else {
                        ReadKind::Fence
                    },
                    master_key: proto::master_key(PASSWORD),
                },
                other => panic!("the fixture client sent an unexpected {other:?}"),
            };
            let mut out = BytesMut::new();
            encode_op(Protocol::V2, 0, &op, 1 << 20, &mut out).unwrap();
            assert_eq!(out.freeze(), frame, "{conn}: {op:?}");
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} frames");
}
