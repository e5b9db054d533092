//! The wire side of a request: a frame of a connection's (sticky) protocol becomes an [`Op`]
//! plus what the answer needs ([`ReplyTo`]), or an immediate [`Reply`]; an [`Outcome`] becomes
//! the v2 or v3 response. Pure functions: no I/O, no storage.
//!
//! Invariants:
//! - A frame that cannot be decoded yields `Err(reason)` and the caller closes that connection;
//!   a well-formed v3 request for an unknown operation gets EBADREQ instead (as BookKeeper does).
//! - v2 answers echo the request's version byte and opcode; v3 answers echo txnId and operation.
//! - v3 normal reads carry `maxLAC`; fencing and high-priority (recovery) reads do not
//!   (fixture README point 3).

use bytes::{Bytes, BytesMut};
use proto::auth::{AuthMessage, AUTH_DISABLED_PLUGIN_NAME};
use proto::v2;
use proto::v3::{
    self, AddFlag, OperationType, ProtocolVersion, ReadFlag, RequestBody, ResponseBody,
};
use proto::{FrameError, StatusCode, WireProtocol};
use types::{special_entry, EntryId, LedgerId, MasterKey, MASTER_KEY_LEN_BYTES};

use super::op::{LongPoll, Op, Outcome};

/// What an answer to a routed [`Op`] must echo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyTo {
    /// A v2 ADD or READ.
    V2 {
        /// The request's version byte.
        version: u8,
        /// ADD or READ.
        opcode: v2::Opcode,
        /// The ledger.
        ledger_id: LedgerId,
        /// The entry.
        entry_id: EntryId,
    },
    /// A v2 BATCH_READ.
    V2Batch {
        /// The request's version byte.
        version: u8,
        /// The ledger.
        ledger_id: LedgerId,
        /// The first requested entry.
        start_entry_id: EntryId,
        /// The client's correlation id.
        request_id: i64,
    },
    /// A v3 request.
    V3 {
        /// The request's txnId.
        txn_id: u64,
        /// The request's operation.
        operation: OperationType,
        /// The ledger.
        ledger_id: LedgerId,
        /// The entry (0 where the request has none).
        entry_id: EntryId,
        /// Echo EBADVERSION instead of the outcome's status (bad header version).
        bad_version: bool,
    },
}

/// A response ready to encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A v2 response.
    V2(v2::Response),
    /// A v3 response.
    V3(v3::Response),
    /// A v3 EBADREQ for an operation number the bookie does not serve.
    V3BadRequest {
        /// The request's txnId.
        txn_id: u64,
        /// The raw operation number, echoed.
        operation: i32,
    },
}

/// A decoded request.
#[derive(Debug, Clone)]
pub enum Decoded {
    /// Route `op` to the ledger's core and answer with [`reply_for`].
    Op(Op, ReplyTo),
    /// Answer at once.
    Reply(Reply),
    /// GET_BOOKIE_INFO: answer with [`bookie_info_reply`] and the disk space.
    GetBookieInfo {
        /// The request's txnId.
        txn_id: u64,
        /// The bit mask asked for (absent = both).
        requested: Option<i64>,
    },
}

/// Limits applied while decoding.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    /// Longest long-poll wait honoured, in milliseconds.
    pub long_poll_wait_max_ms: u64,
}

/// Decodes one frame payload of a connection speaking `protocol`.
pub fn decode_request(
    protocol: WireProtocol,
    payload: Bytes,
    limits: DecodeLimits,
) -> Result<Decoded, String> {
    match protocol {
        WireProtocol::V2 => decode_v2(payload),
        WireProtocol::V3 => decode_v3(payload, limits),
    }
}

