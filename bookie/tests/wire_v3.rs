//! Protocol v3 against a real bookie process: every operation of spec §1.4 (ADD, READ with
//! maxLAC, fencing READ without maxLAC, long poll, piggyback, WRITE_LAC/READ_LAC,
//! FORCE_LEDGER, GET_BOOKIE_INFO, GET_LIST_OF_ENTRIES_OF_LEDGER, AUTH, START_TLS, unknown
//! operation) and fencing with recovery adds.

#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use bytes::Bytes;
use proto::availability::AvailabilityOfEntriesOfLedger;
use proto::v3::{ReadFlag, RequestBody, ResponseBody, WriteLacRequest};
use proto::StatusCode;
use support::{entry, key, scratch_dir, v3_add, v3_read, Bookie};

fn read_body(response: proto::v3::Response) -> proto::v3::ReadResponse {
    match response.body {
        Some(ResponseBody::Read(read)) => read,
        other => panic!("expected a read response, got {other:?}"),
    }
}

#[test]
fn add_read_and_ledger_queries_follow_spec_section_1_4() {
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &[]);
    let mut client = bookie.connect();
    let master_key = key(b"pw");
    for entry_id in 0..5 {
        let response = client.call_v3(
            entry_id as u64 + 1,
            v3_add(9, entry_id, master_key, entry(9, entry_id, b"v3"), false),
        );
        assert_eq!(response.status, StatusCode::Ok);
        assert!(
            matches!(response.body, Some(ResponseBody::Add(add)) if add.entry_id == entry_id && add.ledger_id == 9)
        );
    }
    // A normal read carries maxLAC (the highest LAC seen: entry 4 carries LAC 3).
    let read = read_body(client.call_v3(10, RequestBody::Read(v3_read(9, 2))));
    assert_eq!(
        (read.status, read.entry_id, read.max_lac),
        (StatusCode::Ok, 2, Some(3))
    );
    assert_eq!(read.body, Some(entry(9, 2, b"v3")));
    let last = read_body(client.call_v3(11, RequestBody::Read(v3_read(9, -1))));
    assert_eq!((last.entry_id, last.body), (-1, Some(entry(9, 4, b"v3"))));
    let missing = read_body(client.call_v3(12, RequestBody::Read(v3_read(9, 50))));
    assert_eq!(missing.status, StatusCode::NoEntry);
    let unknown = client.call_v3(13, RequestBody::Read(v3_read(4040, 0)));
    assert_eq!(unknown.status, StatusCode::NoLedger);

    // Explicit LAC.
    let blob = Bytes::from_static(b"0123456789abcdef-lac-blob");
    let write = WriteLacRequest {
        ledger_id: 9,
        lac: 3,
        master_key: Bytes::copy_from_slice(&master_key),
        body: blob.clone(),
    };
    let response = client.call_v3(14, RequestBody::WriteLac(write));
    assert!(
        matches!(response.body, Some(ResponseBody::WriteLac(status)) if status.status == StatusCode::Ok)
    );
    let response = client.call_v3(15, RequestBody::ReadLac { ledger_id: 9 });
    let Some(ResponseBody::ReadLac(read_lac)) = response.body else {
        panic!()
    };
    assert_eq!(read_lac.lac_body, Some(blob));
    assert_eq!(read_lac.last_entry_body, Some(entry(9, 4, b"v3")));
    assert_eq!(
        client
            .call_v3(16, RequestBody::ReadLac { ledger_id: 4041 })
            .status,
        StatusCode::NoLedger
    );

    // Force ledger.
    let response = client.call_v3(17, RequestBody::ForceLedger { ledger_id: 9 });
    assert!(
        matches!(response.body, Some(ResponseBody::ForceLedger(status)) if status.status == StatusCode::Ok)
    );

    // Entry list.
    let response = client.call_v3(18, RequestBody::GetListOfEntriesOfLedger { ledger_id: 9 });
    let Some(ResponseBody::GetListOfEntriesOfLedger(list)) = response.body else {
        panic!()
    };
    let availability = AvailabilityOfEntriesOfLedger::decode(&list.availability.unwrap()).unwrap();
    assert_eq!(
        availability.entries().collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );

    // Bookie info: real disk space.
    let response = client.call_v3(19, RequestBody::GetBookieInfo { requested: Some(3) });
    let Some(ResponseBody::GetBookieInfo(info)) = response.body else {
        panic!()
    };
    let (free, total) = (
        info.free_disk_space_bytes.unwrap(),
        info.total_disk_capacity_bytes.unwrap(),
    );
    assert!(free > 0 && total >= free, "free {free} total {total}");
}

