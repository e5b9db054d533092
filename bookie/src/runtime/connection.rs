//! One client connection: read frames, detect v2/v3 on the first frame (sticky), submit each
//! request to its ledger's core in arrival order, and write responses as they complete
//! (pipelined, possibly out of order).
//!
//! Invariants:
//! - A malformed frame (oversized length, undecodable v2/v3, unknown first byte) closes this
//!   connection only, with a logged reason; a truncated frame at EOF is logged the same way.
//! - At most `connection_requests_in_flight_max` requests of a connection are in flight; at the
//!   bound the reader stops reading the socket (TCP backpressure).
//! - Entry bodies are `Bytes` views of the read buffer: no copy between socket and shard.
//! - An ADD for a ledger of this core that the shard can take at once (the common case) runs
//!   without a task or future: the journal's completion callback queues its answer. Everything
//!   else (other cores, a full write cache, a ledger's first add) runs in a task per request.
//! - Each read asks for a [`ReadChunk`] that follows the traffic (small reads at light load, so
//!   a 1 KiB request does not allocate and zero 64 KiB).

use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use futures_lite::io::{AsyncReadExt, AsyncWriteExt};
use glommio::net::TcpStream;
use proto::{detect_protocol, FrameDecoder, StatusCode, WireProtocol};

use super::core::CoreContext;
use super::read_chunk::{ReadChunk, READ_CHUNK_BYTES_MAX};
use super::reply_queue::ReplyQueue;
use crate::server::op::{Op, Outcome};
use crate::server::protocol::{
    bookie_info_reply, decode_request, encode_reply, reply_for, DecodeLimits, Decoded, Reply,
};

/// Serves one connection until the peer closes it or sends a malformed frame.
pub async fn serve(context: Rc<CoreContext>, stream: TcpStream) {
    let peer = stream
        .peer_addr()
        .map(|address| address.to_string())
        .unwrap_or_else(|_| "unknown".to_owned());
    if let Err(error) = stream.set_nodelay(context.config.tcp_no_delay) {
        tracing::debug!(%peer, %error, "cannot set TCP_NODELAY");
    }
    context
        .metrics
        .connections_accepted
        .fetch_add(1, Ordering::Relaxed);
    let (reader, writer) = futures_lite::io::split(stream);
    let replies = Rc::new(ReplyQueue::default());
    let writer_task = glommio::spawn_local(write_loop(
        writer,
        Rc::clone(&replies),
        context.config.frame_bytes_max,
    ));
    match read_loop(&context, reader, &replies).await {
        Ok(()) => {
            tracing::debug!(%peer, "connection closed by the client");
            // The writer stops after the answers of the requests still running are written.
            replies.close();
            writer_task.await;
        }
        Err(reason) => {
            context
                .metrics
                .connections_closed_malformed
                .fetch_add(1, Ordering::Relaxed);
            tracing::warn!(%peer, %reason, "closing connection");
            replies.close();
            drop(writer_task);
        }
    }
}

async fn read_loop(
    context: &Rc<CoreContext>,
    mut reader: futures_lite::io::ReadHalf<TcpStream>,
    replies: &Rc<ReplyQueue>,
) -> Result<(), String> {
    let decoder = FrameDecoder::new(context.config.frame_bytes_max);
    let limits = DecodeLimits {
        long_poll_wait_max_ms: context.config.long_poll_wait_max_ms,
    };
    let permits = Arc::new(async_lock::Semaphore::new(
        context.config.connection_requests_in_flight_max,
    ));
    let mut chunk = ReadChunk::default();
    let mut buffer = BytesMut::with_capacity(chunk.bytes());
    let mut protocol: Option<WireProtocol> = None;
    // When the bytes of the frames being decoded arrived: one clock read per socket read, the
    // start of every request latency measured for them.
    let mut received = Instant::now();
    loop {
        while let Some(payload) = decoder
            .decode(&mut buffer)
            .map_err(|error| error.to_string())?
        {
            let wire = match protocol {
                Some(wire) => wire,
                None => {
                    let wire = detect_protocol(&payload).map_err(|error| error.to_string())?;
                    protocol = Some(wire);
                    wire
                }
            };
            let decoded = decode_request(wire, payload, limits)?;
            let permit = permits.acquire_arc().await;
            dispatch(context, decoded, replies, permit, received).await;
        }
        let start = buffer.len();
        buffer.resize(start + chunk.bytes(), 0);
        let read = match buffer.get_mut(start..) {
            Some(tail) => reader.read(tail).await,
            None => Ok(0),
        };
        let read = match read {
            Ok(read) => read,
            Err(error) => {
                buffer.truncate(start);
                return Err(format!("read error: {error}"));
            }
        };
        buffer.truncate(start + read);
        received = Instant::now();
        chunk.record(read);
        if read == 0 {
            if buffer.is_empty() {
                return Ok(());
            }
            return Err(format!(
                "truncated frame: connection closed with {} bytes of an incomplete frame",
                buffer.len()
            ));
        }
    }
}

