//! The v3 `BKPacketHeader` as seen from a request and from a response.
//!
//! A request's operation is implied by its typed body, so [`RequestHeader`] does not repeat it
//! and the two can never disagree. A response may carry no inner message (EBADREQ for an
//! unserved operation), so [`ResponseHeader`] names the operation explicitly.
//! Invariant: a server response header is version THREE, echoes the request's operation and
//! txnId, and carries no priority (§1.4 "Server rules").

use super::error::{known_enum, required, V3DecodeError};
use super::wire::{self, OperationType, ProtocolVersion};

/// Header of a v3 request, without the operation (see [`super::RequestBody::operation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestHeader {
    /// Protocol version; the server answers EBADVERSION unless it is THREE.
    pub version: ProtocolVersion,
    /// Client-chosen id that the response echoes.
    pub txn_id: u64,
    /// `priority` when present; > 0 marks recovery traffic (the client uses 100).
    pub priority: Option<u32>,
}

impl RequestHeader {
    /// A version-THREE header without priority.
    pub const fn new(txn_id: u64) -> Self {
        Self {
            version: ProtocolVersion::VersionThree,
            txn_id,
            priority: None,
        }
    }

    /// Whether the request is high priority (recovery traffic).
    pub fn is_high_priority(&self) -> bool {
        self.priority.is_some_and(|priority| priority > 0)
    }
}

/// Header of a v3 response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResponseHeader {
    /// Protocol version (THREE from a bookie).
    pub version: ProtocolVersion,
    /// The operation being answered.
    pub operation: OperationType,
    /// The request's txnId.
    pub txn_id: u64,
    /// Never set by a bookie; kept so decoded responses re-encode identically.
    pub priority: Option<u32>,
}

impl ResponseHeader {
    /// The header a server puts on its answer to a request with this operation and txnId.
    pub const fn answering(operation: OperationType, txn_id: u64) -> Self {
        Self {
            version: ProtocolVersion::VersionThree,
            operation,
            txn_id,
            priority: None,
        }
    }
}

/// The fields of a decoded wire header, before the operation is interpreted.
pub(crate) struct WireHeader {
    pub(crate) version: ProtocolVersion,
    pub(crate) operation: i32,
    pub(crate) txn_id: u64,
    pub(crate) priority: Option<u32>,
}

pub(crate) fn from_wire(
    header: Option<wire::BkPacketHeader>,
    field: &'static str,
) -> Result<WireHeader, V3DecodeError> {
    let header = required(header, field)?;
    Ok(WireHeader {
        version: known_enum(
            required(header.version, "BKPacketHeader.version")?,
            "BKPacketHeader.version",
        )?,
        operation: required(header.operation, "BKPacketHeader.operation")?,
        txn_id: required(header.txn_id, "BKPacketHeader.txnId")?,
        priority: header.priority,
    })
}

pub(crate) fn to_wire(
    version: ProtocolVersion,
    operation: i32,
    txn_id: u64,
    priority: Option<u32>,
) -> wire::BkPacketHeader {
    wire::BkPacketHeader {
        version: Some(version as i32),
        operation: Some(operation),
        txn_id: Some(txn_id),
        priority,
    }
}