fn decode_v2(payload: Bytes) -> Result<Decoded, String> {
    let request = v2::Request::decode(payload).map_err(|error| error.to_string())?;
    match request {
        v2::Request::Add(add) => {
            let (ledger_id, entry_id) = (add.ledger_id(), add.entry_id());
            let reply_to = ReplyTo::V2 {
                version: add.version,
                opcode: v2::Opcode::AddEntry,
                ledger_id,
                entry_id,
            };
            let op = Op::Add {
                ledger_id,
                entry_id,
                master_key: add.master_key,
                body: add.body().clone(),
                recovery: add.flags.contains(v2::Flags::RECOVERY_ADD),
                high_priority: add.flags.contains(v2::Flags::HIGH_PRIORITY),
            };
            Ok(Decoded::Op(op, reply_to))
        }
        v2::Request::Read(read) => {
            let fencing = read.flags.contains(v2::Flags::DO_FENCING);
            if fencing && read.master_key.is_none() {
                let reply =
                    v2::ReadResponse::answering(&read, StatusCode::Unauthorized, Bytes::new());
                return Ok(Decoded::Reply(Reply::V2(v2::Response::Read(reply))));
            }
            let reply_to = ReplyTo::V2 {
                version: read.version,
                opcode: v2::Opcode::ReadEntry,
                ledger_id: read.ledger_id,
                entry_id: read.entry_id,
            };
            let op = Op::Read {
                ledger_id: read.ledger_id,
                entry_id: read.entry_id,
                fence_key: if fencing { read.master_key } else { None },
                long_poll: None,
                piggyback: false,
                want_max_lac: false,
            };
            Ok(Decoded::Op(op, reply_to))
        }
        v2::Request::Auth(auth) => {
            let message = AuthMessage {
                auth_plugin_name: AUTH_DISABLED_PLUGIN_NAME.to_owned(),
                payload: Bytes::new(),
            };
            tracing::debug!(plugin = %auth.message.auth_plugin_name, "AUTH with auth disabled: answering AuthDisabledPlugin");
            Ok(Decoded::Reply(Reply::V2(v2::Response::Auth(
                v2::AuthResponse {
                    version: auth.version,
                    message,
                },
            ))))
        }
        v2::Request::BatchRead(batch) => {
            let fencing = batch.flags.contains(v2::Flags::DO_FENCING);
            if fencing && batch.master_key.is_none() {
                let reply = v2::BatchReadResponse::answering(
                    &batch,
                    StatusCode::Unauthorized,
                    v2::BatchEntries::default(),
                );
                return Ok(Decoded::Reply(Reply::V2(v2::Response::BatchRead(reply))));
            }
            let reply_to = ReplyTo::V2Batch {
                version: batch.version,
                ledger_id: batch.ledger_id,
                start_entry_id: batch.start_entry_id,
                request_id: batch.request_id,
            };
            let op = Op::BatchRead {
                ledger_id: batch.ledger_id,
                start_entry_id: batch.start_entry_id,
                max_count: batch.max_count,
                max_size_bytes: batch.max_size_bytes,
                fence_key: if fencing { batch.master_key } else { None },
            };
            Ok(Decoded::Op(op, reply_to))
        }
    }
}

fn master_key(bytes: &Bytes) -> Option<MasterKey> {
    let mut key = [0u8; MASTER_KEY_LEN_BYTES];
    if bytes.len() != MASTER_KEY_LEN_BYTES {
        return None;
    }
    key.copy_from_slice(bytes);
    Some(key)
}

