//! Protocol-neutral bookie operations ([`BookieOp`], [`BookieReply`]) and their v2 / v3 frames.
//!
//! Invariants:
//! - A v3 request is matched to its response by `txnId` only.
//! - A v2 response carries no request id: it is matched by (operation, ledger, entry), and
//!   requests with the same key are answered in the order they were sent (the bookie answers one
//!   connection's same-key requests in order), so each key keeps a FIFO of waiters.
//! - Fencing reads of entry -1 carry no priority; recovery reads and recovery adds carry
//!   priority 100 (v3) / HIGH_PRIORITY (v2), as the real 4.16.7 client sends them.

use bytes::{Bytes, BytesMut};
use proto::v3::{self, RequestBody, ResponseBody};
use proto::{v2, FrameError, StatusCode};
use types::{EntryId, LedgerId, MasterKey};

use crate::config::Protocol;

/// v3 `priority` of recovery traffic.
const RECOVERY_PRIORITY: u32 = 100;

/// How a read is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    /// A normal read.
    Normal,
    /// The fencing LAC read that starts recovery (fence flag + master key, no priority).
    Fence,
    /// A recovery read of an entry (fence flag + master key, high priority).
    Recovery,
}

/// One request to one bookie.
#[derive(Debug, Clone)]
pub enum BookieOp {
    /// ADD_ENTRY of a digest-protected body.
    Add {
        /// The ledger.
        ledger_id: LedgerId,
        /// The entry (also inside `body`).
        entry_id: EntryId,
        /// The ledger's master key.
        master_key: MasterKey,
        /// The entry body (§2.1).
        body: Bytes,
        /// A recovery add (bypasses fencing; high priority).
        recovery: bool,
    },
    /// READ_ENTRY (entry -1 = the bookie's last entry).
    Read {
        /// The ledger.
        ledger_id: LedgerId,
        /// The entry.
        entry_id: EntryId,
        /// Normal, fencing or recovery.
        kind: ReadKind,
        /// Sent with fencing and recovery reads.
        master_key: MasterKey,
    },
    /// READ_LAC (v3 only).
    ReadLac {
        /// The ledger.
        ledger_id: LedgerId,
    },
    /// GET_BOOKIE_INFO (v3 only): total and free disk bytes.
    GetBookieInfo,
}

impl BookieOp {
    /// The ledger an operation is about, if any.
    pub fn ledger_id(&self) -> Option<LedgerId> {
        match self {
            Self::Add { ledger_id, .. }
            | Self::Read { ledger_id, .. }
            | Self::ReadLac { ledger_id } => Some(*ledger_id),
            Self::GetBookieInfo => None,
        }
    }
}

/// A bookie's answer.
#[derive(Debug, Clone)]
pub enum BookieReply {
    /// ADD_ENTRY answer.
    Add {
        /// Outcome.
        status: StatusCode,
    },
    /// READ_ENTRY answer.
    Read {
        /// Outcome.
        status: StatusCode,
        /// The stored body when `status` is OK.
        body: Option<Bytes>,
    },
    /// READ_LAC answer.
    ReadLac {
        /// Outcome.
        status: StatusCode,
        /// The explicit LAC blob, if one was written.
        lac_body: Option<Bytes>,
        /// The highest stored entry, if any.
        last_entry_body: Option<Bytes>,
    },
    /// GET_BOOKIE_INFO answer.
    BookieInfo {
        /// Outcome.
        status: StatusCode,
        /// Total bytes of the ledger directories.
        total_bytes: Option<i64>,
        /// Free bytes of the ledger directories.
        free_bytes: Option<i64>,
    },
}

impl BookieReply {
    /// The answer's status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Add { status }
            | Self::Read { status, .. }
            | Self::ReadLac { status, .. }
            | Self::BookieInfo { status, .. } => *status,
        }
    }
}

/// How a response is matched to its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplyKey {
    /// v3: the transaction id.
    Txn(u64),
    /// v2: operation code, ledger, entry.
    V2 {
        /// ADD or READ opcode.
        opcode: u8,
        /// The ledger.
        ledger_id: LedgerId,
        /// The entry.
        entry_id: EntryId,
    },
}

/// Why an operation could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The operation does not exist in protocol v2.
    #[error("{0} needs protocol v3")]
    NeedsV3(&'static str),
    /// The frame is larger than the frame limit, or the body is malformed.
    #[error("{0}")]
    Frame(String),
}

impl From<FrameError> for EncodeError {
    fn from(error: FrameError) -> Self {
        Self::Frame(error.to_string())
    }
}

