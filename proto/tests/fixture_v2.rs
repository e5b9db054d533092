//! Goal: every v2 frame captured from the real BookKeeper 4.16.7 decodes to what the independent
//! listing says, re-encodes byte for byte, and carries entry bodies whose digests verify.
//! Method: split each `.bin` stream with `FrameDecoder`, decode requests and responses with
//! `proto::v2`, compare with the parsed `.txt` listing, re-encode and compare the payload bytes.

mod common;

use bytes::BytesMut;
use common::{frames, listings, verify_fixture_body, FIXTURE_MASTER_KEY_HEX, FRAME_COUNTS};
use proto::v2::{Request, Response};
use proto::{detect_protocol, StatusCode, WireProtocol};

#[test]
fn every_v2_request_frame_decodes_matches_the_listing_and_re_encodes_identically() {
    for (connection, request_count, _) in FRAME_COUNTS {
        let name = format!("v2/{connection}.client-to-bookie");
        let (frames, listings) = (frames(&name), listings(&name));
        assert_eq!(frames.len(), request_count, "{name}");
        assert_eq!(listings.len(), request_count, "{name}");
        assert_eq!(detect_protocol(&frames[0]), Ok(WireProtocol::V2));
        for (index, (payload, listing)) in frames.iter().zip(&listings).enumerate() {
            let request = Request::decode(payload.clone())
                .unwrap_or_else(|error| panic!("{name}[{index}]: {error}"));
            let header = request.header();
            assert_eq!(
                i32::from(header.opcode.value()),
                listing.operation,
                "{name}[{index}]"
            );
            assert_eq!(header.version, 2);
            assert_eq!(Some(header.flags.bits()), listing.flags, "{name}[{index}]");
            match &request {
                Request::Add(add) => {
                    assert_eq!(hex::encode(add.master_key), FIXTURE_MASTER_KEY_HEX);
                    let (ledger_id, entry_id, _) = verify_fixture_body(add.body());
                    assert_eq!((add.ledger_id(), add.entry_id()), (ledger_id, entry_id));
                    assert_eq!(
                        (Some(ledger_id), Some(entry_id)),
                        (listing.ledger_id, listing.entry_id)
                    );
                }
                Request::Read(read) => {
                    assert_eq!(
                        (Some(read.ledger_id), Some(read.entry_id)),
                        (listing.ledger_id, listing.entry_id)
                    );
                    let fencing = read.flags.contains(proto::v2::Flags::DO_FENCING);
                    assert_eq!(read.master_key.is_some(), fencing, "{name}[{index}]");
                    if let Some(key) = read.master_key {
                        assert_eq!(hex::encode(key), FIXTURE_MASTER_KEY_HEX);
                    }
                }
                other => panic!("{name}[{index}]: unexpected {other:?}"),
            }
            let mut reencoded = BytesMut::new();
            request.encode(&mut reencoded);
            assert_eq!(
                &reencoded[..],
                &payload[..],
                "{name}[{index}] re-encodes byte for byte"
            );
        }
    }
}

#[test]
fn every_v2_response_frame_decodes_matches_the_listing_and_re_encodes_identically() {
    for (connection, _, response_count) in FRAME_COUNTS {
        let name = format!("v2/{connection}.bookie-to-client");
        let (frames, listings) = (frames(&name), listings(&name));
        assert_eq!(frames.len(), response_count, "{name}");
        assert_eq!(listings.len(), response_count, "{name}");
        for (index, (payload, listing)) in frames.iter().zip(&listings).enumerate() {
            let response = Response::decode(payload.clone())
                .unwrap_or_else(|error| panic!("{name}[{index}]: {error}"));
            assert_eq!(
                i32::from(response.header().opcode.value()),
                listing.operation,
                "{name}[{index}]"
            );
            assert_eq!(
                Some(response.status().v2_rc()),
                listing.status,
                "{name}[{index}]"
            );
            match &response {
                Response::Add(add) => {
                    assert_eq!(
                        (Some(add.ledger_id), Some(add.entry_id)),
                        (listing.ledger_id, listing.entry_id)
                    );
                }
                Response::Read(read) => {
                    assert_eq!(
                        (Some(read.ledger_id), Some(read.entry_id)),
                        (listing.ledger_id, listing.entry_id)
                    );
                    if read.status == StatusCode::Ok {
                        let (ledger_id, entry_id, _) = verify_fixture_body(&read.body);
                        assert_eq!(ledger_id, read.ledger_id);
                        // A read of entry -1 returns the last entry (9) under the requested id.
                        assert!(read.entry_id == -1 || read.entry_id == entry_id);
                    } else {
                        assert!(read.body.is_empty(), "error responses carry no body");
                    }
                }
                other => panic!("{name}[{index}]: unexpected {other:?}"),
            }
            let mut reencoded = BytesMut::new();
            response.encode(&mut reencoded);
            assert_eq!(
                &reencoded[..],
                &payload[..],
                "{name}[{index}] re-encodes byte for byte"
            );
        }
    }
}

#[test]
fn v2_recovery_traffic_uses_the_flags_the_real_client_sends() {
    let requests = frames("v2/conn2.client-to-bookie");
    let flags: Vec<u16> = requests
        .iter()
        .map(|payload| {
            Request::decode(payload.clone())
                .expect("decodes")
                .header()
                .flags
                .bits()
        })
        .collect();
    // Fencing LAC read (not high priority), recovery read, recovery add, recovery read.
    assert_eq!(flags, vec![0x0001, 0x0005, 0x0006, 0x0005]);
}

#[test]
fn fenced_add_of_the_old_writer_is_answered_efenced() {
    let responses = frames("v2/conn1.bookie-to-client");
    let fenced: Vec<Response> = responses
        .iter()
        .map(|payload| Response::decode(payload.clone()).expect("decodes"))
        .filter(|response| response.status() == StatusCode::Fenced)
        .collect();
    assert_eq!(fenced.len(), 1);
    assert!(matches!(&fenced[0], Response::Add(add) if add.ledger_id == 3 && add.entry_id == 10));
}
