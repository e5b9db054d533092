//! Killing a bookie during a stream of adds: the writer changes its ensemble (a new segment in
//! the metadata), no acknowledged add is lost, and every entry reads back identical from a
//! second client. Real ZooKeeper, real bookie processes, 127.0.0.1.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use client::test_support::{payload, Cluster};
use client::{ClientConfig, CreateOptions, LedgerHandle};
use tokio::task::JoinSet;

/// Entries per stream.
const ENTRIES: u64 = 1500;
/// Adds in flight at most.
const IN_FLIGHT_MAX: usize = 64;
/// The bookie is killed once this many adds were acknowledged.
const KILL_AFTER_ACKS: usize = 400;

fn config() -> ClientConfig {
    ClientConfig {
        add_timeout: Duration::from_secs(3),
        read_timeout: Duration::from_secs(3),
        speculative_read_timeout: Duration::from_millis(200),
        ..ClientConfig::default()
    }
}

/// Streams `ENTRIES` adds, calling `at_kill_point` once after `KILL_AFTER_ACKS` acks; returns
/// entry id -> payload of every acknowledged add.
async fn stream_adds(
    ledger: &LedgerHandle,
    stream: u64,
    mut at_kill_point: impl FnMut(),
) -> BTreeMap<i64, Vec<u8>> {
    let mut acked = BTreeMap::new();
    let mut in_flight = JoinSet::new();
    let mut failures = Vec::new();
    let mut killed = false;
    for index in 0..ENTRIES {
        while in_flight.len() >= IN_FLIGHT_MAX {
            let (data, outcome) = in_flight.join_next().await.unwrap().unwrap();
            match outcome {
                Ok(entry_id) => {
                    acked.insert(entry_id, data);
                }
                Err(error) => failures.push(error),
            }
        }
        if !killed && acked.len() >= KILL_AFTER_ACKS {
            at_kill_point();
            killed = true;
        }
        let data = payload(stream, index);
        let add = ledger.add_entry(data.clone());
        in_flight.spawn(async move { (data, add.await) });
    }
    while let Some(joined) = in_flight.join_next().await {
        let (data, outcome) = joined.unwrap();
        match outcome {
            Ok(entry_id) => {
                acked.insert(entry_id, data);
            }
            Err(error) => failures.push(error),
        }
    }
    assert!(killed, "the stream ended before the kill point");
    assert!(failures.is_empty(), "adds failed: {failures:?}");
    acked
}

async fn kill_one_and_check(cluster: &mut Cluster, options: CreateOptions, stream: u64) {
    let writer_client = cluster.client(config()).await;
    let ledger = writer_client.create_ledger(&options).await.unwrap();
    let victim = ledger.metadata().ensembles[0].bookies[1].clone();
    let mut victim_process = Some(cluster.bookie_mut(&victim));
    let acked = stream_adds(&ledger, stream, || {
        if let Some(process) = victim_process.take() {
            process.kill();
        }
    })
    .await;
    // Every add was acknowledged, in order, with consecutive ids.
    assert_eq!(acked.len() as u64, ENTRIES);
    assert_eq!(
        acked.keys().copied().collect::<Vec<_>>(),
        (0..ENTRIES as i64).collect::<Vec<_>>()
    );
    assert_eq!(ledger.last_add_confirmed(), ENTRIES as i64 - 1);

    let metadata = ledger.metadata();
    assert!(
        metadata.ensembles.len() >= 2,
        "no ensemble change: {:?}",
        metadata.ensembles
    );
    let last = metadata.ensembles.last().unwrap();
    assert!(
        !last.bookies.contains(&victim),
        "{victim} still in {last:?}"
    );
    assert!(last.first_entry_id > 0);
    ledger.close().await.unwrap();

    // A second client reads everything back (some entries' first replica is the dead bookie:
    // those reads move to the next replica).
    let reader_client = cluster.client(config()).await;
    let reader = reader_client
        .open_ledger(ledger.id(), &options.password, false)
        .await
        .unwrap();
    assert_eq!(reader.last_entry_id(), Some(ENTRIES as i64 - 1));
    let entries = reader.read(0, ENTRIES as i64 - 1).await.unwrap();
    for entry in entries {
        assert_eq!(
            entry.payload.as_ref(),
            acked[&entry.entry_id].as_slice(),
            "entry {} differs",
            entry.entry_id
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e3_qw3_qa2_ledger_survives_a_killed_bookie_with_an_ensemble_change() {
    let mut cluster = Cluster::start(5).await;
    let options = CreateOptions {
        ensemble_size: 3,
        write_quorum: 3,
        ack_quorum: 2,
        password: b"secret".to_vec(),
        ..CreateOptions::default()
    };
    kill_one_and_check(&mut cluster, options, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e5_qw3_qa2_ledger_survives_a_killed_bookie_with_an_ensemble_change() {
    let mut cluster = Cluster::start(5).await;
    let options = CreateOptions {
        ensemble_size: 5,
        write_quorum: 3,
        ack_quorum: 2,
        ..CreateOptions::default()
    };
    // With E=5 on 5 bookies a replacement needs a sixth; it joins after the ledger exists.
    let writer_client = cluster.client(config()).await;
    let probe = writer_client.create_ledger(&options).await.unwrap();
    probe.close().await.unwrap();
    cluster.add_bookie().await;
    kill_one_and_check(&mut cluster, options, 2).await;
}
