//! Unit tests for the v3 codec: the worked bytes of spec §1.5 and hostile messages.

use bytes::{Bytes, BytesMut};
use prost::Message;

use super::*;
use crate::entry::{make_entry_body, EntryHeader};
use crate::frame::FRAME_BYTES_MAX_DEFAULT;
use crate::keys::master_key;
use crate::{DigestType, MacKey, StatusCode};

fn spec_add_request() -> Request {
    let header = EntryHeader {
        ledger_id: 1,
        entry_id: 0,
        last_add_confirmed: -1,
        length: 5,
    };
    let body = make_entry_body(
        DigestType::Crc32c,
        &MacKey::from_password(b""),
        &header,
        b"hello",
    );
    Request::new(
        7,
        RequestBody::Add(AddRequest {
            ledger_id: 1,
            entry_id: 0,
            master_key: Bytes::copy_from_slice(&master_key(b"")),
            body: Bytes::from(body),
            write_flags: None,
            flag: None,
        }),
    )
}

fn wire_bytes(message: &impl Message) -> Bytes {
    Bytes::from(message.encode_to_vec())
}

fn header(operation: i32) -> Option<wire::BkPacketHeader> {
    Some(wire::BkPacketHeader {
        version: Some(3),
        operation: Some(operation),
        txn_id: Some(42),
        priority: None,
    })
}

#[test]
fn spec_worked_v3_add_request_matches_byte_for_byte() {
    let mut out = BytesMut::new();
    spec_add_request()
        .encode_frame(FRAME_BYTES_MAX_DEFAULT, &mut out)
        .expect("fits");
    let expected = "00000050".to_owned()
        + "0a06080310021807"
        + "aa0645"
        + "08011000"
        + "1a14850bf1071c5e3d8c24235676f8816ae0cbe2f14f"
        + "2229"
        + "00000000000000010000000000000000ffffffffffffffff0000000000000005e3a5f74d68656c6c6f";
    assert_eq!(hex::encode(&out), expected);
    assert_eq!(out.len(), 84);
    assert_eq!(
        Request::decode(out.freeze().slice(4..)),
        Ok(spec_add_request())
    );
}

#[test]
fn spec_worked_v3_add_response_matches_byte_for_byte() {
    let request = spec_add_request();
    let response = Response::answering(
        request.header.txn_id,
        ResponseBody::Add(AddResponse {
            status: StatusCode::Ok,
            ledger_id: 1,
            entry_id: 0,
        }),
    );
    assert_eq!(response.header, request.response_header());
    let mut out = BytesMut::new();
    response
        .encode_frame(FRAME_BYTES_MAX_DEFAULT, &mut out)
        .expect("fits");
    assert_eq!(
        hex::encode(&out),
        "000000130a060803100218071000aa0606080010011800"
    );
    assert_eq!(Response::decode(out.freeze().slice(4..)), Ok(response));
}

#[test]
fn truncated_protobuf_is_a_protobuf_error() {
    let mut out = BytesMut::new();
    spec_add_request().encode(&mut out);
    for len in [1, 5, 20, out.len() - 1] {
        let result = Request::decode(out.clone().freeze().slice(..len));
        assert!(
            matches!(result, Err(V3DecodeError::Protobuf(_))),
            "{len}: {result:?}"
        );
    }
}

#[test]
fn huge_declared_length_inside_protobuf_is_rejected_without_allocating_it() {
    // Header, then field 101 (addRequest) declaring 0xffffffff bytes with only 2 present.
    let mut payload = hex::decode("0a06080310021807aa06ffffffff0f").expect("hex");
    payload.extend_from_slice(&[0x08, 0x01]);
    let result = Request::decode(Bytes::from(payload));
    assert!(
        matches!(result, Err(V3DecodeError::Protobuf(_))),
        "{result:?}"
    );
    // A body field inside the add request declaring 2^62 bytes.
    let payload = hex::decode("0a06080310021807aa060e0801100022808080808080808040").expect("hex");
    let result = Request::decode(Bytes::from(payload));
    assert!(
        matches!(result, Err(V3DecodeError::Protobuf(_))),
        "{result:?}"
    );
}

