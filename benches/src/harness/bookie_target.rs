//! [`BookieTarget`]: adds and reads against one bookie, without metadata (the bookie accepts
//! any ledger id with a master key).
//!
//! Adds go round-robin over `ledgers` ledgers with consecutive entry ids per ledger, each body
//! built with a CRC32C digest as a BookKeeper client would (the digest is computed here, so
//! the client's CPU cost is part of the measurement). Ledger `i` uses connection
//! `i % connections`, so each ledger's adds leave in entry order on one socket.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use proto::{make_entry_body, v2, v3, DigestType, EntryHeader, MacKey, StatusCode};
use types::MasterKey;

use super::connection::{Connection, Key, Protocol, Reply};
use super::error::BenchError;
use super::target::{AddTarget, BoxFuture, EntryPosition, ReadTarget};

/// The password of every benchmark ledger.
const PASSWORD: &[u8] = b"bench";

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
    id: i64,
    next_entry_id: AtomicI64,
}

/// One bookie as an [`AddTarget`] and [`ReadTarget`].
pub struct BookieTarget {
    config: BookieTargetConfig,
    connections: Vec<Arc<Connection>>,
    ledgers: Vec<Ledger>,
    next_add: AtomicU64,
    master_key: MasterKey,
    mac_key: MacKey,
}

impl BookieTarget {
    /// Opens the connections.
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
        let mut connections = Vec::with_capacity(config.connections);
        for _ in 0..config.connections {
            connections.push(Connection::connect(&config.address, config.protocol).await?);
        }
        let ledgers = (0..config.ledgers as i64)
            .map(|index| Ledger {
                id: config.first_ledger_id + index,
                next_entry_id: AtomicI64::new(0),
            })
            .collect();
        Ok(Self {
            config,
            connections,
            ledgers,
            next_add: AtomicU64::new(0),
            master_key: proto::master_key(PASSWORD),
            mac_key: MacKey::from_password(PASSWORD),
        })
    }

    fn connection_of(&self, ledger_index: usize) -> &Arc<Connection> {
        // `connections` is never empty (checked in `connect`).
        &self.connections[ledger_index % self.connections.len()]
    }

    fn ledger_index(&self, ledger_id: i64) -> usize {
        (ledger_id - self.config.first_ledger_id).rem_euclid(self.ledgers.len() as i64) as usize
    }

    fn encode_add(
        &self,
        connection: &Connection,
        position: EntryPosition,
        body: Bytes,
    ) -> Result<(Key, Bytes), BenchError> {
        let mut out = BytesMut::new();
        let key = match connection.protocol() {
            Protocol::V2 => {
                let request = v2::AddRequest::new(2, v2::Flags::NONE, self.master_key, body)
                    .map_err(|error| BenchError::Protocol(error.to_string()))?;
                v2::Request::Add(request)
                    .encode_frame(proto::FRAME_BYTES_MAX_DEFAULT, &mut out)
                    .map_err(|error| frame_too_big(&error))?;
                Key::V2Add(position.ledger_id, position.entry_id)
            }
            Protocol::V3 => {
                let txn_id = connection.next_txn_id();
                let body = v3::RequestBody::Add(v3::AddRequest {
                    ledger_id: position.ledger_id,
                    entry_id: position.entry_id,
                    master_key: Bytes::copy_from_slice(&self.master_key),
                    body,
                    write_flags: None,
                    flag: None,
                });
                v3::Request::new(txn_id, body)
                    .encode_frame(proto::FRAME_BYTES_MAX_DEFAULT, &mut out)
                    .map_err(|error| frame_too_big(&error))?;
                Key::V3(txn_id)
            }
        };
        Ok((key, out.freeze()))
    }

    fn encode_read(
        &self,
        connection: &Connection,
        position: EntryPosition,
    ) -> Result<(Key, Bytes), BenchError> {
        let mut out = BytesMut::new();
        let key = match connection.protocol() {
            Protocol::V2 => {
                v2::Request::Read(v2::ReadRequest {
                    version: 2,
                    flags: v2::Flags::NONE,
                    ledger_id: position.ledger_id,
                    entry_id: position.entry_id,
                    master_key: None,
                })
                .encode_frame(proto::FRAME_BYTES_MAX_DEFAULT, &mut out)
                .map_err(|error| frame_too_big(&error))?;
                Key::V2Read(position.ledger_id, position.entry_id)
            }
            Protocol::V3 => {
                let txn_id = connection.next_txn_id();
                let body = v3::RequestBody::Read(v3::ReadRequest {
                    ledger_id: position.ledger_id,
                    entry_id: position.entry_id,
                    master_key: None,
                    previous_lac: None,
                    timeout_ms: None,
                    flag: None,
                });
                v3::Request::new(txn_id, body)
                    .encode_frame(proto::FRAME_BYTES_MAX_DEFAULT, &mut out)
                    .map_err(|error| frame_too_big(&error))?;
                Key::V3(txn_id)
            }
        };
        Ok((key, out.freeze()))
    }
}

fn frame_too_big(error: &proto::FrameError) -> BenchError {
    BenchError::BadFlag {
        flag: "entry-bytes",
        message: format!("{error}; use a smaller entry"),
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
            ledger_id: ledger.id,
            entry_id,
        };
        let header = EntryHeader {
            ledger_id: ledger.id,
            entry_id,
            last_add_confirmed: entry_id - 1,
            length: (entry_id + 1) * payload.len() as i64,
        };
        let body = Bytes::from(make_entry_body(
            DigestType::Crc32c,
            &self.mac_key,
            &header,
            &payload,
        ));
        let connection = self.connection_of(ledger_index);
        let answer = match self.encode_add(connection, position, body) {
            Ok((key, frame)) => connection.call(key, frame),
            Err(error) => return Box::pin(async move { Err(error) }),
        };
        Box::pin(async move {
            match answer.await? {
                Reply::Add(StatusCode::Ok) => Ok(position),
                reply => Err(status_error("ADD", reply.status())),
            }
        })
    }

    fn describe(&self) -> String {
        format!(
            "bookie {} ({:?}, {} ledgers from id {}, {} connections)",
            self.config.address,
            self.config.protocol,
            self.config.ledgers,
            self.config.first_ledger_id,
            self.connections.len()
        )
    }
}

impl ReadTarget for BookieTarget {
    fn read(&self, position: EntryPosition) -> BoxFuture<Result<Bytes, BenchError>> {
        let connection = self.connection_of(self.ledger_index(position.ledger_id));
        let answer = match self.encode_read(connection, position) {
            Ok((key, frame)) => connection.call(key, frame),
            Err(error) => return Box::pin(async move { Err(error) }),
        };
        Box::pin(async move {
            match answer.await? {
                Reply::Read(StatusCode::Ok, body) => Ok(body),
                reply => Err(status_error("READ", reply.status())),
            }
        })
    }
}