/// Appends `op`'s frame to `out` and returns the key its response will carry.
pub fn encode_op(
    protocol: Protocol,
    txn_id: u64,
    op: &BookieOp,
    frame_bytes_max: usize,
    out: &mut BytesMut,
) -> Result<ReplyKey, EncodeError> {
    match protocol {
        Protocol::V3 => {
            encode_v3(txn_id, op).encode_frame(frame_bytes_max, out)?;
            Ok(ReplyKey::Txn(txn_id))
        }
        Protocol::V2 => {
            let (request, key) = encode_v2(op)?;
            request.encode_frame(frame_bytes_max, out)?;
            Ok(key)
        }
    }
}

fn encode_v3(txn_id: u64, op: &BookieOp) -> v3::Request {
    let (body, high_priority) = match op {
        BookieOp::Add {
            ledger_id,
            entry_id,
            master_key,
            body,
            recovery,
        } => (
            RequestBody::Add(v3::AddRequest {
                ledger_id: *ledger_id,
                entry_id: *entry_id,
                master_key: Bytes::copy_from_slice(master_key),
                body: body.clone(),
                write_flags: None,
                flag: recovery.then_some(v3::AddFlag::RecoveryAdd),
            }),
            *recovery,
        ),
        BookieOp::Read {
            ledger_id,
            entry_id,
            kind,
            master_key,
        } => {
            let fencing = *kind != ReadKind::Normal;
            (
                RequestBody::Read(v3::ReadRequest {
                    ledger_id: *ledger_id,
                    entry_id: *entry_id,
                    master_key: fencing.then(|| Bytes::copy_from_slice(master_key)),
                    previous_lac: None,
                    timeout_ms: None,
                    flag: fencing.then_some(v3::ReadFlag::FenceLedger),
                }),
                *kind == ReadKind::Recovery,
            )
        }
        BookieOp::ReadLac { ledger_id } => (
            RequestBody::ReadLac {
                ledger_id: *ledger_id,
            },
            false,
        ),
        BookieOp::GetBookieInfo => (RequestBody::GetBookieInfo { requested: Some(3) }, false),
    };
    let mut request = v3::Request::new(txn_id, body);
    if high_priority {
        request.header.priority = Some(RECOVERY_PRIORITY);
    }
    request
}

fn encode_v2(op: &BookieOp) -> Result<(v2::Request, ReplyKey), EncodeError> {
    let version = v2::PROTOCOL_VERSION_CURRENT;
    match op {
        BookieOp::Add {
            ledger_id,
            entry_id,
            master_key,
            body,
            recovery,
        } => {
            let flags = if *recovery {
                v2::Flags::RECOVERY_ADD.union(v2::Flags::HIGH_PRIORITY)
            } else {
                v2::Flags::NONE
            };
            let request = v2::AddRequest::new(version, flags, *master_key, body.clone())
                .map_err(|error| EncodeError::Frame(error.to_string()))?;
            let key = ReplyKey::V2 {
                opcode: v2::Opcode::AddEntry.value(),
                ledger_id: *ledger_id,
                entry_id: *entry_id,
            };
            Ok((v2::Request::Add(request), key))
        }
        BookieOp::Read {
            ledger_id,
            entry_id,
            kind,
            master_key,
        } => {
            let (flags, key_sent) = match kind {
                ReadKind::Normal => (v2::Flags::NONE, None),
                ReadKind::Fence => (v2::Flags::DO_FENCING, Some(*master_key)),
                ReadKind::Recovery => (
                    v2::Flags::DO_FENCING.union(v2::Flags::HIGH_PRIORITY),
                    Some(*master_key),
                ),
            };
            let request = v2::ReadRequest {
                version,
                flags,
                ledger_id: *ledger_id,
                entry_id: *entry_id,
                master_key: key_sent,
            };
            let key = ReplyKey::V2 {
                opcode: v2::Opcode::ReadEntry.value(),
                ledger_id: *ledger_id,
                entry_id: *entry_id,
            };
            Ok((v2::Request::Read(request), key))
        }
        BookieOp::ReadLac { .. } => Err(EncodeError::NeedsV3("READ_LAC")),
        BookieOp::GetBookieInfo => Err(EncodeError::NeedsV3("GET_BOOKIE_INFO")),
    }
}

/// Decodes one response frame payload into its key and reply.
pub fn decode_reply(protocol: Protocol, payload: Bytes) -> Result<(ReplyKey, BookieReply), String> {
    match protocol {
        Protocol::V3 => decode_v3(payload),
        Protocol::V2 => decode_v2(payload),
    }
}

