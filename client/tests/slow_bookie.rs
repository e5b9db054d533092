//! A bookie that stops answering (SIGSTOP: connections stay open, nothing comes back):
//! reads move on to the next replica after the speculative timeout instead of waiting for the
//! read timeout, and adds time out on it and change the ensemble. A bookie with no replacement
//! (E = number of bookies) is written around while every write set keeps Qa live bookies.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use client::test_support::{payload, Cluster};
use client::{ClientConfig, CreateOptions};

const ENTRIES: i64 = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_bookie_is_read_around_and_written_around() {
    let mut cluster = Cluster::start(4).await;
    let read_timeout = Duration::from_secs(8);
    let config = ClientConfig {
        add_timeout: Duration::from_secs(1),
        read_timeout,
        speculative_read_timeout: Duration::from_millis(100),
        ..ClientConfig::default()
    };
    let bk = cluster.client(config).await;
    let options = CreateOptions {
        ensemble_size: 3,
        write_quorum: 3,
        ack_quorum: 2,
        ..CreateOptions::default()
    };
    let ledger = bk.create_ledger(&options).await.unwrap();
    for index in 0..ENTRIES {
        ledger.add_entry(payload(3, index as u64)).await.unwrap();
    }
    ledger.close().await.unwrap();

    // Reads: the first replica of every entry in turn is frozen for a third of them.
    let frozen = ledger.metadata().ensembles[0].bookies[0].clone();
    cluster.bookie_mut(&frozen).pause();
    let reader = bk.open_ledger(ledger.id(), b"", false).await.unwrap();
    let started = Instant::now();
    let entries = reader.read(0, ENTRIES - 1).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(entries.len() as i64, ENTRIES);
    for entry in &entries {
        assert_eq!(
            entry.payload.as_ref(),
            payload(3, entry.entry_id as u64).as_slice()
        );
    }
    // Without speculation the reads whose first replica is frozen would each wait out the
    // read timeout.
    assert!(
        elapsed < read_timeout,
        "reads took {elapsed:?}: no speculation"
    );

    // Adds: a ledger whose ensemble holds the frozen bookie, acknowledged by all of Qw = Qa = 3,
    // times out on it and replaces it.
    let all_ack = CreateOptions {
        ack_quorum: 3,
        ..options.clone()
    };
    let mut writer = bk.create_ledger(&all_ack).await.unwrap();
    for _ in 0..50 {
        if writer.metadata().ensembles[0].bookies.contains(&frozen) {
            break;
        }
        writer = bk.create_ledger(&all_ack).await.unwrap();
    }
    assert!(writer.metadata().ensembles[0].bookies.contains(&frozen));
    let adds: Vec<_> = (0..ENTRIES)
        .map(|index| writer.add_entry(payload(4, index as u64)))
        .collect();
    for (index, add) in adds.into_iter().enumerate() {
        assert_eq!(add.await.unwrap(), index as i64);
    }
    // The change happened before any add completed (LAC -1), so the first segment itself was
    // rewritten (spec §6.3: a segment starting at LAC + 1 is replaced, not appended).
    let segments = writer.metadata().ensembles;
    assert!(
        !segments.last().unwrap().bookies.contains(&frozen),
        "the frozen bookie was not replaced: {segments:?}"
    );
    writer.close().await.unwrap();
    cluster.bookie_mut(&frozen).resume();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_replacement_the_writer_goes_on_while_qa_is_reachable() {
    let mut cluster = Cluster::start(3).await;
    let config = ClientConfig {
        add_timeout: Duration::from_secs(2),
        speculative_read_timeout: Duration::from_millis(100),
        ..ClientConfig::default()
    };
    let bk = cluster.client(config).await;
    let options = CreateOptions {
        ensemble_size: 3,
        write_quorum: 3,
        ack_quorum: 2,
        ..CreateOptions::default()
    };
    let ledger = bk.create_ledger(&options).await.unwrap();
    for index in 0..20 {
        ledger.add_entry(payload(5, index)).await.unwrap();
    }
    let victim = ledger.metadata().ensembles[0].bookies[2].clone();
    cluster.bookie_mut(&victim).kill();
    for index in 20..ENTRIES as u64 {
        ledger.add_entry(payload(5, index)).await.unwrap();
    }
    // No fourth bookie: the ensemble is unchanged and every entry is on the two live ones.
    assert_eq!(ledger.metadata().ensembles.len(), 1);
    let entries = ledger.read(0, ENTRIES - 1).await.unwrap();
    assert_eq!(entries.len() as i64, ENTRIES);

    // A second bookie of the ensemble lost leaves write sets with one live bookie: the add
    // fails (nothing hangs, nothing is acknowledged by one bookie).
    let second = ledger.metadata().ensembles[0].bookies[1].clone();
    cluster.bookie_mut(&second).kill();
    let failed = tokio::time::timeout(Duration::from_secs(20), ledger.add_entry(b"x".to_vec()))
        .await
        .unwrap();
    assert!(
        failed.is_err(),
        "an add acknowledged by one bookie: {failed:?}"
    );
    // Closing still records what was acknowledged.
    ledger.close().await.unwrap();
    let reader = bk.open_ledger(ledger.id(), b"", false).await.unwrap();
    assert_eq!(reader.last_entry_id(), Some(ENTRIES - 1));
    let entries = reader.read(0, ENTRIES - 1).await.unwrap();
    assert_eq!(
        entries[ENTRIES as usize - 1].payload.as_ref(),
        payload(5, ENTRIES as u64 - 1).as_slice()
    );
}