fn decode_v3(payload: Bytes, limits: DecodeLimits) -> Result<Decoded, String> {
    let request = match v3::Request::decode(payload) {
        Ok(request) => request,
        Err(error) => {
            return match error.unanswered_operation() {
                Some((txn_id, operation)) => {
                    Ok(Decoded::Reply(Reply::V3BadRequest { txn_id, operation }))
                }
                None => Err(error.to_string()),
            };
        }
    };
    let txn_id = request.header.txn_id;
    let high_priority = request.header.is_high_priority();
    let bad_version = request.header.version != ProtocolVersion::VersionThree;
    let (ledger_id, entry_id) = request_ids(&request.body);
    let reply_to = ReplyTo::V3 {
        txn_id,
        operation: request.operation(),
        ledger_id,
        entry_id,
        bad_version,
    };
    let status_only = |status| {
        Decoded::Reply(Reply::V3(v3::Response::status_only(
            request.response_header(),
            status,
        )))
    };
    let op = match &request.body {
        RequestBody::Add(add) => {
            let Some(key) = master_key(&add.master_key) else {
                return Ok(Decoded::Reply(reply_for(
                    reply_to,
                    Outcome::Status(StatusCode::Unauthorized),
                )));
            };
            Op::Add {
                ledger_id: add.ledger_id,
                entry_id: add.entry_id,
                master_key: key,
                body: add.body.clone(),
                recovery: add.flag == Some(AddFlag::RecoveryAdd),
                high_priority,
            }
        }
        RequestBody::Read(read) => {
            let fencing = read.flag == Some(ReadFlag::FenceLedger);
            let piggyback = read.flag == Some(ReadFlag::EntryPiggyback);
            let fence_key = if fencing {
                read.master_key.as_ref().and_then(master_key)
            } else {
                None
            };
            let error = if fencing && fence_key.is_none() {
                Some(StatusCode::Unauthorized)
            } else if piggyback
                && (read.previous_lac.is_none()
                    || read.entry_id != special_entry::LAST_ADD_CONFIRMED)
            {
                Some(StatusCode::BadRequest)
            } else {
                None
            };
            let op = Op::Read {
                ledger_id: read.ledger_id,
                entry_id: read.entry_id,
                fence_key,
                long_poll: read.previous_lac.map(|previous_lac| LongPoll {
                    previous_lac,
                    timeout_ms: read.timeout_ms.unwrap_or(0).clamp(
                        0,
                        i64::try_from(limits.long_poll_wait_max_ms).unwrap_or(i64::MAX),
                    ) as u64,
                }),
                piggyback,
                want_max_lac: !fencing && !high_priority,
            };
            if let Some(status) = error {
                let outcome = Outcome::error_for(&op, status);
                return Ok(Decoded::Reply(reply_for(reply_to, outcome)));
            }
            op
        }
        RequestBody::WriteLac(write) => {
            let Some(key) = master_key(&write.master_key) else {
                return Ok(Decoded::Reply(reply_for(
                    reply_to,
                    Outcome::Status(StatusCode::Unauthorized),
                )));
            };
            Op::WriteLac {
                ledger_id: write.ledger_id,
                master_key: key,
                blob: write.body.clone(),
            }
        }
        RequestBody::ReadLac { ledger_id } => Op::ReadLac {
            ledger_id: *ledger_id,
        },
        RequestBody::ForceLedger { ledger_id } => Op::ForceLedger {
            ledger_id: *ledger_id,
        },
        RequestBody::GetListOfEntriesOfLedger { ledger_id } => Op::ListEntries {
            ledger_id: *ledger_id,
        },
        RequestBody::GetBookieInfo { requested } => {
            return Ok(Decoded::GetBookieInfo {
                txn_id,
                requested: *requested,
            })
        }
        RequestBody::Auth(message) => {
            tracing::debug!(plugin = %message.auth_plugin_name, "AUTH with auth disabled: answering AuthDisabledPlugin");
            let answer = AuthMessage {
                auth_plugin_name: AUTH_DISABLED_PLUGIN_NAME.to_owned(),
                payload: Bytes::new(),
            };
            return Ok(Decoded::Reply(Reply::V3(v3::Response::answering(
                txn_id,
                ResponseBody::Auth(answer),
            ))));
        }
        RequestBody::StartTls => {
            tracing::warn!(txn_id, "START_TLS refused: this bookie does not serve TLS");
            return Ok(status_only(StatusCode::BadRequest));
        }
    };
    Ok(Decoded::Op(op, reply_to))
}

fn request_ids(body: &RequestBody) -> (LedgerId, EntryId) {
    match body {
        RequestBody::Add(add) => (add.ledger_id, add.entry_id),
        RequestBody::Read(read) => (read.ledger_id, read.entry_id),
        RequestBody::WriteLac(write) => (write.ledger_id, write.lac),
        RequestBody::ReadLac { ledger_id }
        | RequestBody::ForceLedger { ledger_id }
        | RequestBody::GetListOfEntriesOfLedger { ledger_id } => (*ledger_id, 0),
        RequestBody::Auth(_) | RequestBody::GetBookieInfo { .. } | RequestBody::StartTls => (0, 0),
    }
}

/// The response to a routed op.
pub fn reply_for(reply_to: ReplyTo, outcome: Outcome) -> Reply {
    match reply_to {
        ReplyTo::V2 {
            version,
            opcode,
            ledger_id,
            entry_id,
        } => reply_v2(version, opcode, ledger_id, entry_id, outcome),
        ReplyTo::V2Batch {
            version,
            ledger_id,
            start_entry_id,
            request_id,
        } => {
            let status = outcome.status();
            let entries = match outcome {
                Outcome::BatchRead { entries, .. } if status == StatusCode::Ok => entries,
                _ => v2::BatchEntries::default(),
            };
            Reply::V2(v2::Response::BatchRead(v2::BatchReadResponse {
                version,
                status,
                ledger_id,
                start_entry_id,
                request_id,
                entries,
            }))
        }
        ReplyTo::V3 {
            txn_id,
            operation,
            ledger_id,
            entry_id,
            bad_version,
        } => {
            let outcome = if bad_version {
                with_status(outcome, StatusCode::BadVersion)
            } else {
                outcome
            };
            Reply::V3(v3::Response::answering(
                txn_id,
                body_v3(operation, outcome, ledger_id, entry_id),
            ))
        }
    }
}