fn decode_v3(payload: Bytes) -> Result<(ReplyKey, BookieReply), String> {
    let response = v3::Response::decode(payload).map_err(|error| error.to_string())?;
    let key = ReplyKey::Txn(response.header.txn_id);
    let reply = match response.body {
        Some(ResponseBody::Add(add)) => BookieReply::Add { status: add.status },
        Some(ResponseBody::Read(read)) => BookieReply::Read {
            status: read.status,
            body: read.body,
        },
        Some(ResponseBody::ReadLac(read_lac)) => BookieReply::ReadLac {
            status: read_lac.status,
            lac_body: read_lac.lac_body,
            last_entry_body: read_lac.last_entry_body,
        },
        Some(ResponseBody::GetBookieInfo(info)) => BookieReply::BookieInfo {
            status: info.status,
            total_bytes: info.total_disk_capacity_bytes,
            free_bytes: info.free_disk_space_bytes,
        },
        Some(other) => {
            return Err(format!(
                "unexpected response to an operation this client never sends: {:?}",
                other.operation()
            ))
        }
        // EBADREQ and similar carry no inner message: answer with the top-level status, shaped
        // like the operation the header names.
        None => match response.header.operation {
            v3::OperationType::AddEntry => BookieReply::Add {
                status: response.status,
            },
            v3::OperationType::ReadEntry => BookieReply::Read {
                status: response.status,
                body: None,
            },
            v3::OperationType::ReadLac => BookieReply::ReadLac {
                status: response.status,
                lac_body: None,
                last_entry_body: None,
            },
            _ => BookieReply::BookieInfo {
                status: response.status,
                total_bytes: None,
                free_bytes: None,
            },
        },
    };
    Ok((key, reply))
}

fn decode_v2(payload: Bytes) -> Result<(ReplyKey, BookieReply), String> {
    match v2::Response::decode(payload).map_err(|error| error.to_string())? {
        v2::Response::Add(add) => Ok((
            ReplyKey::V2 {
                opcode: v2::Opcode::AddEntry.value(),
                ledger_id: add.ledger_id,
                entry_id: add.entry_id,
            },
            BookieReply::Add { status: add.status },
        )),
        v2::Response::Read(read) => Ok((
            ReplyKey::V2 {
                opcode: v2::Opcode::ReadEntry.value(),
                ledger_id: read.ledger_id,
                entry_id: read.entry_id,
            },
            BookieReply::Read {
                status: read.status,
                body: (read.status == StatusCode::Ok).then_some(read.body),
            },
        )),
        other => Err(format!(
            "unexpected v2 response to an operation this client never sends: {other:?}"
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn v3_add_round_trips_through_the_bookie_decoder() {
        let op = BookieOp::Add {
            ledger_id: 7,
            entry_id: 3,
            master_key: proto::master_key(b"pw"),
            body: Bytes::from_static(&[0u8; 40]),
            recovery: true,
        };
        let mut out = BytesMut::new();
        let key = encode_op(Protocol::V3, 9, &op, 1 << 20, &mut out).unwrap();
        assert_eq!(key, ReplyKey::Txn(9));
        let request = v3::Request::decode(out.split_off(4).freeze()).unwrap();
        assert_eq!(request.header.priority, Some(RECOVERY_PRIORITY));
        match request.body {
            RequestBody::Add(add) => {
                assert_eq!((add.ledger_id, add.entry_id), (7, 3));
                assert_eq!(add.flag, Some(v3::AddFlag::RecoveryAdd));
            }
            other => panic!("not an add: {other:?}"),
        }
    }

    #[test]
    fn v2_fence_read_carries_the_key_and_no_priority() {
        let op = BookieOp::Read {
            ledger_id: 1,
            entry_id: -1,
            kind: ReadKind::Fence,
            master_key: proto::master_key(b""),
        };
        let mut out = BytesMut::new();
        encode_op(Protocol::V2, 0, &op, 1 << 20, &mut out).unwrap();
        match v2::Request::decode(out.split_off(4).freeze()).unwrap() {
            v2::Request::Read(read) => {
                assert_eq!(read.flags, v2::Flags::DO_FENCING);
                assert_eq!(read.master_key, Some(proto::master_key(b"")));
            }
            other => panic!("not a read: {other:?}"),
        }
    }

    #[test]
    fn v2_cannot_carry_read_lac() {
        let mut out = BytesMut::new();
        let error = encode_op(
            Protocol::V2,
            0,
            &BookieOp::ReadLac { ledger_id: 1 },
            1 << 20,
            &mut out,
        )
        .unwrap_err();
        assert!(matches!(error, EncodeError::NeedsV3("READ_LAC")));
    }
}
