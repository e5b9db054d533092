//! Typed v3 responses (bookie -> client), their protobuf encoding, and the server-side builders
//! that answer a request (§1.4).
//!
//! Invariants:
//! - The header's operation selects the one inner message that is read; a response may carry
//!   none (EBADREQ for an unserved operation), but a present inner message must have all its
//!   required fields.
//! - Builders produce version THREE, the request's operation and txnId, no priority, and a
//!   top-level status equal to the inner status.
//! - Encoding writes fields in field-number order, so a decoded response re-encodes byte for
//!   byte.

use bytes::{Bytes, BytesMut};
use prost::Message;
use types::{EntryId, LedgerId};

use super::error::{required, required_status, V3DecodeError};
use super::header::{self, ResponseHeader};
use super::wire::{self, OperationType};
use crate::auth::AuthMessage;
use crate::frame::{encode_frame_with, FrameError};
use crate::status::StatusCode;

/// READ_ENTRY answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadResponse {
    /// Outcome.
    pub status: StatusCode,
    /// Requested ledger.
    pub ledger_id: LedgerId,
    /// Requested entry (-1 echoed for a LAC read; `previousLAC + 1` for a piggyback hit).
    pub entry_id: EntryId,
    /// The stored entry, when found.
    pub body: Option<Bytes>,
    /// The bookie's LAC for the ledger (absent on fencing and recovery reads).
    pub max_lac: Option<EntryId>,
    /// When the LAC last changed, if known (piggyback reads).
    pub lac_update_timestamp: Option<i64>,
}

/// ADD_ENTRY answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddResponse {
    /// Outcome.
    pub status: StatusCode,
    /// Ledger of the entry.
    pub ledger_id: LedgerId,
    /// The entry.
    pub entry_id: EntryId,
}

/// WRITE_LAC and FORCE_LEDGER answer: status and ledger only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LedgerStatusResponse {
    /// Outcome.
    pub status: StatusCode,
    /// The ledger.
    pub ledger_id: LedgerId,
}

/// READ_LAC answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadLacResponse {
    /// Outcome.
    pub status: StatusCode,
    /// The ledger.
    pub ledger_id: LedgerId,
    /// The explicit LAC blob, if one was written.
    pub lac_body: Option<Bytes>,
    /// The highest stored entry, if any.
    pub last_entry_body: Option<Bytes>,
}

/// GET_BOOKIE_INFO answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GetBookieInfoResponse {
    /// Outcome.
    pub status: StatusCode,
    /// Total capacity of the ledger directories in bytes, if requested.
    pub total_disk_capacity_bytes: Option<i64>,
    /// Free space of the ledger directories in bytes, if requested.
    pub free_disk_space_bytes: Option<i64>,
}

/// GET_LIST_OF_ENTRIES_OF_LEDGER answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GetListOfEntriesOfLedgerResponse {
    /// Outcome.
    pub status: StatusCode,
    /// The ledger.
    pub ledger_id: LedgerId,
    /// Encoded availability (see [`crate::availability`]).
    pub availability: Option<Bytes>,
}

/// The operation-specific part of a response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResponseBody {
    /// READ_ENTRY.
    Read(ReadResponse),
    /// ADD_ENTRY.
    Add(AddResponse),
    /// AUTH.
    Auth(AuthMessage),
    /// WRITE_LAC.
    WriteLac(LedgerStatusResponse),
    /// READ_LAC.
    ReadLac(ReadLacResponse),
    /// GET_BOOKIE_INFO.
    GetBookieInfo(GetBookieInfoResponse),
    /// START_TLS.
    StartTls,
    /// FORCE_LEDGER.
    ForceLedger(LedgerStatusResponse),
    /// GET_LIST_OF_ENTRIES_OF_LEDGER.
    GetListOfEntriesOfLedger(GetListOfEntriesOfLedgerResponse),
}

impl ResponseBody {
    /// The operation this body answers.
    pub fn operation(&self) -> OperationType {
        match self {
            Self::Read(_) => OperationType::ReadEntry,
            Self::Add(_) => OperationType::AddEntry,
            Self::Auth(_) => OperationType::Auth,
            Self::WriteLac(_) => OperationType::WriteLac,
            Self::ReadLac(_) => OperationType::ReadLac,
            Self::GetBookieInfo(_) => OperationType::GetBookieInfo,
            Self::StartTls => OperationType::StartTls,
            Self::ForceLedger(_) => OperationType::ForceLedger,
            Self::GetListOfEntriesOfLedger(_) => OperationType::GetListOfEntriesOfLedger,
        }
    }