#[test]
fn missing_header_is_a_missing_field() {
    let message = wire::Request {
        read_lac_request: Some(wire::ReadLacRequest { ledger_id: Some(1) }),
        ..Default::default()
    };
    assert_eq!(
        Request::decode(wire_bytes(&message)),
        Err(V3DecodeError::MissingField("Request.header"))
    );
}

#[test]
fn missing_txn_id_is_a_missing_field() {
    let mut message = spec_add_request().to_wire();
    if let Some(header) = message.header.as_mut() {
        header.txn_id = None;
    }
    assert_eq!(
        Request::decode(wire_bytes(&message)),
        Err(V3DecodeError::MissingField("BKPacketHeader.txnId"))
    );
}

#[test]
fn operation_without_its_inner_request_is_a_missing_field() {
    let message = wire::Request {
        header: header(OperationType::AddEntry as i32),
        ..Default::default()
    };
    assert_eq!(
        Request::decode(wire_bytes(&message)),
        Err(V3DecodeError::MissingField("Request.addRequest"))
    );
}

#[test]
fn add_without_body_is_a_missing_field() {
    let mut message = spec_add_request().to_wire();
    if let Some(add) = message.add_request.as_mut() {
        add.body = None;
    }
    assert_eq!(
        Request::decode(wire_bytes(&message)),
        Err(V3DecodeError::MissingField("AddRequest.body"))
    );
}

