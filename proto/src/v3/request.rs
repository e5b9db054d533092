//! Typed v3 requests (client -> bookie) and their protobuf encoding (§1.4).
//!
//! Invariants:
//! - The header's operation selects the one inner message that is read; a missing inner message
//!   or a missing required field inside it is a typed error.
//! - Encoding produces exactly the header, the one inner message and the request context, in
//!   field-number order, so a decoded request re-encodes byte for byte.

use bytes::{Bytes, BytesMut};
use prost::Message;
use types::{EntryId, LedgerId};

use super::error::{optional_enum, required, V3DecodeError};
use super::header::{self, RequestHeader, ResponseHeader};
use super::wire::{self, add_request, read_request, OperationType};
use crate::auth::AuthMessage;
use crate::frame::{encode_frame_with, FrameError};

/// `ReadRequest.flag`.
pub type ReadFlag = read_request::Flag;
/// `AddRequest.flag`.
pub type AddFlag = add_request::Flag;

/// Most `requestContext` pairs accepted in one request.
///
/// The context is MDC logging data (a handful of pairs in practice). Without a bound, a 5 MiB
/// frame of 3-byte empty pairs would decode into about 1.7 million 48-byte structs, an
/// allocation 16 times the frame size.
pub const REQUEST_CONTEXT_PAIRS_MAX: usize = 64;

/// Field number of `Request.requestContext`.
const REQUEST_CONTEXT_FIELD: u32 = 200;

/// `AddRequest.writeFlags` bit 0: acknowledge after the journal write, without waiting for fsync.
pub const WRITE_FLAG_DEFERRED_SYNC: i32 = 1;

/// READ_ENTRY: a normal, fencing, long-poll or piggyback read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadRequest {
    /// The ledger.
    pub ledger_id: LedgerId,
    /// The entry, or -1 for the last one.
    pub entry_id: EntryId,
    /// Required with `FenceLedger`.
    pub master_key: Option<Bytes>,
    /// Long poll / piggyback: the LAC the client already knows.
    pub previous_lac: Option<EntryId>,
    /// Long poll timeout in milliseconds.
    pub timeout_ms: Option<i64>,
    /// FENCE_LEDGER or ENTRY_PIGGYBACK.
    pub flag: Option<ReadFlag>,
}

/// ADD_ENTRY.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddRequest {
    /// The ledger.
    pub ledger_id: LedgerId,
    /// The entry.
    pub entry_id: EntryId,
    /// The ledger's master key.
    pub master_key: Bytes,
    /// The digest-protected entry body (§2), stored verbatim.
    pub body: Bytes,
    /// Bit set; see [`WRITE_FLAG_DEFERRED_SYNC`]. Only sent when non-empty.
    pub write_flags: Option<i32>,
    /// RECOVERY_ADD for recovery adds.
    pub flag: Option<AddFlag>,
}

/// WRITE_LAC: store an explicit LAC blob.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WriteLacRequest {
    /// The ledger.
    pub ledger_id: LedgerId,
    /// The LAC being published.
    pub lac: EntryId,
    /// The ledger's master key.
    pub master_key: Bytes,
    /// The digest-protected LAC blob (§2.4).
    pub body: Bytes,
}

/// One `ContextPair` of MDC logging context; ignorable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContextPair {
    /// Context key.
    pub key: String,
    /// Context value.
    pub value: String,
}

/// The operation-specific part of a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RequestBody {
    /// READ_ENTRY.
    Read(ReadRequest),
    /// ADD_ENTRY.
    Add(AddRequest),
    /// AUTH.
    Auth(AuthMessage),
    /// WRITE_LAC.
    WriteLac(WriteLacRequest),
    /// READ_LAC.
    ReadLac {
        /// The ledger.
        ledger_id: LedgerId,
    },
    /// GET_BOOKIE_INFO.
    GetBookieInfo {
        /// Bit mask: 1 = total disk capacity, 2 = free disk space.
        requested: Option<i64>,
    },
    /// START_TLS.
    StartTls,
    /// FORCE_LEDGER.
    ForceLedger {
        /// The ledger.
        ledger_id: LedgerId,
    },
    /// GET_LIST_OF_ENTRIES_OF_LEDGER.
    GetListOfEntriesOfLedger {
        /// The ledger.
        ledger_id: LedgerId,
    },
}

impl RequestBody {
    /// The operation this body belongs to.
    pub fn operation(&self) -> OperationType {
        match self {
            Self::Read(_) => OperationType::ReadEntry,
            Self::Add(_) => OperationType::AddEntry,
            Self::Auth(_) => OperationType::Auth,
            Self::WriteLac(_) => OperationType::WriteLac,
            Self::ReadLac { .. } => OperationType::ReadLac,
            Self::GetBookieInfo { .. } => OperationType::GetBookieInfo,
            Self::StartTls => OperationType::StartTls,
            Self::ForceLedger { .. } => OperationType::ForceLedger,
            Self::GetListOfEntriesOfLedger { .. } => OperationType::GetListOfEntriesOfLedger,
        }
    }
}

