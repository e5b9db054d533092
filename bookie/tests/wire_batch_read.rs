//! v2 BATCH_READ (BookKeeper 4.17, opcode 7) against a real bookie process with two cores:
//! consecutive entries within the count and size budgets (the first entry always answered),
//! the end of the stored entries, ENOENTRY/ENOLEDGER on the first entry, the bookie's own cap
//! (`maxBatchReadSize`), and fencing batch reads (EUA without the key, EFENCED for the old
//! writer after one).

#![allow(clippy::unwrap_used)]

mod support;

use bytes::Bytes;
use proto::v2::{BatchReadRequest, BatchReadResponse, Flags, Request, Response};
use proto::StatusCode;
use support::{entry, key, scratch_dir, v2_add, Bookie, Client};
use types::{EntryId, LedgerId, MasterKey};

fn batch_read(
    client: &mut Client,
    ledger_id: LedgerId,
    start_entry_id: EntryId,
    max_count: i32,
    max_size_bytes: i64,
    fence_key: Option<MasterKey>,
) -> BatchReadResponse {
    let request_id = 1000 + start_entry_id;
    client.send_v2(&Request::BatchRead(BatchReadRequest {
        version: 2,
        flags: if fence_key.is_some() {
            Flags::DO_FENCING
        } else {
            Flags::NONE
        },
        ledger_id,
        start_entry_id,
        request_id,
        max_count,
        max_size_bytes,
        master_key: fence_key,
    }));
    let Response::BatchRead(response) = client.recv_v2() else {
        panic!("expected a BATCH_READ response")
    };
    assert_eq!(
        (
            response.version,
            response.ledger_id,
            response.start_entry_id
        ),
        (2, ledger_id, start_entry_id)
    );
    assert_eq!(
        response.request_id, request_id,
        "the correlation id is echoed"
    );
    response
}

fn bodies(response: &BatchReadResponse) -> Vec<Bytes> {
    response.entries.iter().collect()
}

/// Adds entries `0..count` of `ledger_id`, each with a 100-byte payload; returns the bodies.
fn add_entries(
    client: &mut Client,
    master_key: MasterKey,
    ledger_id: LedgerId,
    count: i64,
) -> Vec<Bytes> {
    (0..count)
        .map(|entry_id| {
            let body = entry(ledger_id, entry_id, &[b'a' + (entry_id % 26) as u8; 100]);
            client.send_v2(&v2_add(master_key, body.clone(), Flags::NONE));
            assert_eq!(client.recv_v2().status(), StatusCode::Ok);
            body
        })
        .collect()
}

#[test]
fn batch_reads_answer_consecutive_entries_within_the_count_and_size_budgets() {
    // Goal: the 4.17 semantics. Method: 20 entries on ledgers of both cores; batch reads with
    // a count limit, no count limit, a size budget, a budget smaller than one entry (the first
    // is still answered), a start near the end (stops at the last entry), and a missing first
    // entry or ledger (error status, no entries).
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &[]);
    let mut client = bookie.connect();
    let master_key = key(b"pw");
    for ledger_id in [6, 7] {
        let stored = add_entries(&mut client, master_key, ledger_id, 20);
        let entry_bytes = stored[0].len() as i64;

        let five = batch_read(&mut client, ledger_id, 3, 5, 1 << 20, None);
        assert_eq!(five.status, StatusCode::Ok);
        assert_eq!(bodies(&five), stored[3..8].to_vec());

        let unlimited = batch_read(&mut client, ledger_id, 0, 0, 1 << 20, None);
        assert_eq!(
            bodies(&unlimited),
            stored,
            "max_count <= 0 has no count limit"
        );

        // Frame bytes counted as BookKeeper does: 24 + 8 + 4, then 4 + length per entry.
        let three_fit = 36 + 3 * (4 + entry_bytes);
        let sized = batch_read(&mut client, ledger_id, 2, 100, three_fit, None);
        assert_eq!(bodies(&sized), stored[2..5].to_vec());

        let tiny = batch_read(&mut client, ledger_id, 9, 100, 1, None);
        assert_eq!(tiny.status, StatusCode::Ok);
        assert_eq!(
            bodies(&tiny),
            vec![stored[9].clone()],
            "the first entry always"
        );

        let tail = batch_read(&mut client, ledger_id, 17, 100, 1 << 20, None);
        assert_eq!(
            bodies(&tail),
            stored[17..].to_vec(),
            "stops after the last entry"
        );

        let missing = batch_read(&mut client, ledger_id, 20, 10, 1 << 20, None);
        assert_eq!(missing.status, StatusCode::NoEntry);
        assert!(missing.entries.iter().next().is_none());
    }
    let unknown = batch_read(&mut client, 999, 0, 10, 1 << 20, None);
    assert_eq!(unknown.status, StatusCode::NoLedger);
}

#[test]
fn the_bookies_max_batch_read_size_caps_a_larger_client_budget() {
    // Goal: maxBatchReadSize (BookKeeper's key name, accepted by --set) caps the answer even
    // when the client allows more. Method: cap at 3 entries' worth; ask for 20 with 1 MiB.
    let dir = scratch_dir();
    let master_key = key(b"pw");
    let entry_bytes = entry(4, 0, &[b'a'; 100]).len() as i64;
    let cap = 36 + 3 * (4 + entry_bytes);
    let cap_setting = format!("maxBatchReadSize={cap}");
    let bookie = Bookie::start(dir.path(), 1, &[&cap_setting]);
    let mut client = bookie.connect();
    let stored = add_entries(&mut client, master_key, 4, 20);
    let capped = batch_read(&mut client, 4, 0, 20, 1 << 20, None);
    assert_eq!(capped.status, StatusCode::Ok);
    assert_eq!(bodies(&capped), stored[..3].to_vec());
}

#[test]
fn a_fencing_batch_read_fences_the_ledger_and_needs_the_key() {
    // Goal: DO_FENCING on a batch read behaves like a fencing READ (spec §5.1). Method: a
    // fencing batch read with the wrong key gets EUA and fences nothing; with the right key it
    // answers the entries and the writer's next add gets EFENCED.
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &[]);
    let master_key = key(b"pw");
    let mut writer = bookie.connect();
    let stored = add_entries(&mut writer, master_key, 5, 4);
    let mut recovery = bookie.connect();

    let wrong = batch_read(&mut recovery, 5, 0, 10, 1 << 20, Some(key(b"wrong")));
    assert_eq!(wrong.status, StatusCode::Unauthorized);
    writer.send_v2(&v2_add(master_key, entry(5, 4, &[b'z'; 100]), Flags::NONE));
    assert_eq!(writer.recv_v2().status(), StatusCode::Ok, "not fenced yet");

    let fenced = batch_read(&mut recovery, 5, 0, 3, 1 << 20, Some(master_key));
    assert_eq!(fenced.status, StatusCode::Ok);
    assert_eq!(bodies(&fenced), stored[..3].to_vec());
    writer.send_v2(&v2_add(master_key, entry(5, 5, &[b'z'; 100]), Flags::NONE));
    assert_eq!(writer.recv_v2().status(), StatusCode::Fenced);
}