#[test]
fn read_without_entry_id_is_a_missing_field() {
    let message = wire::Request {
        header: header(OperationType::ReadEntry as i32),
        read_request: Some(wire::ReadRequest {
            ledger_id: Some(1),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        Request::decode(wire_bytes(&message)),
        Err(V3DecodeError::MissingField("ReadRequest.entryId"))
    );
}

#[test]
fn unknown_operation_keeps_the_txn_id_for_an_ebadreq_answer() {
    let message = wire::Request {
        header: header(99),
        ..Default::default()
    };
    let error = Request::decode(wire_bytes(&message)).expect_err("unknown op");
    assert_eq!(
        error,
        V3DecodeError::UnknownOperation {
            txn_id: 42,
            operation: 99
        }
    );
    assert_eq!(error.unanswered_operation(), Some((42, 99)));

    let mut out = BytesMut::new();
    encode_bad_request_response(42, 99, &mut out);
    let answer = wire::Response::decode(out.freeze()).expect("valid protobuf");
    assert_eq!(answer.status, Some(StatusCode::BadRequest.v3_value()));
    assert_eq!(
        answer.header,
        Some(wire::BkPacketHeader {
            version: Some(3),
            operation: Some(99),
            txn_id: Some(42),
            priority: None
        })
    );
}

#[test]
fn batch_read_over_v3_is_unsupported_and_answerable() {
    let message = wire::Request {
        header: header(OperationType::BatchReadEntry as i32),
        ..Default::default()
    };
    let error = Request::decode(wire_bytes(&message)).expect_err("unsupported op");
    assert_eq!(
        error,
        V3DecodeError::UnsupportedOperation {
            txn_id: 42,
            operation: OperationType::BatchReadEntry
        }
    );
    assert_eq!(error.unanswered_operation(), Some((42, 12)));
}

#[test]
fn unknown_enum_values_name_their_field() {
    let mut message = spec_add_request().to_wire();
    if let Some(header) = message.header.as_mut() {
        header.version = Some(4);
    }
    let result = Request::decode(wire_bytes(&message));
    assert_eq!(
        result,
        Err(V3DecodeError::UnknownEnumValue {
            field: "BKPacketHeader.version",
            value: 4
        })
    );

    let mut message = spec_add_request().to_wire();
    if let Some(add) = message.add_request.as_mut() {
        add.flag = Some(7);
    }
    let result = Request::decode(wire_bytes(&message));
    assert_eq!(
        result,
        Err(V3DecodeError::UnknownEnumValue {
            field: "AddRequest.flag",
            value: 7
        })
    );
}

#[test]
fn response_with_unknown_status_is_rejected() {
    let message = wire::Response {
        header: header(OperationType::AddEntry as i32),
        status: Some(999),
        ..Default::default()
    };
    let result = Response::decode(wire_bytes(&message));
    assert_eq!(
        result,
        Err(V3DecodeError::UnknownEnumValue {
            field: "Response.status",
            value: 999
        })
    );
}

#[test]
fn response_without_inner_message_decodes_as_status_only() {
    let request_header = ResponseHeader::answering(OperationType::ReadEntry, 5);
    let response = Response::status_only(request_header, StatusCode::BadRequest);
    let mut out = BytesMut::new();
    response.encode(&mut out);
    assert_eq!(Response::decode(out.freeze()), Ok(response));
}

#[test]
fn inner_response_missing_a_required_field_is_rejected() {
    let message = wire::Response {
        header: header(OperationType::AddEntry as i32),
        status: Some(0),
        add_response: Some(wire::AddResponse {
            status: Some(0),
            ledger_id: Some(1),
            entry_id: None,
        }),
        ..Default::default()
    };
    assert_eq!(
        Response::decode(wire_bytes(&message)),
        Err(V3DecodeError::MissingField("AddResponse.entryId"))
    );
}

#[test]
fn context_pair_without_value_is_rejected() {
    let mut message = spec_add_request().to_wire();
    message.request_context.push(wire::ContextPair {
        key: Some("k".into()),
        value: None,
    });
    assert_eq!(
        Request::decode(wire_bytes(&message)),
        Err(V3DecodeError::MissingField("ContextPair.value"))
    );
}

#[test]
fn version_two_header_still_decodes_so_the_server_can_answer_ebadversion() {
    let mut request = spec_add_request();
    request.header.version = ProtocolVersion::VersionTwo;
    let mut out = BytesMut::new();
    request.encode(&mut out);
    let decoded = Request::decode(out.freeze()).expect("decodes");
    assert_eq!(decoded.header.version, ProtocolVersion::VersionTwo);
    assert_eq!(
        decoded.response_header().version,
        ProtocolVersion::VersionThree
    );
}

#[test]
fn auth_request_without_payload_is_rejected() {
    let message = wire::Request {
        header: header(OperationType::Auth as i32),
        auth_request: Some(wire::AuthMessage {
            auth_plugin_name: Some("p".into()),
            payload: None,
        }),
        ..Default::default()
    };
    let result = Request::decode(wire_bytes(&message));
    assert!(matches!(result, Err(V3DecodeError::Auth(_))), "{result:?}");
}

#[test]
fn too_many_context_pairs_are_rejected_before_decoding() {
    let mut message = spec_add_request().to_wire();
    let pair = wire::ContextPair {
        key: Some(String::new()),
        value: Some(String::new()),
    };
    message.request_context = vec![pair; REQUEST_CONTEXT_PAIRS_MAX];
    let decoded = Request::decode(wire_bytes(&message)).expect("at the bound decodes");
    assert_eq!(decoded.context.len(), REQUEST_CONTEXT_PAIRS_MAX);

    // Empty pairs are 3 bytes each on the wire (tag 0xc2 0x0c, length 0).
    let mut payload = wire_bytes(&spec_add_request().to_wire()).to_vec();
    for _ in 0..=REQUEST_CONTEXT_PAIRS_MAX {
        payload.extend_from_slice(&[0xc2, 0x0c, 0x00]);
    }
    assert_eq!(
        Request::decode(Bytes::from(payload)),
        Err(V3DecodeError::TooManyContextPairs {
            context_pairs: REQUEST_CONTEXT_PAIRS_MAX + 1,
            context_pairs_max: REQUEST_CONTEXT_PAIRS_MAX,
        })
    );
}