/// A decoded v3 request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    /// Version, txnId, priority.
    pub header: RequestHeader,
    /// The operation and its fields.
    pub body: RequestBody,
    /// Logging context (usually empty).
    pub context: Vec<ContextPair>,
}

impl Request {
    /// A request with a version-THREE header and no context.
    pub fn new(txn_id: u64, body: RequestBody) -> Self {
        Self {
            header: RequestHeader::new(txn_id),
            body,
            context: Vec::new(),
        }
    }

    /// The operation.
    pub fn operation(&self) -> OperationType {
        self.body.operation()
    }

    /// The header of the server's response to this request.
    pub fn response_header(&self) -> ResponseHeader {
        ResponseHeader::answering(self.operation(), self.header.txn_id)
    }

    /// Decodes one frame payload (a serialized `Request`).
    pub fn decode(payload: Bytes) -> Result<Self, V3DecodeError> {
        let context_pairs = count_context_pairs(&payload)?;
        if context_pairs > REQUEST_CONTEXT_PAIRS_MAX {
            return Err(V3DecodeError::TooManyContextPairs {
                context_pairs,
                context_pairs_max: REQUEST_CONTEXT_PAIRS_MAX,
            });
        }
        let mut message = wire::Request::decode(payload)?;
        let header = header::from_wire(message.header.take(), "Request.header")?;
        let txn_id = header.txn_id;
        let operation = OperationType::try_from(header.operation).map_err(|_| {
            V3DecodeError::UnknownOperation {
                txn_id,
                operation: header.operation,
            }
        })?;
        let context_pairs = std::mem::take(&mut message.request_context);
        let body = body_from_wire(operation, txn_id, message)?;
        let context = context_pairs
            .into_iter()
            .map(|pair| {
                Ok(ContextPair {
                    key: required(pair.key, "ContextPair.key")?,
                    value: required(pair.value, "ContextPair.value")?,
                })
            })
            .collect::<Result<Vec<_>, V3DecodeError>>()?;
        let header = RequestHeader {
            version: header.version,
            txn_id,
            priority: header.priority,
        };
        Ok(Self {
            header,
            body,
            context,
        })
    }

    /// The generated protobuf message for this request.
    pub fn to_wire(&self) -> wire::Request {
        let header = &self.header;
        let mut message = wire::Request {
            header: Some(header::to_wire(
                header.version,
                self.operation() as i32,
                header.txn_id,
                header.priority,
            )),
            request_context: self
                .context
                .iter()
                .map(|pair| wire::ContextPair {
                    key: Some(pair.key.clone()),
                    value: Some(pair.value.clone()),
                })
                .collect(),
            ..Default::default()
        };
        body_to_wire(&self.body, &mut message);
        message
    }

    /// Appends the payload (a serialized `Request`, no length prefix) to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        let message = self.to_wire();
        out.reserve(message.encoded_len());
        message.encode_raw(out);
    }

    /// Appends a whole frame (length prefix + payload) to `out`.
    pub fn encode_frame(
        &self,
        frame_bytes_max: usize,
        out: &mut BytesMut,
    ) -> Result<(), FrameError> {
        encode_frame_with(out, frame_bytes_max, |buf| self.encode(buf))
    }
}

/// Counts top-level `requestContext` fields without decoding anything, so the bound is enforced
/// before prost allocates. Uses prost's `encoding` helpers, the same ones its derived decoders
/// call.
fn count_context_pairs(mut payload: &[u8]) -> Result<usize, V3DecodeError> {
    let mut context_pairs = 0;
    while !payload.is_empty() {
        let (tag, wire_type) = prost::encoding::decode_key(&mut payload)?;
        if tag == REQUEST_CONTEXT_FIELD {
            context_pairs += 1;
        }
        prost::encoding::skip_field(
            wire_type,
            tag,
            &mut payload,
            prost::encoding::DecodeContext::default(),
        )?;
    }
    Ok(context_pairs)
}

