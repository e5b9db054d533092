//! One tokio TCP connection to one bookie, speaking v2 or v3, with any number of requests in
//! flight.
//!
//! A writer task coalesces queued frames into one `write_all`; a reader task splits the stream
//! into frames, decodes each response and completes the waiter registered for it.
//! Invariants:
//! - a waiter is registered before its frame is queued, so a response can never arrive for a
//!   request the reader does not know;
//! - v2 responses are matched by (operation, ledger, entry), v3 responses by txnId; the caller
//!   never has two v2 requests of the same operation for the same entry in flight on one
//!   connection (a duplicate registration is refused);
//! - when the connection fails, every waiter (current and later) gets `ConnectionLost`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::{Bytes, BytesMut};
use proto::{v2, v3, FrameDecoder, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};

use super::error::BenchError;
use super::target::BoxFuture;

/// Bytes the writer task gathers into one socket write at most.
const COALESCE_BYTES_MAX: usize = 1 << 20;

/// The wire protocol of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// The binary protocol (BookKeeper's default for adds and reads).
    V2,
    /// The protobuf protocol.
    V3,
}

/// What a request waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// A v2 ADD of (ledger, entry).
    V2Add(i64, i64),
    /// A v2 READ of (ledger, entry).
    V2Read(i64, i64),
    /// A v3 request with this txnId.
    V3(u64),
}

/// A decoded answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// ADD answer.
    Add(StatusCode),
    /// READ answer: status and the stored entry body (empty on errors).
    Read(StatusCode, Bytes),
    /// A v3 answer with only a top-level status (EBADREQ for an operation the bookie refused).
    StatusOnly(StatusCode),
}

impl Reply {
    /// The status of any answer.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Add(status) | Self::Read(status, _) | Self::StatusOnly(status) => *status,
        }
    }
}

type Waiter = oneshot::Sender<Result<Reply, BenchError>>;

#[derive(Default)]
struct Pending {
    address: String,
    waiters: HashMap<Key, Waiter>,
    closed: Option<String>,
}

/// A connection; cheap to share behind an `Arc`.
pub struct Connection {
    address: String,
    protocol: Protocol,
    frames: mpsc::UnboundedSender<Bytes>,
    pending: Arc<Mutex<Pending>>,
    next_txn_id: AtomicU64,
}

impl Connection {
    /// Connects to `address` (host:port); must be called inside a tokio runtime.
    pub async fn connect(address: &str, protocol: Protocol) -> Result<Arc<Self>, BenchError> {
        let stream = TcpStream::connect(address)
            .await
            .map_err(|error| BenchError::Connect {
                address: address.to_owned(),
                message: error.to_string(),
            })?;
        stream
            .set_nodelay(true)
            .map_err(|error| BenchError::Connect {
                address: address.to_owned(),
                message: error.to_string(),
            })?;
        let (reader, writer) = stream.into_split();
        let (frames, queued) = mpsc::unbounded_channel();
        let pending = Arc::new(Mutex::new(Pending {
            address: address.to_owned(),
            ..Pending::default()
        }));
        tokio::spawn(write_loop(writer, queued, Arc::clone(&pending)));
        tokio::spawn(read_loop(reader, protocol, Arc::clone(&pending)));
        Ok(Arc::new(Self {
            address: address.to_owned(),
            protocol,
            frames,
            pending,
            next_txn_id: AtomicU64::new(1),
        }))
    }

    /// The protocol spoken.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// A fresh v3 txnId.
    pub fn next_txn_id(&self) -> u64 {
        self.next_txn_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Registers `key`, queues `frame` (a whole encoded frame) and returns the future of the
    /// answer. Registration and queueing happen now, in call order.
    pub fn call(&self, key: Key, frame: Bytes) -> BoxFuture<Result<Reply, BenchError>> {
        let (sender, receiver) = oneshot::channel();
        let registered = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(reason) = &pending.closed {
                Err(self.lost(reason))
            } else {
                match pending.waiters.entry(key) {
                    std::collections::hash_map::Entry::Occupied(_) => Err(BenchError::Protocol(
                        format!("request {key:?} is already in flight on this connection"),
                    )),
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(sender);
                        Ok(())
                    }
                }
            }
        };
        if let Err(error) = registered {
            return Box::pin(async move { Err(error) });
        }
        if self.frames.send(frame).is_err() {
            let error = self.lost("the writer task ended");
            return Box::pin(async move { Err(error) });
        }
        let address = self.address.clone();
        Box::pin(async move {
            receiver.await.unwrap_or_else(|_| {
                Err(BenchError::ConnectionLost {
                    address,
                    message: "the reader task ended".to_owned(),
                })
            })
        })
    }

    fn lost(&self, reason: &str) -> BenchError {
        BenchError::ConnectionLost {
            address: self.address.clone(),
            message: reason.to_owned(),
        }
    }
}