    /// The inner status (EOK for AUTH and START_TLS, which carry none).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Read(read) => read.status,
            Self::Add(add) => add.status,
            Self::Auth(_) | Self::StartTls => StatusCode::Ok,
            Self::WriteLac(write) | Self::ForceLedger(write) => write.status,
            Self::ReadLac(read_lac) => read_lac.status,
            Self::GetBookieInfo(info) => info.status,
            Self::GetListOfEntriesOfLedger(list) => list.status,
        }
    }
}

/// A decoded v3 response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Response {
    /// Version, operation, txnId.
    pub header: ResponseHeader,
    /// Top-level status.
    pub status: StatusCode,
    /// The inner response, absent for EBADREQ on an unserved operation.
    pub body: Option<ResponseBody>,
}

impl Response {
    /// The server's answer carrying `body`, with the top-level status equal to the inner one and
    /// the operation taken from the body.
    pub fn answering(txn_id: u64, body: ResponseBody) -> Self {
        Self {
            header: ResponseHeader::answering(body.operation(), txn_id),
            status: body.status(),
            body: Some(body),
        }
    }

    /// The server's answer with a status and no inner message.
    pub fn status_only(header: ResponseHeader, status: StatusCode) -> Self {
        Self {
            header,
            status,
            body: None,
        }
    }

    /// Decodes one frame payload (a serialized `Response`).
    pub fn decode(payload: Bytes) -> Result<Self, V3DecodeError> {
        let mut message = wire::Response::decode(payload)?;
        let header = header::from_wire(message.header.take(), "Response.header")?;
        let txn_id = header.txn_id;
        let operation = OperationType::try_from(header.operation).map_err(|_| {
            V3DecodeError::UnknownOperation {
                txn_id,
                operation: header.operation,
            }
        })?;
        let status = required_status(message.status, "Response.status")?;
        let body = body_from_wire(operation, message)?;
        let header = ResponseHeader {
            version: header.version,
            operation,
            txn_id,
            priority: header.priority,
        };
        Ok(Self {
            header,
            status,
            body,
        })
    }

    /// The generated protobuf message for this response.
    pub fn to_wire(&self) -> wire::Response {
        let header = &self.header;
        let mut message = wire::Response {
            header: Some(header::to_wire(
                header.version,
                header.operation as i32,
                header.txn_id,
                header.priority,
            )),
            status: Some(self.status.v3_value()),
            ..Default::default()
        };
        if let Some(body) = &self.body {
            body_to_wire(body, &mut message);
        }
        message
    }

