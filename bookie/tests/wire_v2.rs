//! Protocol v2 against a real bookie process with two cores: pipelined adds and reads over
//! ledgers owned by both cores, entry -1, ENOLEDGER/ENOENTRY, master-key checks, fencing and
//! recovery adds, and AUTH with auth disabled.

#![allow(clippy::unwrap_used)]

mod support;

use proto::v2::{Flags, Response};
use proto::StatusCode;
use support::{entry, key, pipeline_v2_adds, scratch_dir, v2_add, v2_read, Bookie};

#[test]
fn pipelined_adds_on_both_cores_read_back_identical() {
    // Goal: adds pipelined on one connection to ledgers of both cores are all acknowledged and
    // read back byte-identical. Method: 4 ledgers x 25 entries sent without waiting, responses
    // matched by (ledger, entry) in any order, then every entry and entry -1 read back.
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &[]);
    let mut client = bookie.connect();
    let bodies = pipeline_v2_adds(&mut client, 1..=4, 25, "entry");
    for ((ledger_id, entry_id), body) in &bodies {
        client.send_v2(&v2_read(*ledger_id, *entry_id, None));
        let Response::Read(read) = client.recv_v2() else {
            panic!("expected a READ response")
        };
        assert_eq!(
            (read.status, read.ledger_id, read.entry_id),
            (StatusCode::Ok, *ledger_id, *entry_id)
        );
        assert_eq!(&read.body, body);
    }
    client.send_v2(&v2_read(3, -1, None));
    let Response::Read(last) = client.recv_v2() else {
        panic!()
    };
    assert_eq!((last.status, last.entry_id), (StatusCode::Ok, -1));
    assert_eq!(&last.body, &bodies[&(3, 24)]);
}

#[test]
fn unknown_ledgers_and_entries_get_enoledger_and_enoentry() {
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 1, &[]);
    let mut client = bookie.connect();
    client.send_v2(&v2_read(77, 0, None));
    let Response::Read(read) = client.recv_v2() else {
        panic!()
    };
    assert_eq!(read.status, StatusCode::NoLedger);
    assert!(read.body.is_empty());
    client.send_v2(&v2_add(key(b"pw"), entry(77, 0, b"x"), Flags::NONE));
    assert_eq!(client.recv_v2().status(), StatusCode::Ok);
    client.send_v2(&v2_read(77, 5, None));
    assert_eq!(client.recv_v2().status(), StatusCode::NoEntry);
}

#[test]
fn fencing_rejects_the_old_writer_and_accepts_recovery_adds() {
    // Goal: spec §5.1 over v2. Method: a writer adds 0..3; a recovery client fences with a
    // fencing read of entry -1 (flags 0x0001, as the real client sends it); the writer's next
    // add gets EFENCED, a recovery add (0x0006) of the same entry is accepted, and wrong keys
    // get EUA.
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &[]);
    let master_key = key(b"pw");
    let mut writer = bookie.connect();
    for entry_id in 0..3 {
        writer.send_v2(&v2_add(
            master_key,
            entry(5, entry_id, b"data"),
            Flags::NONE,
        ));
        assert_eq!(writer.recv_v2().status(), StatusCode::Ok);
    }
    let mut recovery = bookie.connect();
    recovery.send_v2(&v2_read(5, -1, Some(key(b"wrong"))));
    assert_eq!(recovery.recv_v2().status(), StatusCode::Unauthorized);
    recovery.send_v2(&v2_read(5, -1, Some(master_key)));
    let Response::Read(fenced) = recovery.recv_v2() else {
        panic!()
    };
    assert_eq!(fenced.status, StatusCode::Ok);
    assert_eq!(fenced.body, entry(5, 2, b"data"));

    writer.send_v2(&v2_add(master_key, entry(5, 3, b"data"), Flags::NONE));
    assert_eq!(writer.recv_v2().status(), StatusCode::Fenced);
    let recovery_flags = Flags::RECOVERY_ADD.union(Flags::HIGH_PRIORITY);
    recovery.send_v2(&v2_add(master_key, entry(5, 3, b"data"), recovery_flags));
    assert_eq!(recovery.recv_v2().status(), StatusCode::Ok);
    recovery.send_v2(&v2_add(key(b"wrong"), entry(5, 4, b"data"), recovery_flags));
    assert_eq!(recovery.recv_v2().status(), StatusCode::Unauthorized);

    // Fencing a ledger the bookie never saw creates it fenced (spec §10 pitfall 10).
    recovery.send_v2(&v2_read(6, -1, Some(master_key)));
    assert_eq!(recovery.recv_v2().status(), StatusCode::NoEntry);
    writer.send_v2(&v2_add(master_key, entry(6, 0, b"late"), Flags::NONE));
    assert_eq!(writer.recv_v2().status(), StatusCode::Fenced);

    // The fence survives a restart.
    let mut bookie = bookie;
    bookie.restart();
    let mut writer = bookie.connect();
    writer.send_v2(&v2_add(master_key, entry(5, 9, b"data"), Flags::NONE));
    let Some(frame) = writer.recv_frame() else {
        std::thread::sleep(std::time::Duration::from_secs(2));
        panic!("closed: {}", bookie.log_text())
    };
    assert_eq!(
        proto::v2::Response::decode(frame).unwrap().status(),
        StatusCode::Fenced
    );
}

#[test]
fn auth_is_answered_with_the_disabled_plugin() {
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 1, &[]);
    let mut client = bookie.connect();
    let message = proto::auth::AuthMessage {
        auth_plugin_name: "SASL".to_owned(),
        payload: bytes::Bytes::from_static(b"hi"),
    };
    client.send_v2(&proto::v2::Request::Auth(proto::v2::AuthRequest {
        version: 2,
        flags: Flags::NONE,
        message,
    }));
    let Response::Auth(auth) = client.recv_v2() else {
        panic!()
    };
    assert_eq!(
        auth.message.auth_plugin_name,
        proto::auth::AUTH_DISABLED_PLUGIN_NAME
    );
    client.send_v2(&v2_add(key(b"pw"), entry(1, 0, b"x"), Flags::NONE));
    assert_eq!(client.recv_v2().status(), StatusCode::Ok);
}