fn body_from_wire(
    operation: OperationType,
    txn_id: u64,
    message: wire::Request,
) -> Result<RequestBody, V3DecodeError> {
    Ok(match operation {
        OperationType::ReadEntry => {
            let read = required(message.read_request, "Request.readRequest")?;
            RequestBody::Read(ReadRequest {
                ledger_id: required(read.ledger_id, "ReadRequest.ledgerId")?,
                entry_id: required(read.entry_id, "ReadRequest.entryId")?,
                master_key: read.master_key,
                previous_lac: read.previous_lac,
                timeout_ms: read.time_out,
                flag: optional_enum(read.flag, "ReadRequest.flag")?,
            })
        }
        OperationType::AddEntry => {
            let add = required(message.add_request, "Request.addRequest")?;
            RequestBody::Add(AddRequest {
                ledger_id: required(add.ledger_id, "AddRequest.ledgerId")?,
                entry_id: required(add.entry_id, "AddRequest.entryId")?,
                master_key: required(add.master_key, "AddRequest.masterKey")?,
                body: required(add.body, "AddRequest.body")?,
                write_flags: add.write_flags,
                flag: optional_enum(add.flag, "AddRequest.flag")?,
            })
        }
        OperationType::Auth => RequestBody::Auth(AuthMessage::from_wire(required(
            message.auth_request,
            "Request.authRequest",
        )?)?),
        OperationType::WriteLac => {
            let write = required(message.write_lac_request, "Request.writeLacRequest")?;
            RequestBody::WriteLac(WriteLacRequest {
                ledger_id: required(write.ledger_id, "WriteLacRequest.ledgerId")?,
                lac: required(write.lac, "WriteLacRequest.lac")?,
                master_key: required(write.master_key, "WriteLacRequest.masterKey")?,
                body: required(write.body, "WriteLacRequest.body")?,
            })
        }
        OperationType::ReadLac => {
            let read_lac = required(message.read_lac_request, "Request.readLacRequest")?;
            RequestBody::ReadLac {
                ledger_id: required(read_lac.ledger_id, "ReadLacRequest.ledgerId")?,
            }
        }
        OperationType::GetBookieInfo => {
            let info = required(
                message.get_bookie_info_request,
                "Request.getBookieInfoRequest",
            )?;
            RequestBody::GetBookieInfo {
                requested: info.requested,
            }
        }
        OperationType::StartTls => {
            required(message.start_tls_request, "Request.startTLSRequest")?;
            RequestBody::StartTls
        }
        OperationType::ForceLedger => {
            let force = required(message.force_ledger_request, "Request.forceLedgerRequest")?;
            RequestBody::ForceLedger {
                ledger_id: required(force.ledger_id, "ForceLedgerRequest.ledgerId")?,
            }
        }
        OperationType::GetListOfEntriesOfLedger => {
            let list = required(
                message.get_list_of_entries_of_ledger_request,
                "Request.getListOfEntriesOfLedgerRequest",
            )?;
            RequestBody::GetListOfEntriesOfLedger {
                ledger_id: required(list.ledger_id, "GetListOfEntriesOfLedgerRequest.ledgerId")?,
            }
        }
        unsupported @ (OperationType::RangeReadEntry
        | OperationType::RangeAddEntry
        | OperationType::BatchReadEntry) => {
            return Err(V3DecodeError::UnsupportedOperation {
                txn_id,
                operation: unsupported,
            })
        }
    })
}

fn body_to_wire(body: &RequestBody, message: &mut wire::Request) {
    match body {
        RequestBody::Read(read) => {
            message.read_request = Some(wire::ReadRequest {
                flag: read.flag.map(|flag| flag as i32),
                ledger_id: Some(read.ledger_id),
                entry_id: Some(read.entry_id),
                master_key: read.master_key.clone(),
                previous_lac: read.previous_lac,
                time_out: read.timeout_ms,
            })
        }
        RequestBody::Add(add) => {
            message.add_request = Some(wire::AddRequest {
                flag: add.flag.map(|flag| flag as i32),
                ledger_id: Some(add.ledger_id),
                entry_id: Some(add.entry_id),
                master_key: Some(add.master_key.clone()),
                body: Some(add.body.clone()),
                write_flags: add.write_flags,
            })
        }
        RequestBody::Auth(auth) => message.auth_request = Some(auth.to_wire()),
        RequestBody::WriteLac(write) => {
            message.write_lac_request = Some(wire::WriteLacRequest {
                ledger_id: Some(write.ledger_id),
                lac: Some(write.lac),
                master_key: Some(write.master_key.clone()),
                body: Some(write.body.clone()),
            })
        }
        RequestBody::ReadLac { ledger_id } => {
            message.read_lac_request = Some(wire::ReadLacRequest {
                ledger_id: Some(*ledger_id),
            })
        }
        RequestBody::GetBookieInfo { requested } => {
            message.get_bookie_info_request = Some(wire::GetBookieInfoRequest {
                requested: *requested,
            })
        }
        RequestBody::StartTls => message.start_tls_request = Some(wire::StartTlsRequest {}),
        RequestBody::ForceLedger { ledger_id } => {
            message.force_ledger_request = Some(wire::ForceLedgerRequest {
                ledger_id: Some(*ledger_id),
            })
        }
        RequestBody::GetListOfEntriesOfLedger { ledger_id } => {
            message.get_list_of_entries_of_ledger_request =
                Some(wire::GetListOfEntriesOfLedgerRequest {
                    ledger_id: Some(*ledger_id),
                })
        }
    }
}
