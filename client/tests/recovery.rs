//! Opening a ledger with recovery while its writer is still adding: the writer is fenced (its
//! next add fails as fenced), the ledger is closed, and every entry the writer saw
//! acknowledged reads back identical. Real ZooKeeper and bookie processes on 127.0.0.1.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use client::test_support::{payload, Cluster};
use client::{ClientConfig, ClientError, CreateOptions, DigestType, Protocol};
use tokio::task::JoinSet;

fn config(protocol: Protocol) -> ClientConfig {
    ClientConfig {
        protocol,
        add_timeout: Duration::from_secs(3),
        read_timeout: Duration::from_secs(3),
        speculative_read_timeout: Duration::from_millis(200),
        ..ClientConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_fences_the_writer_and_keeps_every_acknowledged_entry() {
    let cluster = Cluster::start(5).await;
    for (stream, (ensemble_size, protocol)) in [(3, Protocol::V3), (5, Protocol::V2)]
        .into_iter()
        .enumerate()
    {
        let writer_client = cluster.client(config(protocol)).await;
        let options = CreateOptions {
            ensemble_size,
            write_quorum: 3,
            ack_quorum: 2,
            password: b"pw".to_vec(),
            ..CreateOptions::default()
        };
        let ledger = writer_client.create_ledger(&options).await.unwrap();

        // Keep adding in the background; record every acknowledgement.
        let writer = ledger.clone();
        let adding = tokio::spawn(async move {
            let mut acked = BTreeMap::new();
            let mut in_flight = JoinSet::new();
            let mut first_error = None;
            for index in 0..100_000u64 {
                if in_flight.len() >= 32 {
                    let (data, outcome) = in_flight.join_next().await.unwrap().unwrap();
                    match outcome {
                        Ok(entry_id) => {
                            acked.insert(entry_id, data);
                        }
                        Err(error) => {
                            first_error = Some(error);
                            break;
                        }
                    }
                }
                let data = payload(stream as u64, index);
                let add = writer.add_entry(data.clone());
                in_flight.spawn(async move { (data, add.await) });
            }
            while let Some(joined) = in_flight.join_next().await {
                let (data, outcome) = joined.unwrap();
                if let Ok(entry_id) = outcome {
                    acked.insert(entry_id, data);
                }
            }
            (acked, first_error)
        });
        // Let it write a while, then recover from a second client.
        let started = std::time::Instant::now();
        while ledger.last_add_confirmed() < 300 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "writer stalled"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let recovering_client = cluster.client(config(protocol)).await;
        let reader = recovering_client
            .open_ledger(ledger.id(), b"pw", true)
            .await
            .unwrap();
        assert!(reader.is_closed());
        let (acked, first_error) = tokio::time::timeout(Duration::from_secs(30), adding)
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(first_error, Some(ClientError::Fenced(_))),
            "the writer was not fenced: {first_error:?}"
        );
        // The fenced writer's next add fails as fenced too.
        let next = ledger.add_entry(b"after-fence".to_vec()).await;
        assert!(matches!(next, Err(ClientError::Fenced(_))), "{next:?}");

        let last = reader.last_entry_id().unwrap();
        let last_acked = *acked.keys().last().unwrap();
        assert!(
            last >= last_acked,
            "recovered up to {last}, but {last_acked} was acknowledged"
        );
        let entries = reader.read(0, last).await.unwrap();
        assert_eq!(entries.len() as i64, last + 1);
        for entry in &entries {
            if let Some(expected) = acked.get(&entry.entry_id) {
                assert_eq!(entry.payload.as_ref(), expected.as_slice());
            }
        }
        let length: u64 = entries.iter().map(|e| e.payload.len() as u64).sum();
        assert_eq!(reader.metadata().length_bytes, length);
        // Closing the fenced handle writes nothing and succeeds.
        ledger.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_digest_type_writes_reads_and_reports_the_lac() {
    let cluster = Cluster::start(3).await;
    let bk = cluster.client(config(Protocol::V3)).await;
    for digest in [
        DigestType::Crc32c,
        DigestType::Crc32,
        DigestType::Hmac,
        DigestType::Dummy,
    ] {
        let options = CreateOptions {
            digest,
            password: b"pw".to_vec(),
            ..CreateOptions::default()
        };
        let ledger = bk.create_ledger(&options).await.unwrap();
        let adds: Vec<_> = (0..20u64)
            .map(|i| ledger.add_entry(payload(9, i)))
            .collect();
        for (index, add) in adds.into_iter().enumerate() {
            assert_eq!(add.await.unwrap(), index as i64);
        }
        let read = ledger.read(0, 19).await.unwrap();
        assert_eq!(read[7].payload.as_ref(), payload(9, 7).as_slice());
        // Entries 0..19 were all sent before any ack, so they carry LAC -1; entry 20, sent
        // after, carries 19.
        assert_eq!(ledger.add_entry(payload(9, 20)).await.unwrap(), 20);

        // A reader of the open ledger sees the LAC the entries carry.
        let reader = bk.open_ledger(ledger.id(), b"pw", false).await.unwrap();
        assert!(!reader.is_closed());
        assert_eq!(reader.read_lac().await.unwrap(), 19);
        assert!(matches!(
            bk.open_ledger(ledger.id(), b"wrong", false).await,
            Err(ClientError::Unauthorized(_))
        ));
        ledger.close().await.unwrap();
        let closed = bk.open_ledger(ledger.id(), b"pw", false).await.unwrap();
        assert_eq!(closed.last_entry_id(), Some(20));
        assert!(matches!(
            ledger.add_entry(b"late".to_vec()).await,
            Err(ClientError::LedgerClosed(_))
        ));
        bk.delete_ledger(ledger.id()).await.unwrap();
        assert!(matches!(
            bk.open_ledger(ledger.id(), b"pw", false).await,
            Err(ClientError::NoSuchLedger(_))
        ));
    }
}
