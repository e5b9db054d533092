//! Goal: every request and response type survives encode -> decode unchanged, in both protocol
//! versions, and entry bodies and availability sets round-trip too.
//! Method: proptest strategies generate typed values (bounded sizes), which are encoded as a
//! whole frame, split again with `FrameDecoder`, decoded and compared.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use proto::auth::AuthMessage;
use proto::status::STATUS_CODES_ALL;
use proto::v2;
use proto::v3::{self, OperationType, ProtocolVersion, ResponseBody};
use proto::{FrameDecoder, StatusCode, FRAME_BYTES_MAX_DEFAULT};

fn bytes(max_len: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..max_len).prop_map(Bytes::from)
}

fn status() -> impl Strategy<Value = StatusCode> {
    proptest::sample::select(STATUS_CODES_ALL.to_vec())
}

fn auth_message() -> impl Strategy<Value = AuthMessage> {
    ("[a-zA-Z0-9]{0,16}", bytes(32)).prop_map(|(auth_plugin_name, payload)| AuthMessage {
        auth_plugin_name,
        payload,
    })
}

/// Strips the frame again, checking that exactly one whole frame was written.
fn unframe(out: BytesMut) -> Bytes {
    let mut stream = out;
    let payload = FrameDecoder::default()
        .decode(&mut stream)
        .expect("within limit")
        .expect("one whole frame");
    assert!(stream.is_empty());
    payload
}

// ---- v2 ----

/// (version, flags): version 0 cannot carry flags.
fn v2_version_and_flags() -> impl Strategy<Value = (u8, v2::Flags)> {
    prop_oneof![
        Just((0u8, v2::Flags::NONE)),
        (1u8..=2, any::<u16>()).prop_map(|(v, f)| (v, v2::Flags::from_bits(f)))
    ]
}

fn fencing_key(version: u8, flags: v2::Flags, key: [u8; 20]) -> Option<[u8; 20]> {
    (version >= 2 && flags.contains(v2::Flags::DO_FENCING)).then_some(key)
}

fn v2_request() -> impl Strategy<Value = v2::Request> {
    let add = (
        v2_version_and_flags(),
        any::<[u8; 20]>(),
        proptest::collection::vec(any::<u8>(), 16..80),
    )
        .prop_map(|((version, flags), key, body)| {
            v2::Request::Add(
                v2::AddRequest::new(version, flags, key, Bytes::from(body))
                    .expect("body holds ids"),
            )
        });
    let read = (
        v2_version_and_flags(),
        any::<i64>(),
        any::<i64>(),
        any::<[u8; 20]>(),
    )
        .prop_map(|((version, flags), ledger_id, entry_id, key)| {
            let master_key = fencing_key(version, flags, key);
            v2::Request::Read(v2::ReadRequest {
                version,
                flags,
                ledger_id,
                entry_id,
                master_key,
            })
        });
    let auth = (v2_version_and_flags(), auth_message()).prop_map(|((version, flags), message)| {
        v2::Request::Auth(v2::AuthRequest {
            version,
            flags,
            message,
        })
    });
    let batch = (
        v2_version_and_flags(),
        any::<(i64, i64, i64, i32, i64)>(),
        any::<[u8; 20]>(),
    )
        .prop_map(
            |(
                (version, flags),
                (ledger_id, start_entry_id, request_id, max_count, max_size_bytes),
                key,
            )| {
                v2::Request::BatchRead(v2::BatchReadRequest {
                    version,
                    flags,
                    ledger_id,
                    start_entry_id,
                    request_id,
                    max_count,
                    max_size_bytes,
                    master_key: fencing_key(version, flags, key),
                })
            },
        );
    prop_oneof![add, read, auth, batch]
}

fn v2_response() -> impl Strategy<Value = v2::Response> {
    let version = 0u8..=2;
    let add = (version.clone(), status(), any::<i64>(), any::<i64>()).prop_map(
        |(version, status, ledger_id, entry_id)| {
            v2::Response::Add(v2::AddResponse {
                version,
                status,
                ledger_id,
                entry_id,
            })
        },
    );
    let read = (
        version.clone(),
        status(),
        any::<i64>(),
        any::<i64>(),
        bytes(64),
    )
        .prop_map(|(version, status, ledger_id, entry_id, body)| {
            v2::Response::Read(v2::ReadResponse {
                version,
                status,
                ledger_id,
                entry_id,
                body,
            })
        });
    let auth = (version.clone(), auth_message())
        .prop_map(|(version, message)| v2::Response::Auth(v2::AuthResponse { version, message }));
    let entries = proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..24), 0..6);
    let batch = (version, status(), any::<(i64, i64, i64)>(), entries).prop_map(
        |(version, status, (ledger_id, start_entry_id, request_id), entries)| {
            let entries = v2::BatchEntries::from_entries(entries.iter().map(Vec::as_slice));
            v2::Response::BatchRead(v2::BatchReadResponse {
                version,
                status,
                ledger_id,
                start_entry_id,
                request_id,
                entries,
            })
        },
    );
    prop_oneof![add, read, auth, batch]
}