/// Submits one decoded request, whose bytes arrived at `started`; its answer is queued on
/// `replies` when ready.
async fn dispatch(
    context: &Rc<CoreContext>,
    decoded: Decoded,
    replies: &Rc<ReplyQueue>,
    permit: async_lock::SemaphoreGuardArc,
    started: Instant,
) {
    match decoded {
        Decoded::Reply(reply) => {
            replies.push(reply);
            drop(permit);
        }
        Decoded::GetBookieInfo { txn_id, requested } => {
            let (free, total) = context.space_bytes();
            replies.push(bookie_info_reply(txn_id, requested, free, total));
            drop(permit);
        }
        Decoded::Op(op, reply_to) => {
            let kind = RequestKind::of(&op);
            let answer = {
                let (context, replies) = (Rc::clone(context), Rc::clone(replies));
                // `finished`: when the outcome was known (one clock read per answer).
                move |outcome: Outcome, finished: Instant| {
                    let ok = outcome.status() == StatusCode::Ok;
                    replies.push_expected(reply_for(reply_to, outcome));
                    let latency = finished.saturating_duration_since(started);
                    match kind {
                        RequestKind::Add => context.metrics.add_request.record(ok, latency),
                        RequestKind::Read => context.metrics.read_request.record(ok, latency),
                        RequestKind::Other => {}
                    }
                    drop(permit);
                }
            };
            if context.can_add_now(&op) {
                // The common ADD: no task and no future; the journal's completion answers it.
                replies.expect();
                context.add_now(op, started, answer);
                return;
            }
            let error_outcome = Outcome::error_for(&op, StatusCode::IoError);
            let submitted = context.submit(op).await;
            let context = Rc::clone(context);
            replies.expect();
            glommio::spawn_local(async move {
                let outcome = context.complete(submitted, || error_outcome).await;
                answer(outcome, Instant::now());
            })
            .detach();
        }
    }
}

#[derive(Clone, Copy)]
enum RequestKind {
    Add,
    Read,
    Other,
}

impl RequestKind {
    fn of(op: &Op) -> Self {
        match op {
            Op::Add { .. } => Self::Add,
            Op::Read { .. } | Op::BatchRead { .. } => Self::Read,
            _ => Self::Other,
        }
    }
}

async fn write_loop(
    mut writer: futures_lite::io::WriteHalf<TcpStream>,
    replies: Rc<ReplyQueue>,
    frame_bytes_max: usize,
) {
    let mut batch: Vec<Reply> = Vec::new();
    let mut out = BytesMut::with_capacity(READ_CHUNK_BYTES_MAX);
    while replies.take_all(&mut batch).await {
        for reply in batch.drain(..) {
            if let Err(error) = encode_reply(&reply, frame_bytes_max, &mut out) {
                tracing::error!(%error, "response larger than the frame limit dropped");
            }
        }
        if let Err(error) = writer.write_all(&out).await {
            tracing::debug!(%error, "write to client failed");
            return;
        }
        out.clear();
    }
    let _ = writer.flush().await;
}
