//! Goal: every acknowledged add survives SIGKILL of the bookie process at a random moment.
//!
//! Method: 20 rounds on the same directories. In each round a client pipelines v2 adds to
//! four ledgers (both cores) from one thread and records each EOK acknowledgement on another;
//! the bookie is SIGKILLed after a random delay (checkpoints run every 50 ms, so kills land
//! before, during and after checkpoints) and restarted; then every entry acknowledged in this
//! and all earlier rounds is read back and compared byte for byte. Bounded: a round adds for at
//! most 300 ms, and at most 2000 adds are in flight.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use proto::v2::{Flags, Response};
use proto::StatusCode;
use rand::{Rng, SeedableRng};
use support::{entry, key, scratch_dir, v2_add, v2_read, Bookie, Client};

const ROUNDS: usize = 20;
const LEDGERS_PER_ROUND: i64 = 4;
const ENTRIES_PER_LEDGER_MAX: i64 = 500;

/// Pipelines adds until killed; returns the acknowledged (ledger, entry) pairs.
fn write_until_killed(bookie: &mut Bookie, round: usize, kill_after: Duration) -> Vec<(i64, i64)> {
    let client = bookie.connect();
    let reader_stream = client.stream.try_clone().unwrap();
    let acked = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let acked = Arc::clone(&acked);
        std::thread::spawn(move || {
            let mut reader = Client::from_stream(reader_stream);
            while let Some(frame) = reader.recv_frame() {
                let Ok(Response::Add(add)) = proto::v2::Response::decode(frame) else {
                    break;
                };
                if add.status == StatusCode::Ok {
                    acked.lock().unwrap().push((add.ledger_id, add.entry_id));
                }
            }
        })
    };
    let writer = {
        let done = Arc::clone(&done);
        let mut stream = client.stream.try_clone().unwrap();
        std::thread::spawn(move || {
            let base = round as i64 * 100;
            'outer: for entry_id in 0..ENTRIES_PER_LEDGER_MAX {
                let mut out = BytesMut::new();
                for ledger in 0..LEDGERS_PER_ROUND {
                    let ledger_id = base + ledger;
                    v2_add(key(b"pw"), body(ledger_id, entry_id), Flags::NONE)
                        .encode_frame(proto::FRAME_BYTES_MAX_DEFAULT, &mut out)
                        .unwrap();
                }
                if done.load(Ordering::Relaxed) || stream.write_all(&out).is_err() {
                    break 'outer;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        })
    };
    std::thread::sleep(kill_after);
    bookie.kill();
    done.store(true, Ordering::Relaxed);
    writer.join().unwrap();
    reader.join().unwrap();
    drop(client);
    let acked = acked.lock().unwrap().clone();
    acked
}

fn body(ledger_id: i64, entry_id: i64) -> Bytes {
    entry(
        ledger_id,
        entry_id,
        format!("kill9-{ledger_id}-{entry_id}-padding-to-make-it-longer").as_bytes(),
    )
}

#[test]
fn acknowledged_adds_survive_sigkill_at_random_moments() {
    let started = Instant::now();
    let seed: u64 = rand::random();
    eprintln!("seed {seed}");
    let mut random = rand::rngs::StdRng::seed_from_u64(seed);
    let dir = scratch_dir();
    let mut bookie = Bookie::start(dir.path(), 2, &["flush_interval_ms=50"]);
    let mut all_acked: HashMap<(i64, i64), Bytes> = HashMap::new();
    for round in 0..ROUNDS {
        let kill_after = Duration::from_millis(random.gen_range(20..300));
        let acked = write_until_killed(&mut bookie, round, kill_after);
        for (ledger_id, entry_id) in acked {
            all_acked.insert((ledger_id, entry_id), body(ledger_id, entry_id));
        }
        bookie.restart();
        let mut client = bookie.connect();
        let keys: Vec<&(i64, i64)> = all_acked.keys().collect();
        for chunk in keys.chunks(500) {
            for (ledger_id, entry_id) in chunk {
                client.send_v2(&v2_read(*ledger_id, *entry_id, None));
            }
            for _ in chunk {
                let Response::Read(read) = client.recv_v2() else {
                    panic!("seed {seed}: not a read response")
                };
                let (ledger_id, entry_id) = (read.ledger_id, read.entry_id);
                assert_eq!(
                    read.status,
                    StatusCode::Ok,
                    "seed {seed} round {round}: acknowledged entry {ledger_id}/{entry_id} lost"
                );
                assert_eq!(
                    &read.body,
                    &all_acked[&(ledger_id, entry_id)],
                    "seed {seed} round {round}: entry {ledger_id}/{entry_id} differs"
                );
            }
        }
        eprintln!(
            "round {round}: killed after {kill_after:?}, {} acknowledged entries verified",
            all_acked.len()
        );
    }
    assert!(!all_acked.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "took {:?}",
        started.elapsed()
    );
}