// ---- v3 ----

fn protocol_version() -> impl Strategy<Value = ProtocolVersion> {
    proptest::sample::select(vec![
        ProtocolVersion::VersionOne,
        ProtocolVersion::VersionTwo,
        ProtocolVersion::VersionThree,
    ])
}

fn v3_request_body() -> impl Strategy<Value = v3::RequestBody> {
    let read_flag = proptest::option::of(proptest::sample::select(vec![
        v3::ReadFlag::FenceLedger,
        v3::ReadFlag::EntryPiggyback,
    ]));
    let read = (
        any::<(i64, i64)>(),
        proptest::option::of(bytes(24)),
        any::<(Option<i64>, Option<i64>)>(),
        read_flag,
    )
        .prop_map(
            |((ledger_id, entry_id), master_key, (previous_lac, timeout_ms), flag)| {
                v3::RequestBody::Read(v3::ReadRequest {
                    ledger_id,
                    entry_id,
                    master_key,
                    previous_lac,
                    timeout_ms,
                    flag,
                })
            },
        );
    let add_flag = proptest::option::of(Just(v3::AddFlag::RecoveryAdd));
    let add = (
        any::<(i64, i64)>(),
        bytes(24),
        bytes(80),
        any::<Option<i32>>(),
        add_flag,
    )
        .prop_map(
            |((ledger_id, entry_id), master_key, body, write_flags, flag)| {
                v3::RequestBody::Add(v3::AddRequest {
                    ledger_id,
                    entry_id,
                    master_key,
                    body,
                    write_flags,
                    flag,
                })
            },
        );
    let write_lac = (any::<(i64, i64)>(), bytes(24), bytes(40)).prop_map(
        |((ledger_id, lac), master_key, body)| {
            v3::RequestBody::WriteLac(v3::WriteLacRequest {
                ledger_id,
                lac,
                master_key,
                body,
            })
        },
    );
    prop_oneof![
        read,
        add,
        write_lac,
        auth_message().prop_map(v3::RequestBody::Auth),
        any::<i64>().prop_map(|ledger_id| v3::RequestBody::ReadLac { ledger_id }),
        any::<Option<i64>>().prop_map(|requested| v3::RequestBody::GetBookieInfo { requested }),
        Just(v3::RequestBody::StartTls),
        any::<i64>().prop_map(|ledger_id| v3::RequestBody::ForceLedger { ledger_id }),
        any::<i64>().prop_map(|ledger_id| v3::RequestBody::GetListOfEntriesOfLedger { ledger_id }),
    ]
}

fn v3_request() -> impl Strategy<Value = v3::Request> {
    let context = proptest::collection::vec(("[a-z]{0,8}", "[ -~]{0,8}"), 0..3);
    (
        protocol_version(),
        any::<u64>(),
        any::<Option<u32>>(),
        v3_request_body(),
        context,
    )
        .prop_map(|(version, txn_id, priority, body, context)| v3::Request {
            header: v3::RequestHeader {
                version,
                txn_id,
                priority,
            },
            body,
            context: context
                .into_iter()
                .map(|(key, value)| v3::ContextPair { key, value })
                .collect(),
        })
}

fn v3_response_body() -> impl Strategy<Value = ResponseBody> {
    let read = (
        status(),
        any::<(i64, i64)>(),
        proptest::option::of(bytes(64)),
        any::<(Option<i64>, Option<i64>)>(),
    )
        .prop_map(
            |(status, (ledger_id, entry_id), body, (max_lac, lac_update_timestamp))| {
                ResponseBody::Read(v3::ReadResponse {
                    status,
                    ledger_id,
                    entry_id,
                    body,
                    max_lac,
                    lac_update_timestamp,
                })
            },
        );
    let add = (status(), any::<(i64, i64)>()).prop_map(|(status, (ledger_id, entry_id))| {
        ResponseBody::Add(v3::AddResponse {
            status,
            ledger_id,
            entry_id,
        })
    });
    let ledger_status = || {
        (status(), any::<i64>())
            .prop_map(|(status, ledger_id)| v3::LedgerStatusResponse { status, ledger_id })
    };
    let read_lac = (
        status(),
        any::<i64>(),
        proptest::option::of(bytes(40)),
        proptest::option::of(bytes(64)),
    )
        .prop_map(|(status, ledger_id, lac_body, last_entry_body)| {
            ResponseBody::ReadLac(v3::ReadLacResponse {
                status,
                ledger_id,
                lac_body,
                last_entry_body,
            })
        });
    let info =
        (status(), any::<(Option<i64>, Option<i64>)>()).prop_map(|(status, (total, free))| {
            ResponseBody::GetBookieInfo(v3::GetBookieInfoResponse {
                status,
                total_disk_capacity_bytes: total,
                free_disk_space_bytes: free,
            })
        });
    let list = (status(), any::<i64>(), proptest::option::of(bytes(64))).prop_map(
        |(status, ledger_id, availability)| {
            ResponseBody::GetListOfEntriesOfLedger(v3::GetListOfEntriesOfLedgerResponse {
                status,
                ledger_id,
                availability,
            })
        },
    );
    prop_oneof![
        read,
        add,
        auth_message().prop_map(ResponseBody::Auth),
        ledger_status().prop_map(ResponseBody::WriteLac),
        read_lac,
        info,
        Just(ResponseBody::StartTls),
        ledger_status().prop_map(ResponseBody::ForceLedger),
        list,
    ]
}

