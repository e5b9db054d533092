//! [`ClusterTarget`]: adds and reads against a whole cluster through the client library:
//! ledgers created with the run's E/Qw/Qa over the bookies registered in the metadata service
//! (`--metadata-uri`), written round-robin.
//!
//! Invariant: an add resolves `Ok` only when the client reports it acknowledged, i.e. Qa bookies
//! of its write set made it durable; the latency measured therefore includes replication.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use client::{BookKeeper, ClientConfig, CreateOptions, DigestType, LedgerHandle};

use super::error::BenchError;
use super::report::Quorums;
use super::target::Protocol;
use super::target::{AddTarget, BoxFuture, EntryPosition, ReadTarget};

/// The password of every benchmark ledger.
const PASSWORD: &[u8] = b"bench";

/// A cluster as an [`AddTarget`] and [`ReadTarget`].
pub struct ClusterTarget {
    uri: String,
    quorums: Quorums,
    ledgers: Vec<LedgerHandle>,
    by_id: HashMap<i64, usize>,
    next_add: AtomicU64,
}

impl ClusterTarget {
    /// Connects to the metadata service at `uri` and creates `ledgers` ledgers.
    pub async fn connect(
        uri: &str,
        quorums: Quorums,
        ledgers: u64,
        protocol: Protocol,
    ) -> Result<Self, BenchError> {
        if ledgers == 0 {
            return Err(BenchError::BadFlag {
                flag: "ledgers",
                message: "must be at least 1".to_owned(),
            });
        }
        let config = ClientConfig {
            protocol: match protocol {
                Protocol::V2 => client::Protocol::V2,
                Protocol::V3 => client::Protocol::V3,
            },
            ..ClientConfig::default()
        };
        let bk = BookKeeper::connect(uri, config)
            .await
            .map_err(|error| BenchError::Connect {
                address: uri.to_owned(),
                message: error.to_string(),
            })?;
        let options = CreateOptions {
            ensemble_size: quorums.ensemble as usize,
            write_quorum: quorums.write_quorum as usize,
            ack_quorum: quorums.ack_quorum as usize,
            digest: DigestType::Crc32c,
            password: PASSWORD.to_vec(),
            custom_metadata: Vec::new(),
        };
        let mut handles = Vec::new();
        for _ in 0..ledgers {
            let ledger = bk.create_ledger(&options).await.map_err(|error| {
                BenchError::Other(format!(
                    "creating a ledger E{}/Qw{}/Qa{} at {uri}: {error}",
                    quorums.ensemble, quorums.write_quorum, quorums.ack_quorum
                ))
            })?;
            handles.push(ledger);
        }
        let by_id = handles
            .iter()
            .enumerate()
            .map(|(index, ledger)| (ledger.id(), index))
            .collect();
        Ok(Self {
            uri: uri.to_owned(),
            quorums,
            ledgers: handles,
            by_id,
            next_add: AtomicU64::new(0),
        })
    }

    /// Closes every ledger (after the load).
    pub async fn close(&self) -> Result<(), BenchError> {
        for ledger in &self.ledgers {
            ledger.close().await.map_err(|error| {
                BenchError::Other(format!("closing ledger {}: {error}", ledger.id()))
            })?;
        }
        Ok(())
    }
}

impl AddTarget for ClusterTarget {
    fn add(&self, payload: Bytes) -> BoxFuture<Result<EntryPosition, BenchError>> {
        let index = self.next_add.fetch_add(1, Ordering::Relaxed) as usize % self.ledgers.len();
        let ledger = &self.ledgers[index];
        let ledger_id = ledger.id();
        let acknowledged = ledger.add_entry(payload);
        Box::pin(async move {
            let entry_id = acknowledged.await.map_err(|error| BenchError::Status {
                operation: "ADD",
                status: error.to_string(),
            })?;
            Ok(EntryPosition {
                ledger_id,
                entry_id,
            })
        })
    }

    fn describe(&self) -> String {
        format!(
            "cluster {} (client library), {} ledgers E{}/Qw{}/Qa{}",
            self.uri,
            self.ledgers.len(),
            self.quorums.ensemble,
            self.quorums.write_quorum,
            self.quorums.ack_quorum
        )
    }
}

impl ReadTarget for ClusterTarget {
    fn read(&self, position: EntryPosition) -> BoxFuture<Result<Bytes, BenchError>> {
        let ledger = self
            .by_id
            .get(&position.ledger_id)
            .and_then(|index| self.ledgers.get(*index))
            .cloned();
        Box::pin(async move {
            let ledger = ledger.ok_or_else(|| {
                BenchError::Other(format!(
                    "ledger {} is not one of this run's",
                    position.ledger_id
                ))
            })?;
            let mut entries = ledger
                .read(position.entry_id, position.entry_id)
                .await
                .map_err(|error| BenchError::Status {
                    operation: "READ",
                    status: error.to_string(),
                })?;
            entries
                .pop()
                .map(|entry| entry.payload)
                .ok_or_else(|| BenchError::Protocol("empty read".to_owned()))
        })
    }
}
