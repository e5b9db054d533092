//! [`BookieTarget`]: adds and reads against one bookie, without metadata (the bookie accepts
//! any ledger id with a master key), over the client library's connections
//! ([`client::pool::BookiePool`]) and request encoding ([`client::wire`]).
//!
//! Adds go round-robin over `ledgers` ledgers with consecutive entry ids per ledger, each body
//! built with a CRC32C digest as a BookKeeper client would (the digest is computed here, so
//! the client's CPU cost is part of the measurement). Ledger `i` uses connection
//! `i % connections` (one pool per connection), so each ledger's adds leave in entry order on
//! one socket.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use client::digest::LedgerKeys;
use client::pool::BookiePool;
use client::wire::{BookieOp, BookieReply, ReadKind};
use client::ClientError;
use metadata::BookieId;
use proto::{DigestType, StatusCode};

use super::error::BenchError;
use super::target::{AddTarget, BoxFuture, EntryPosition, Protocol, ReadTarget};

/// The password of every benchmark ledger.
const PASSWORD: &[u8] = b"bench";
/// How long one request may wait for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where and how to write.
#[derive(Debug, Clone)]
pub struct BookieTargetConfig {
    /// host:port.
    pub address: String,
    /// v2 or v3.
    pub protocol: Protocol,
    /// Number of ledgers written round-robin.
    pub ledgers: u64,
    /// Id of the first ledger; ledger i is `first_ledger_id + i`.
    pub first_ledger_id: i64,
    /// TCP connections (ledger i uses connection i % connections).
    pub connections: usize,
}

struct Ledger {
    keys: LedgerKeys,
    next_entry_id: AtomicI64,
}

/// One bookie as an [`AddTarget`] and [`ReadTarget`].
pub struct BookieTarget {
    config: BookieTargetConfig,
    bookie: BookieId,
    pools: Vec<BookiePool>,
    ledgers: Vec<Ledger>,
    next_add: AtomicU64,
}

impl BookieTarget {
    /// Checks the bookie is listening and sets up the connections.
    pub async fn connect(config: BookieTargetConfig) -> Result<Self, BenchError> {
        if config.ledgers == 0 {
            return Err(BenchError::BadFlag {
                flag: "ledgers",
                message: "must be at least 1".to_owned(),
            });
        }
        if config.connections == 0 {
            return Err(BenchError::BadFlag {
                flag: "connections",
                message: "must be at least 1".to_owned(),
            });
        }
        let bookie = BookieId::parse(&config.address).map_err(|error| BenchError::BadFlag {
            flag: "bookie",
            message: error.to_string(),
        })?;
        // The pools connect lazily; fail here, with the address, if nothing listens there.
        tokio::net::TcpStream::connect(&config.address)
            .await
            .map_err(|error| BenchError::Connect {
                address: config.address.clone(),
                message: error.to_string(),
            })?;
        let protocol = match config.protocol {
            Protocol::V2 => client::Protocol::V2,
            Protocol::V3 => client::Protocol::V3,
        };
        let pools = (0..config.connections)
            .map(|_| {
                BookiePool::new(
                    protocol,
                    Duration::from_secs(10),
                    proto::FRAME_BYTES_MAX_DEFAULT,
                    None,
                )
            })
            .collect();
        let ledgers = (0..config.ledgers as i64)
            .map(|index| Ledger {
                keys: LedgerKeys::new(config.first_ledger_id + index, DigestType::Crc32c, PASSWORD),
                next_entry_id: AtomicI64::new(0),
            })
            .collect();
        Ok(Self {
            config,
            bookie,
            pools,
            ledgers,
            next_add: AtomicU64::new(0),
        })
    }

    fn pool_of(&self, ledger_index: usize) -> &BookiePool {
        // `pools` is never empty (checked in `connect`).
        &self.pools[ledger_index % self.pools.len()]
    }

    fn ledger_index(&self, ledger_id: i64) -> usize {
        (ledger_id - self.config.first_ledger_id).rem_euclid(self.ledgers.len() as i64) as usize
    }

    /// Sends `op` on the connection of ledger `ledger_index` and maps the answer.
    fn call<T: Send + 'static>(
        &self,
        ledger_index: usize,
        op: BookieOp,
        answer: impl FnOnce(BookieReply) -> Result<T, BenchError> + Send + 'static,
    ) -> BoxFuture<Result<T, BenchError>> {
        let (done, outcome) = tokio::sync::oneshot::channel();
        self.pool_of(ledger_index).send(
            &self.bookie,
            op,
            REQUEST_TIMEOUT,
            Box::new(move |result| {
                let _ = done.send(result);
            }),
        );
        let (address, bookie) = (self.config.address.clone(), self.bookie.clone());
        Box::pin(async move {
            let result = outcome.await.map_err(|_| BenchError::ConnectionLost {
                address: address.clone(),
                message: "the connection task ended".to_owned(),
            })?;
            match result.map_err(|error| client::pool::conn_error(&bookie, error)) {
                Ok(reply) => answer(reply),
                Err(ClientError::Timeout { .. }) => Err(BenchError::Timeout(1, REQUEST_TIMEOUT)),
                Err(error) => Err(BenchError::ConnectionLost {
                    address,
                    message: error.to_string(),
                }),
            }
        })
    }
}

fn status_error(operation: &'static str, status: StatusCode) -> BenchError {
    BenchError::Status {
        operation,
        status: format!("{status:?}"),
    }
}

impl AddTarget for BookieTarget {
    fn add(&self, payload: Bytes) -> BoxFuture<Result<EntryPosition, BenchError>> {
        let ledger_index =
            (self.next_add.fetch_add(1, Ordering::Relaxed) % self.ledgers.len() as u64) as usize;
        // `ledger_index` is below `ledgers.len()`, which is at least 1 (checked in `connect`).
        let ledger = &self.ledgers[ledger_index];
        let entry_id = ledger.next_entry_id.fetch_add(1, Ordering::Relaxed);
        let position = EntryPosition {
            ledger_id: ledger.keys.ledger_id,
            entry_id,
        };
        let length = (entry_id + 1) * payload.len() as i64;
        let op = BookieOp::Add {
            ledger_id: position.ledger_id,
            entry_id,
            master_key: ledger.keys.master_key,
            body: ledger
                .keys
                .entry_body(entry_id, entry_id - 1, length, &payload),
            recovery: false,
        };
        self.call(ledger_index, op, move |reply| match reply.status() {
            StatusCode::Ok => Ok(position),
            status => Err(status_error("ADD", status)),
        })
    }

    fn describe(&self) -> String {
        format!(
            "bookie {} ({:?}, {} ledgers from id {}, {} connections)",
            self.config.address,
            self.config.protocol,
            self.config.ledgers,
            self.config.first_ledger_id,
            self.pools.len()
        )
    }
}

impl ReadTarget for BookieTarget {
    fn read(&self, position: EntryPosition) -> BoxFuture<Result<Bytes, BenchError>> {
        let op = BookieOp::Read {
            ledger_id: position.ledger_id,
            entry_id: position.entry_id,
            kind: ReadKind::Normal,
            master_key: [0; 20],
        };
        self.call(
            self.ledger_index(position.ledger_id),
            op,
            |reply| match reply {
                BookieReply::Read {
                    status: StatusCode::Ok,
                    body: Some(body),
                } => Ok(body),
                other => Err(status_error("READ", other.status())),
            },
        )
    }
}