    /// Appends the payload (a serialized `Response`, no length prefix) to `out`.
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

/// Appends the payload of an EBADREQ answer to a request whose operation number is unknown or
/// unserved (see [`V3DecodeError::unanswered_operation`]), echoing the raw operation number.
pub fn encode_bad_request_response(txn_id: u64, operation: i32, out: &mut BytesMut) {
    let message = wire::Response {
        header: Some(header::to_wire(
            wire::ProtocolVersion::VersionThree,
            operation,
            txn_id,
            None,
        )),
        status: Some(StatusCode::BadRequest.v3_value()),
        ..Default::default()
    };
    out.reserve(message.encoded_len());
    message.encode_raw(out);
}

fn ledger_status(
    status: Option<i32>,
    ledger_id: Option<i64>,
    message: &'static str,
) -> Result<LedgerStatusResponse, V3DecodeError> {
    Ok(LedgerStatusResponse {
        status: required_status(status, message)?,
        ledger_id: required(ledger_id, message)?,
    })
}

fn body_from_wire(
    operation: OperationType,
    message: wire::Response,
) -> Result<Option<ResponseBody>, V3DecodeError> {
    let body = match operation {
        OperationType::ReadEntry => message.read_response.map(|read| {
            Ok::<_, V3DecodeError>(ResponseBody::Read(ReadResponse {
                status: required_status(read.status, "ReadResponse.status")?,
                ledger_id: required(read.ledger_id, "ReadResponse.ledgerId")?,
                entry_id: required(read.entry_id, "ReadResponse.entryId")?,
                body: read.body,
                max_lac: read.max_lac,
                lac_update_timestamp: read.lac_update_timestamp,
            }))
        }),
        OperationType::AddEntry => message.add_response.map(|add| {
            Ok(ResponseBody::Add(AddResponse {
                status: required_status(add.status, "AddResponse.status")?,
                ledger_id: required(add.ledger_id, "AddResponse.ledgerId")?,
                entry_id: required(add.entry_id, "AddResponse.entryId")?,
            }))
        }),
        OperationType::Auth => message
            .auth_response
            .map(|auth| Ok(ResponseBody::Auth(AuthMessage::from_wire(auth)?))),
        OperationType::WriteLac => message.write_lac_response.map(|write| {
            Ok(ResponseBody::WriteLac(ledger_status(
                write.status,
                write.ledger_id,
                "WriteLacResponse.status/ledgerId",
            )?))
        }),
        OperationType::ReadLac => message.read_lac_response.map(|read_lac| {
            Ok(ResponseBody::ReadLac(ReadLacResponse {
                status: required_status(read_lac.status, "ReadLacResponse.status")?,
                ledger_id: required(read_lac.ledger_id, "ReadLacResponse.ledgerId")?,
                lac_body: read_lac.lac_body,
                last_entry_body: read_lac.last_entry_body,
            }))
        }),
        OperationType::GetBookieInfo => message.get_bookie_info_response.map(|info| {
            Ok(ResponseBody::GetBookieInfo(GetBookieInfoResponse {
                status: required_status(info.status, "GetBookieInfoResponse.status")?,
                total_disk_capacity_bytes: info.total_disk_capacity,
                free_disk_space_bytes: info.free_disk_space,
            }))
        }),
        OperationType::StartTls => message
            .start_tls_response
            .map(|_| Ok(ResponseBody::StartTls)),
        OperationType::ForceLedger => message.force_ledger_response.map(|force| {
            Ok(ResponseBody::ForceLedger(ledger_status(
                force.status,
                force.ledger_id,
                "ForceLedgerResponse.status/ledgerId",
            )?))
        }),
        OperationType::GetListOfEntriesOfLedger => {
            message.get_list_of_entries_of_ledger_response.map(|list| {
                Ok(ResponseBody::GetListOfEntriesOfLedger(
                    GetListOfEntriesOfLedgerResponse {
                        status: required_status(
                            list.status,
                            "GetListOfEntriesOfLedgerResponse.status",
                        )?,
                        ledger_id: required(
                            list.ledger_id,
                            "GetListOfEntriesOfLedgerResponse.ledgerId",
                        )?,
                        availability: list.availability_of_entries_of_ledger,
                    },
                ))
            })
        }
        OperationType::RangeReadEntry
        | OperationType::RangeAddEntry
        | OperationType::BatchReadEntry => None,
    };
    body.transpose()
}

fn body_to_wire(body: &ResponseBody, message: &mut wire::Response) {
    match body {
        ResponseBody::Read(read) => {
            message.read_response = Some(wire::ReadResponse {
                status: Some(read.status.v3_value()),
                ledger_id: Some(read.ledger_id),
                entry_id: Some(read.entry_id),
                body: read.body.clone(),
                max_lac: read.max_lac,
                lac_update_timestamp: read.lac_update_timestamp,
            })
        }
        ResponseBody::Add(add) => {
            message.add_response = Some(wire::AddResponse {
                status: Some(add.status.v3_value()),
                ledger_id: Some(add.ledger_id),
                entry_id: Some(add.entry_id),
            })
        }
        ResponseBody::Auth(auth) => message.auth_response = Some(auth.to_wire()),
        ResponseBody::WriteLac(write) => {
            message.write_lac_response = Some(wire::WriteLacResponse {
                status: Some(write.status.v3_value()),
                ledger_id: Some(write.ledger_id),
            })
        }
        ResponseBody::ReadLac(read_lac) => {
            message.read_lac_response = Some(wire::ReadLacResponse {
                status: Some(read_lac.status.v3_value()),
                ledger_id: Some(read_lac.ledger_id),
                lac_body: read_lac.lac_body.clone(),
                last_entry_body: read_lac.last_entry_body.clone(),
            })
        }
        ResponseBody::GetBookieInfo(info) => {
            message.get_bookie_info_response = Some(wire::GetBookieInfoResponse {
                status: Some(info.status.v3_value()),
                total_disk_capacity: info.total_disk_capacity_bytes,
                free_disk_space: info.free_disk_space_bytes,
            })
        }
        ResponseBody::StartTls => message.start_tls_response = Some(wire::StartTlsResponse {}),
        ResponseBody::ForceLedger(force) => {
            message.force_ledger_response = Some(wire::ForceLedgerResponse {
                status: Some(force.status.v3_value()),
                ledger_id: Some(force.ledger_id),
            })
        }
        ResponseBody::GetListOfEntriesOfLedger(list) => {
            message.get_list_of_entries_of_ledger_response =
                Some(wire::GetListOfEntriesOfLedgerResponse {
                    status: Some(list.status.v3_value()),
                    ledger_id: Some(list.ledger_id),
                    availability_of_entries_of_ledger: list.availability.clone(),
                })
        }
    }
}