fn with_status(outcome: Outcome, status: StatusCode) -> Outcome {
    match outcome {
        Outcome::Status(_) => Outcome::Status(status),
        Outcome::Read { entry_id, .. } => Outcome::Read {
            status,
            entry_id,
            body: None,
            max_lac: None,
        },
        Outcome::ReadLac { .. } => Outcome::ReadLac {
            status,
            lac_body: None,
            last_entry_body: None,
        },
        Outcome::BatchRead { .. } => Outcome::BatchRead {
            status,
            entries: v2::BatchEntries::default(),
        },
        Outcome::Entries { .. } => Outcome::Entries {
            status,
            availability: None,
        },
    }
}

fn reply_v2(
    version: u8,
    opcode: v2::Opcode,
    ledger_id: LedgerId,
    entry_id: EntryId,
    outcome: Outcome,
) -> Reply {
    let status = outcome.status();
    let response = match (opcode, outcome) {
        (v2::Opcode::ReadEntry, Outcome::Read { body, .. }) => {
            v2::Response::Read(v2::ReadResponse {
                version,
                status,
                ledger_id,
                entry_id,
                body: if status == StatusCode::Ok {
                    body.unwrap_or_default()
                } else {
                    Bytes::new()
                },
            })
        }
        _ => v2::Response::Add(v2::AddResponse {
            version,
            status,
            ledger_id,
            entry_id,
        }),
    };
    Reply::V2(response)
}

fn body_v3(
    operation: OperationType,
    outcome: Outcome,
    ledger_id: LedgerId,
    request_entry_id: EntryId,
) -> ResponseBody {
    match outcome {
        Outcome::Status(status) => match operation {
            OperationType::WriteLac => {
                ResponseBody::WriteLac(v3::LedgerStatusResponse { status, ledger_id })
            }
            OperationType::ForceLedger => {
                ResponseBody::ForceLedger(v3::LedgerStatusResponse { status, ledger_id })
            }
            _ => ResponseBody::Add(v3::AddResponse {
                status,
                ledger_id,
                entry_id: request_entry_id,
            }),
        },
        Outcome::Read {
            status,
            entry_id,
            body,
            max_lac,
        } => ResponseBody::Read(v3::ReadResponse {
            status,
            ledger_id,
            entry_id,
            body,
            max_lac,
            lac_update_timestamp: None,
        }),
        Outcome::ReadLac {
            status,
            lac_body,
            last_entry_body,
        } => ResponseBody::ReadLac(v3::ReadLacResponse {
            status,
            ledger_id,
            lac_body,
            last_entry_body,
        }),
        Outcome::BatchRead { status, .. } => ResponseBody::Read(v3::ReadResponse {
            // BATCH_READ exists only in v2; a v3 request never becomes one.
            status,
            ledger_id,
            entry_id: request_entry_id,
            body: None,
            max_lac: None,
            lac_update_timestamp: None,
        }),
        Outcome::Entries {
            status,
            availability,
        } => ResponseBody::GetListOfEntriesOfLedger(v3::GetListOfEntriesOfLedgerResponse {
            status,
            ledger_id,
            availability,
        }),
    }
}

/// The GET_BOOKIE_INFO answer for the disk space over the ledger directories.
pub fn bookie_info_reply(
    txn_id: u64,
    requested: Option<i64>,
    free_bytes: u64,
    total_bytes: u64,
) -> Reply {
    let requested = requested.unwrap_or(3);
    let clamp = |bytes: u64| i64::try_from(bytes).unwrap_or(i64::MAX);
    let body = ResponseBody::GetBookieInfo(v3::GetBookieInfoResponse {
        status: StatusCode::Ok,
        total_disk_capacity_bytes: (requested & 1 != 0).then(|| clamp(total_bytes)),
        free_disk_space_bytes: (requested & 2 != 0).then(|| clamp(free_bytes)),
    });
    Reply::V3(v3::Response::answering(txn_id, body))
}

/// Appends the framed reply to `out`.
pub fn encode_reply(
    reply: &Reply,
    frame_bytes_max: usize,
    out: &mut BytesMut,
) -> Result<(), FrameError> {
    match reply {
        Reply::V2(response) => response.encode_frame(frame_bytes_max, out),
        Reply::V3(response) => response.encode_frame(frame_bytes_max, out),
        Reply::V3BadRequest { txn_id, operation } => {
            proto::frame::encode_frame_with(out, frame_bytes_max, |buf| {
                v3::encode_bad_request_response(*txn_id, *operation, buf)
            })
        }
    }
}
