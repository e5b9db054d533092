//! [`Connection`]: one TCP connection to one bookie, shared by every ledger of the client.
//!
//! A connection is created in the "connecting" state and usable at once: requests queue on its
//! channel in call order while one task resolves the address, connects, and then writes the
//! queued frames (batched into one `write` when several are waiting). A second task reads
//! frames and completes each request's callback.
//!
//! Invariants:
//! - Every request's callback runs exactly once: with the bookie's reply, with `Timeout` when
//!   no reply came within its deadline, or with `Lost` when the connection failed (then every
//!   waiting request fails, and the connection is closed for good; the pool makes a new one).
//! - A waiter is registered before its frame is written, under the same lock that marks the
//!   connection closed, so no request can be registered on a dead connection and forgotten.
//! - A response that matches no waiter (it timed out already) is dropped and logged; a
//!   malformed frame closes the connection with a logged reason.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use metadata::BookieId;
use proto::FrameDecoder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::config::Protocol;
use crate::waiter_table::{Deadline, WaiterTable};
use crate::wire::{decode_reply, encode_op, BookieOp, BookieReply, EncodeError, ReplyKey};

/// Why a request got no reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnError {
    /// The connection could not be made or was lost.
    Lost(String),
    /// No reply within the request's timeout.
    Timeout(Duration),
    /// The request could not be encoded (too large, or v3-only over v2).
    Encode(String),
}

/// Called once with the outcome of a request.
pub type ReplyCallback = Box<dyn FnOnce(Result<BookieReply, ConnError>) + Send>;

/// Where a connection gets its peer's address.
pub type AddressFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>> + Send>>;

/// Bytes of queued frames written with one `write_all` at most.
const WRITE_BATCH_BYTES_MAX: usize = 1 << 20;
/// How often waiting requests are checked against their deadlines.
const TIMEOUT_SWEEP_INTERVAL: Duration = Duration::from_millis(20);

struct Outgoing {
    op: BookieOp,
    timeout: Duration,
    callback: ReplyCallback,
}

struct Waiter {
    deadline: Instant,
    timeout: Duration,
    callback: ReplyCallback,
}

impl Deadline for Waiter {
    fn deadline(&self) -> Instant {
        self.deadline
    }
}

#[derive(Default)]
struct Waiters {
    closed: Option<String>,
    table: WaiterTable<Waiter>,
}

struct Shared {
    bookie: BookieId,
    protocol: Protocol,
    frame_bytes_max: usize,
    waiters: Mutex<Waiters>,
    closed: AtomicBool,
    next_txn_id: AtomicU64,
}

impl Shared {
    fn waiters(&self) -> MutexGuard<'_, Waiters> {
        // A panic while holding this lock cannot leave the map inconsistent (every update is a
        // single insert or removal), so a poisoned lock is still usable.
        self.waiters
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a waiter, or hands the callback back if the connection is closed.
    fn register(&self, key: ReplyKey, waiter: Waiter) -> Result<(), (Waiter, String)> {
        let mut waiters = self.waiters();
        if let Some(reason) = &waiters.closed {
            return Err((waiter, reason.clone()));
        }
        waiters.table.insert(key, waiter);
        Ok(())
    }

    fn take(&self, key: &ReplyKey) -> Option<Waiter> {
        self.waiters().table.take(key)
    }

    /// Closes the connection and fails every waiter with `reason`.
    fn close(&self, reason: &str) {
        let drained: Vec<Waiter> = {
            let mut waiters = self.waiters();
            if waiters.closed.is_some() {
                return;
            }
            waiters.closed = Some(reason.to_owned());
            waiters.table.drain()
        };
        self.closed.store(true, Ordering::Release);
        if !drained.is_empty() {
            tracing::info!(bookie = %self.bookie, reason, failed = drained.len(), "connection to bookie closed");
        }
        for waiter in drained {
            (waiter.callback)(Err(ConnError::Lost(reason.to_owned())));
        }
    }

    /// Fails the waiters whose deadline passed.
    fn expire(&self, now: Instant) {
        let expired: Vec<Waiter> = {
            let mut waiters = self.waiters();
            if waiters.table.is_empty() {
                return;
            }
            waiters.table.expire(now)
        };
        for waiter in expired {
            (waiter.callback)(Err(ConnError::Timeout(waiter.timeout)));
        }
    }
}

/// One connection to one bookie.
pub struct Connection {
    shared: Arc<Shared>,
    outgoing: mpsc::UnboundedSender<Outgoing>,
}

impl Connection {
    /// Creates the connection and starts connecting to the address `address` resolves to, on
    /// the current tokio runtime. Requests may be sent at once.
    pub fn spawn(
        bookie: BookieId,
        address: AddressFuture,
        protocol: Protocol,
        connect_timeout: Duration,
        frame_bytes_max: usize,
    ) -> Arc<Self> {
        let shared = Arc::new(Shared {
            bookie,
            protocol,
            frame_bytes_max,
            waiters: Mutex::new(Waiters::default()),
            closed: AtomicBool::new(false),
            next_txn_id: AtomicU64::new(1),
        });
        let (outgoing, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(shared.clone(), address, connect_timeout, queue));
        Arc::new(Self { shared, outgoing })
    }

    /// Requests sent and not yet answered (nor timed out).
    pub fn in_flight(&self) -> usize {
        self.shared.waiters().table.len()
    }

    /// Whether the connection has failed (a new one is needed).
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// Sends `op`; `callback` runs once with the reply, a timeout after `timeout`, or the
    /// connection's failure.
    pub fn send(&self, op: BookieOp, timeout: Duration, callback: ReplyCallback) {
        let request = Outgoing {
            op,
            timeout,
            callback,
        };
        if let Err(mpsc::error::SendError(request)) = self.outgoing.send(request) {
            let reason = self
                .shared
                .waiters()
                .closed
                .clone()
                .unwrap_or_else(|| "connection task ended".to_owned());
            (request.callback)(Err(ConnError::Lost(reason)));
        }
    }
}