#[test]
fn auth_start_tls_and_unknown_operations_get_clear_answers() {
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 1, &[]);
    let mut client = bookie.connect();
    let message = proto::auth::AuthMessage {
        auth_plugin_name: "SASL".to_owned(),
        payload: Bytes::new(),
    };
    let response = client.call_v3(1, RequestBody::Auth(message));
    assert!(
        matches!(response.body, Some(ResponseBody::Auth(auth)) if auth.auth_plugin_name == "AuthDisabledPlugin")
    );
    let response = client.call_v3(2, RequestBody::StartTls);
    assert_eq!(response.status, StatusCode::BadRequest);
    // Operation 3 (RANGE_READ_ENTRY) is never served: EBADREQ, and the connection stays up.
    // Header {version 3, operation 3, txnId 3} + nothing else.
    let frame = [0, 0, 0, 8, 0x0a, 0x06, 0x08, 0x03, 0x10, 0x03, 0x18, 0x03];
    client.send_raw(&frame);
    let response = client.recv_v3();
    assert_eq!(
        (response.status, response.header.txn_id),
        (StatusCode::BadRequest, 3)
    );
    let response = client.call_v3(4, v3_add(1, 0, key(b"pw"), entry(1, 0, b"after"), false));
    assert_eq!(response.status, StatusCode::Ok);
}

#[test]
fn fencing_read_has_no_max_lac_and_blocks_later_plain_adds() {
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &[]);
    let master_key = key(b"pw");
    let mut writer = bookie.connect();
    for entry_id in 0..3 {
        assert_eq!(
            writer
                .call_v3(
                    entry_id as u64,
                    v3_add(21, entry_id, master_key, entry(21, entry_id, b"w"), false)
                )
                .status,
            StatusCode::Ok
        );
    }
    let mut recovery = bookie.connect();
    let mut fence = v3_read(21, -1);
    fence.flag = Some(ReadFlag::FenceLedger);
    let no_key = recovery.call_v3(100, RequestBody::Read(fence.clone()));
    assert_eq!(no_key.status, StatusCode::Unauthorized);
    fence.master_key = Some(Bytes::copy_from_slice(&master_key));
    let fenced = read_body(recovery.call_v3(101, RequestBody::Read(fence)));
    assert_eq!((fenced.status, fenced.max_lac), (StatusCode::Ok, None));
    assert_eq!(fenced.body, Some(entry(21, 2, b"w")));
    assert_eq!(
        writer
            .call_v3(5, v3_add(21, 3, master_key, entry(21, 3, b"w"), false))
            .status,
        StatusCode::Fenced
    );
    assert_eq!(
        recovery
            .call_v3(102, v3_add(21, 3, master_key, entry(21, 3, b"w"), true))
            .status,
        StatusCode::Ok
    );
    assert_eq!(
        writer
            .call_v3(6, v3_add(21, 4, key(b"other"), entry(21, 4, b"w"), true))
            .status,
        StatusCode::Unauthorized
    );
}

#[test]
fn long_poll_read_waits_for_the_lac_to_advance() {
    // Goal: a read with previousLAC + timeOut parks until the LAC passes previousLAC.
    // Method: LAC is 0 after entries 0 and 1; a long poll with previousLAC 0 is sent; it must not
    // be answered before entry 2 (carrying LAC 1) is added on another connection.
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &[]);
    let master_key = key(b"pw");
    let mut writer = bookie.connect();
    for entry_id in 0..2 {
        assert_eq!(
            writer
                .call_v3(
                    entry_id as u64,
                    v3_add(31, entry_id, master_key, entry(31, entry_id, b"p"), false)
                )
                .status,
            StatusCode::Ok
        );
    }
    let mut reader = bookie.connect();
    let mut poll = v3_read(31, 1);
    poll.previous_lac = Some(0);
    poll.timeout_ms = Some(5000);
    let started = Instant::now();
    reader.send_v3(&proto::v3::Request::new(50, RequestBody::Read(poll)));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        writer
            .call_v3(3, v3_add(31, 2, master_key, entry(31, 2, b"p"), false))
            .status,
        StatusCode::Ok
    );
    let read = read_body(reader.recv_v3());
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!((read.status, read.max_lac), (StatusCode::Ok, Some(1)));
    // A long poll that times out still answers.
    let mut poll = v3_read(31, 1);
    poll.previous_lac = Some(1);
    poll.timeout_ms = Some(200);
    let read = read_body(reader.call_v3(51, RequestBody::Read(poll)));
    assert_eq!(read.max_lac, Some(1));
    // Piggyback: LAC 1 > previousLAC 0, so entry 1 comes back.
    let mut piggyback = v3_read(31, -1);
    piggyback.flag = Some(ReadFlag::EntryPiggyback);
    piggyback.previous_lac = Some(0);
    let read = read_body(reader.call_v3(52, RequestBody::Read(piggyback)));
    assert_eq!(
        (read.entry_id, read.body, read.max_lac),
        (1, Some(entry(31, 1, b"p")), Some(1))
    );
}