fn v3_response() -> impl Strategy<Value = v3::Response> {
    let with_body = || {
        (any::<u64>(), v3_response_body())
            .prop_map(|(txn_id, body)| v3::Response::answering(txn_id, body))
    };
    let operations = vec![
        OperationType::ReadEntry,
        OperationType::AddEntry,
        OperationType::BatchReadEntry,
        OperationType::StartTls,
    ];
    let status_only = (any::<u64>(), proptest::sample::select(operations), status()).prop_map(
        |(txn_id, operation, status)| {
            v3::Response::status_only(v3::ResponseHeader::answering(operation, txn_id), status)
        },
    );
    let with_odd_header = (with_body(), protocol_version(), any::<Option<u32>>()).prop_map(
        |(mut response, version, priority)| {
            response.header.version = version;
            response.header.priority = priority;
            response
        },
    );
    prop_oneof![with_body(), status_only, with_odd_header]
}

proptest! {
    #[test]
    fn v2_requests_round_trip(request in v2_request()) {
        let mut out = BytesMut::new();
        request.encode_frame(FRAME_BYTES_MAX_DEFAULT, &mut out).expect("fits");
        prop_assert_eq!(v2::Request::decode(unframe(out)), Ok(request));
    }

    #[test]
    fn v2_responses_round_trip(response in v2_response()) {
        let mut out = BytesMut::new();
        response.encode_frame(FRAME_BYTES_MAX_DEFAULT, &mut out).expect("fits");
        prop_assert_eq!(v2::Response::decode(unframe(out)), Ok(response));
    }

    #[test]
    fn v3_requests_round_trip(request in v3_request()) {
        let mut out = BytesMut::new();
        request.encode_frame(FRAME_BYTES_MAX_DEFAULT, &mut out).expect("fits");
        prop_assert_eq!(v3::Request::decode(unframe(out)), Ok(request));
    }

    #[test]
    fn v3_responses_round_trip(response in v3_response()) {
        let mut out = BytesMut::new();
        response.encode_frame(FRAME_BYTES_MAX_DEFAULT, &mut out).expect("fits");
        prop_assert_eq!(v3::Response::decode(unframe(out)), Ok(response));
    }

    #[test]
    fn entry_bodies_round_trip_for_every_digest(
        digest in proptest::sample::select(proto::digest::DIGEST_TYPES_ALL.to_vec()),
        password in proptest::collection::vec(any::<u8>(), 0..16),
        ids in any::<(i64, i64, i64, i64)>(),
        payload in proptest::collection::vec(any::<u8>(), 0..128),
    ) {
        let key = proto::MacKey::from_password(&password);
        let header = proto::EntryHeader { ledger_id: ids.0, entry_id: ids.1, last_add_confirmed: ids.2, length: ids.3 };
        let body = proto::make_entry_body(digest, &key, &header, &payload);
        let parsed = proto::verify_entry_body(digest, &key, &body).expect("own body verifies");
        prop_assert_eq!(parsed.header, header);
        prop_assert_eq!(parsed.payload, &payload[..]);
    }

    #[test]
    fn availability_round_trips_and_lists_exactly_its_entries(
        mut entries in proptest::collection::vec(0i64..500, 0..60),
    ) {
        entries.sort_unstable();
        entries.dedup();
        let set = proto::availability::AvailabilityOfEntriesOfLedger::from_sorted_entries(entries.iter().copied())
            .expect("sorted");
        prop_assert_eq!(set.entries().collect::<Vec<_>>(), entries.clone());
        prop_assert_eq!(set.total_entries(), entries.len() as u64);
        for probe in 0..510 {
            prop_assert_eq!(set.contains(probe), entries.binary_search(&probe).is_ok());
        }
        let decoded = proto::availability::AvailabilityOfEntriesOfLedger::decode(&set.encode());
        prop_assert_eq!(decoded, Ok(set));
    }
}