async fn run(
    shared: Arc<Shared>,
    address: AddressFuture,
    connect_timeout: Duration,
    mut queue: mpsc::UnboundedReceiver<Outgoing>,
) {
    let stream = match connect(&address.await, connect_timeout).await {
        Ok(stream) => stream,
        Err(reason) => {
            shared.close(&reason);
            fail_queued(&shared, &mut queue, &reason);
            return;
        }
    };
    let (reader, writer) = stream.into_split();
    let reader_task = tokio::spawn(read_loop(shared.clone(), reader));
    write_loop(&shared, writer, &mut queue).await;
    // The write side ended: a write failed, or every sender is gone (the pool dropped this
    // connection). Either way it is closed for good.
    shared.close("connection closed by the client");
    let reason = shared
        .waiters()
        .closed
        .clone()
        .unwrap_or_else(|| "closed".to_owned());
    fail_queued(&shared, &mut queue, &reason);
    reader_task.abort();
}

async fn connect(
    address: &Result<String, String>,
    connect_timeout: Duration,
) -> Result<TcpStream, String> {
    let address = address.as_ref().map_err(Clone::clone)?;
    let stream = tokio::time::timeout(connect_timeout, TcpStream::connect(address.as_str()))
        .await
        .map_err(|_| format!("connect to {address}: no answer within {connect_timeout:?}"))?
        .map_err(|error| format!("connect to {address}: {error}"))?;
    stream
        .set_nodelay(true)
        .map_err(|error| format!("set TCP_NODELAY on {address}: {error}"))?;
    Ok(stream)
}

fn fail_queued(_shared: &Shared, queue: &mut mpsc::UnboundedReceiver<Outgoing>, reason: &str) {
    queue.close();
    while let Ok(request) = queue.try_recv() {
        (request.callback)(Err(ConnError::Lost(reason.to_owned())));
    }
}

async fn write_loop(
    shared: &Shared,
    mut writer: OwnedWriteHalf,
    queue: &mut mpsc::UnboundedReceiver<Outgoing>,
) {
    let mut buffer = BytesMut::with_capacity(64 * 1024);
    while let Some(first) = queue.recv().await {
        buffer.clear();
        enqueue(shared, first, &mut buffer);
        while buffer.len() < WRITE_BATCH_BYTES_MAX {
            match queue.try_recv() {
                Ok(next) => enqueue(shared, next, &mut buffer),
                Err(_) => break,
            }
        }
        if shared.closed.load(Ordering::Acquire) {
            return;
        }
        if buffer.is_empty() {
            continue;
        }
        if let Err(error) = writer.write_all(&buffer).await {
            shared.close(&format!("write: {error}"));
            return;
        }
    }
}

/// Encodes one request into `buffer` and registers its waiter; fails it at once if it cannot
/// be encoded or the connection is closed.
fn enqueue(shared: &Shared, request: Outgoing, buffer: &mut BytesMut) {
    let txn_id = shared.next_txn_id.fetch_add(1, Ordering::Relaxed);
    let mark = buffer.len();
    let key = match encode_op(
        shared.protocol,
        txn_id,
        &request.op,
        shared.frame_bytes_max,
        buffer,
    ) {
        Ok(key) => key,
        Err(error) => {
            buffer.truncate(mark);
            let error = match error {
                EncodeError::NeedsV3(operation) => format!("{operation} needs protocol v3"),
                EncodeError::Frame(reason) => reason,
            };
            (request.callback)(Err(ConnError::Encode(error)));
            return;
        }
    };
    let waiter = Waiter {
        deadline: Instant::now() + request.timeout,
        timeout: request.timeout,
        callback: request.callback,
    };
    if let Err((waiter, reason)) = shared.register(key, waiter) {
        buffer.truncate(mark);
        (waiter.callback)(Err(ConnError::Lost(reason)));
    }
}

async fn read_loop(shared: Arc<Shared>, mut reader: OwnedReadHalf) {
    let decoder = FrameDecoder::new(shared.frame_bytes_max);
    let mut stream = BytesMut::with_capacity(64 * 1024);
    let mut sweep = tokio::time::interval(TIMEOUT_SWEEP_INTERVAL);
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        loop {
            match decoder.decode(&mut stream) {
                Ok(Some(payload)) => match decode_reply(shared.protocol, payload) {
                    Ok((key, reply)) => match shared.take(&key) {
                        Some(waiter) => (waiter.callback)(Ok(reply)),
                        None => {
                            tracing::debug!(bookie = %shared.bookie, ?key, "response for no waiting request (timed out?)")
                        }
                    },
                    Err(reason) => {
                        tracing::warn!(bookie = %shared.bookie, %reason, "malformed response; closing the connection");
                        shared.close(&format!("malformed response: {reason}"));
                        return;
                    }
                },
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(bookie = %shared.bookie, %error, "bad frame; closing the connection");
                    shared.close(&format!("bad frame: {error}"));
                    return;
                }
            }
        }
        if stream.capacity() - stream.len() < 16 * 1024 {
            stream.reserve(64 * 1024);
        }
        tokio::select! {
            read = reader.read_buf(&mut stream) => match read {
                Ok(0) => {
                    shared.close("the bookie closed the connection");
                    return;
                }
                Ok(_) => {}
                Err(error) => {
                    shared.close(&format!("read: {error}"));
                    return;
                }
            },
            _ = sweep.tick() => shared.expire(Instant::now()),
        }
    }
}