async fn write_loop(
    mut writer: OwnedWriteHalf,
    mut queued: mpsc::UnboundedReceiver<Bytes>,
    pending: Arc<Mutex<Pending>>,
) {
    let mut batch = BytesMut::with_capacity(COALESCE_BYTES_MAX);
    while let Some(first) = queued.recv().await {
        batch.clear();
        batch.extend_from_slice(&first);
        while batch.len() < COALESCE_BYTES_MAX {
            match queued.try_recv() {
                Ok(more) => batch.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        if let Err(error) = writer.write_all(&batch).await {
            fail_all(&pending, format!("write: {error}"));
            return;
        }
    }
}

async fn read_loop(mut reader: OwnedReadHalf, protocol: Protocol, pending: Arc<Mutex<Pending>>) {
    let decoder = FrameDecoder::default();
    let mut buffer = BytesMut::with_capacity(1 << 16);
    let reason = 'connection: loop {
        loop {
            match decoder.decode(&mut buffer) {
                Ok(Some(frame)) => match decode(protocol, frame) {
                    Ok((key, reply)) => complete(&pending, key, reply),
                    Err(error) => break 'connection error.to_string(),
                },
                Ok(None) => break,
                Err(error) => break 'connection format!("bad frame: {error}"),
            }
        }
        match reader.read_buf(&mut buffer).await {
            Ok(0) => break "the bookie closed the connection".to_owned(),
            Ok(_) => {}
            Err(error) => break format!("read: {error}"),
        }
    };
    fail_all(&pending, reason);
}

fn decode(protocol: Protocol, frame: Bytes) -> Result<(Key, Reply), BenchError> {
    match protocol {
        Protocol::V2 => match v2::Response::decode(frame) {
            Ok(v2::Response::Add(add)) => Ok((
                Key::V2Add(add.ledger_id, add.entry_id),
                Reply::Add(add.status),
            )),
            Ok(v2::Response::Read(read)) => Ok((
                Key::V2Read(read.ledger_id, read.entry_id),
                Reply::Read(read.status, read.body),
            )),
            Ok(other) => Err(BenchError::Protocol(format!(
                "unexpected v2 response {:?}",
                other.header()
            ))),
            Err(error) => Err(BenchError::Protocol(format!("v2 response: {error}"))),
        },
        Protocol::V3 => {
            let response = v3::Response::decode(frame)
                .map_err(|error| BenchError::Protocol(format!("v3 response: {error}")))?;
            let key = Key::V3(response.header.txn_id);
            match response.body {
                Some(v3::ResponseBody::Add(add)) => Ok((key, Reply::Add(add.status))),
                Some(v3::ResponseBody::Read(read)) => {
                    Ok((key, Reply::Read(read.status, read.body.unwrap_or_default())))
                }
                Some(other) => Err(BenchError::Protocol(format!(
                    "unexpected v3 response {:?}",
                    other.operation()
                ))),
                None => Ok((key, Reply::StatusOnly(response.status))),
            }
        }
    }
}

fn complete(pending: &Mutex<Pending>, key: Key, reply: Reply) {
    let waiter = pending
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .waiters
        .remove(&key);
    if let Some(waiter) = waiter {
        let _ = waiter.send(Ok(reply));
    }
}

fn fail_all(pending: &Mutex<Pending>, reason: String) {
    let (address, waiters): (String, Vec<Waiter>) = {
        let mut pending = pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.closed = Some(reason.clone());
        let waiters = pending.waiters.drain().map(|(_, waiter)| waiter).collect();
        (pending.address.clone(), waiters)
    };
    for waiter in waiters {
        let _ = waiter.send(Err(BenchError::ConnectionLost {
            address: address.clone(),
            message: reason.clone(),
        }));
    }
}
