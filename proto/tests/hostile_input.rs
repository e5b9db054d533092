//! Goal: no decoder panics on any input, and hostile frames are rejected with typed errors.
//! Method: proptest feeds arbitrary bytes, and single-byte mutations and truncations of valid
//! fixture frames, to every decoder; explicit cases cover oversize lengths and unknown opcodes.

mod common;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use proto::availability::AvailabilityOfEntriesOfLedger;
use proto::digest::DIGEST_TYPES_ALL;
use proto::{v2, v3, FrameDecoder, FrameError, MacKey};

/// Runs every decoder on `payload`; only the absence of panics is checked here.
fn decode_everything(payload: &[u8]) {
    let bytes = Bytes::copy_from_slice(payload);
    let _ = proto::detect_protocol(payload);
    let _ = v2::Request::decode(bytes.clone());
    let _ = v2::Response::decode(bytes.clone());
    let _ = v3::Request::decode(bytes.clone());
    let _ = v3::Response::decode(bytes.clone());
    let _ = proto::auth::AuthMessage::decode(bytes);
    let _ = AvailabilityOfEntriesOfLedger::decode(payload);
    let _ = proto::EntryHeader::parse(payload);
    let key = MacKey::from_password(b"fixture-pw");
    for digest in DIGEST_TYPES_ALL {
        let _ = proto::verify_entry_body(digest, &key, payload);
        let _ = proto::lac::verify_lac_body(digest, &key, payload);
    }
}

fn fixture_payloads() -> Vec<Bytes> {
    [
        "v2/conn2.client-to-bookie",
        "v2/conn2.bookie-to-client",
        "v3/conn2.client-to-bookie",
        "v3/conn2.bookie-to-client",
    ]
    .into_iter()
    .flat_map(common::frames)
    .collect()
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_any_decoder(payload in proptest::collection::vec(any::<u8>(), 0..300)) {
        decode_everything(&payload);
    }

    #[test]
    fn arbitrary_streams_never_panic_the_frame_decoder(
        stream in proptest::collection::vec(any::<u8>(), 0..300),
        frame_bytes_max in 0usize..64,
    ) {
        let decoder = FrameDecoder::new(frame_bytes_max);
        let mut buffer = BytesMut::from(&stream[..]);
        while let Ok(Some(frame)) = decoder.decode(&mut buffer) {
            prop_assert!(frame.len() <= frame_bytes_max);
        }
    }

    #[test]
    fn mutated_fixture_frames_never_panic(index in 0usize..16, position in any::<prop::sample::Index>(), value in any::<u8>(), cut in any::<prop::sample::Index>()) {
        let payloads = fixture_payloads();
        let mut payload = payloads[index % payloads.len()].to_vec();
        let at = position.index(payload.len());
        payload[at] = value;
        decode_everything(&payload);
        payload.truncate(cut.index(payload.len() + 1));
        decode_everything(&payload);
    }
}

#[test]
fn every_truncation_of_every_conn2_frame_is_an_error_or_a_shorter_valid_message() {
    // Truncating a frame must never panic; for fixed-layout v2 frames it must be an error.
    for payload in fixture_payloads() {
        for len in 0..payload.len() {
            decode_everything(&payload[..len]);
        }
    }
    for payload in common::frames("v2/conn2.client-to-bookie") {
        for len in 0..payload.len() {
            let result = v2::Request::decode(payload.slice(..len));
            // A READ cut before its key is an error; an ADD cut inside its body is a shorter ADD
            // only if the body still holds the ids.
            if let Ok(v2::Request::Add(add)) = &result {
                assert!(add.body().len() >= v2::ADD_BODY_IDS_BYTES);
            } else {
                assert!(result.is_err(), "len {len}");
            }
        }
    }
}

#[test]
fn oversize_length_prefix_is_rejected_before_the_payload_is_buffered() {
    let decoder = FrameDecoder::default();
    let declared = u32::try_from(proto::FRAME_BYTES_MAX_DEFAULT + 1).expect("fits u32");
    let mut stream = BytesMut::from(&declared.to_be_bytes()[..]);
    let capacity_before = stream.capacity();
    assert_eq!(
        decoder.decode(&mut stream),
        Err(FrameError::Oversize {
            frame_bytes: u64::from(declared),
            frame_bytes_max: proto::FRAME_BYTES_MAX_DEFAULT
        })
    );
    assert_eq!(
        stream.capacity(),
        capacity_before,
        "nothing reserved for a rejected frame"
    );
}

#[test]
fn v2_response_with_unknown_opcode_names_it() {
    assert_eq!(
        v2::Response::decode(Bytes::from_static(&[2, 200, 0, 0])),
        Err(v2::V2DecodeError::UnknownOpcode(200))
    );
}

#[test]
fn v2_decoder_rejects_a_v3_frame_and_v3_decoder_rejects_a_v2_frame() {
    let v3_payload = common::frames("v3/conn2.client-to-bookie")[0].clone();
    assert!(v2::Request::decode(v3_payload).is_err());
    let v2_payload = common::frames("v2/conn2.client-to-bookie")[0].clone();
    assert!(v3::Request::decode(v2_payload).is_err());
}
