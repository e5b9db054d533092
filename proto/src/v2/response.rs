//! v2 responses (bookie -> client): ADD, READ, AUTH and BATCH_READ (§1.3).
//!
//! Layout: `i32 header` (request's version, opcode, flags 0), `i32 rc`, `i64 ledgerId`,
//! `i64 entryId`, then for READ the stored entry bytes (empty on error), for BATCH_READ
//! `i64 requestId` and the entry list. AUTH carries a protobuf `AuthMessage` instead.
//! Invariants:
//! - Responses are always encoded with flags 0 and the version byte of the request they answer.
//! - Decoding never copies entry bytes: bodies are zero-copy views of the frame.

use bytes::{BufMut, Bytes, BytesMut};
use types::{EntryId, LedgerId};

use super::batch_entries::BatchEntries;
use super::error::V2DecodeError;
use super::header::{Flags, Opcode, PacketHeader};
use super::reader::Reader;
use super::request::{AddRequest, BatchReadRequest, ReadRequest};
use crate::auth::AuthMessage;
use crate::frame::{encode_frame_with, FrameError};
use crate::status::StatusCode;

/// Bytes of header + rc + ledgerId + entryId (`RESPONSE_HEADERS_SIZE`).
pub const RESPONSE_HEADERS_BYTES: usize = 24;

/// Answer to an ADD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddResponse {
    /// Version byte echoed from the request.
    pub version: u8,
    /// Outcome.
    pub status: StatusCode,
    /// Ledger of the added entry.
    pub ledger_id: LedgerId,
    /// Entry id of the added entry.
    pub entry_id: EntryId,
}

impl AddResponse {
    /// The server's answer to `request`.
    pub fn answering(request: &AddRequest, status: StatusCode) -> Self {
        Self {
            version: request.version,
            status,
            ledger_id: request.ledger_id(),
            entry_id: request.entry_id(),
        }
    }
}

/// Answer to a READ. `entry_id` echoes the request (so -1 for a LAC read) while the body holds
/// the entry actually returned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadResponse {
    /// Version byte echoed from the request.
    pub version: u8,
    /// Outcome.
    pub status: StatusCode,
    /// Requested ledger.
    pub ledger_id: LedgerId,
    /// Requested entry id.
    pub entry_id: EntryId,
    /// The stored entry bytes; empty for error responses.
    pub body: Bytes,
}

impl ReadResponse {
    /// The server's answer to `request`; pass an empty body for errors.
    pub fn answering(request: &ReadRequest, status: StatusCode, body: Bytes) -> Self {
        Self {
            version: request.version,
            status,
            ledger_id: request.ledger_id,
            entry_id: request.entry_id,
            body,
        }
    }
}

/// Answer to an AUTH.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthResponse {
    /// Version byte echoed from the request.
    pub version: u8,
    /// The protobuf message.
    pub message: AuthMessage,
}

/// Answer to a BATCH_READ.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BatchReadResponse {
    /// Version byte echoed from the request.
    pub version: u8,
    /// Outcome.
    pub status: StatusCode,
    /// Requested ledger.
    pub ledger_id: LedgerId,
    /// First requested entry.
    pub start_entry_id: EntryId,
    /// Correlation id echoed from the request.
    pub request_id: i64,
    /// The entries read, in order; empty for errors.
    pub entries: BatchEntries,
}

impl BatchReadResponse {
    /// The server's answer to `request`.
    pub fn answering(
        request: &BatchReadRequest,
        status: StatusCode,
        entries: BatchEntries,
    ) -> Self {
        Self {
            version: request.version,
            status,
            ledger_id: request.ledger_id,
            start_entry_id: request.start_entry_id,
            request_id: request.request_id,
            entries,
        }
    }
}

/// A decoded v2 response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Response {
    /// ADDENTRY.
    Add(AddResponse),
    /// READENTRY.
    Read(ReadResponse),
    /// AUTH.
    Auth(AuthResponse),
    /// BATCH_READ_ENTRY.
    BatchRead(BatchReadResponse),
}

fn read_status(reader: &mut Reader) -> Result<StatusCode, V2DecodeError> {
    let rc = reader.i32()?;
    StatusCode::from_v2_rc(rc).ok_or(V2DecodeError::UnknownReturnCode(rc))
}

impl Response {
    /// Decodes one frame payload (without the length prefix). Header flags are ignored, as
    /// BookKeeper's decoder does.
    pub fn decode(payload: Bytes) -> Result<Self, V2DecodeError> {
        let mut reader = Reader::new(payload);
        let header = PacketHeader::from_word(reader.i32()?)?;
        let version = header.version;
        let response = match header.opcode {
            Opcode::Auth => Self::Auth(AuthResponse {
                version,
                message: AuthMessage::decode(reader.rest())?,
            }),
            Opcode::AddEntry => {
                let (status, ledger_id, entry_id) =
                    (read_status(&mut reader)?, reader.i64()?, reader.i64()?);
                match reader.remaining_bytes() {
                    0 => Self::Add(AddResponse {
                        version,
                        status,
                        ledger_id,
                        entry_id,
                    }),
                    extra_bytes => {
                        return Err(V2DecodeError::TrailingBytes {
                            opcode: Opcode::AddEntry,
                            extra_bytes,
                        })
                    }
                }
            }
            Opcode::ReadEntry => {
                let (status, ledger_id, entry_id) =
                    (read_status(&mut reader)?, reader.i64()?, reader.i64()?);
                Self::Read(ReadResponse {
                    version,
                    status,
                    ledger_id,
                    entry_id,
                    body: reader.rest(),
                })
            }
            Opcode::BatchReadEntry => {
                let (status, ledger_id, start_entry_id) =
                    (read_status(&mut reader)?, reader.i64()?, reader.i64()?);
                let request_id = reader.i64()?;
                let entries = BatchEntries::from_encoded(reader.rest())?;
                Self::BatchRead(BatchReadResponse {
                    version,
                    status,
                    ledger_id,
                    start_entry_id,
                    request_id,
                    entries,
                })
            }
            unsupported @ (Opcode::ReadLac | Opcode::WriteLac | Opcode::GetBookieInfo) => {
                return Err(V2DecodeError::UnsupportedOpcode(unsupported))
            }
        };
        Ok(response)
    }

    /// The packet header this response is sent with (flags always 0).
    pub fn header(&self) -> PacketHeader {
        let (version, opcode) = match self {
            Self::Add(add) => (add.version, Opcode::AddEntry),
            Self::Read(read) => (read.version, Opcode::ReadEntry),
            Self::Auth(auth) => (auth.version, Opcode::Auth),
            Self::BatchRead(batch) => (batch.version, Opcode::BatchReadEntry),
        };
        PacketHeader {
            version,
            opcode,
            flags: Flags::NONE,
        }
    }

    /// The outcome (EOK for AUTH, which has no rc).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Add(add) => add.status,
            Self::Read(read) => read.status,
            Self::Auth(_) => StatusCode::Ok,
            Self::BatchRead(batch) => batch.status,
        }
    }

    /// Appends the payload (without the length prefix) to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_i32(self.header().to_word());
        match self {
            Self::Add(add) => put_ids(out, add.status, add.ledger_id, add.entry_id),
            Self::Read(read) => {
                put_ids(out, read.status, read.ledger_id, read.entry_id);
                out.put_slice(&read.body);
            }
            Self::Auth(auth) => auth.message.encode(out),
            Self::BatchRead(batch) => {
                put_ids(out, batch.status, batch.ledger_id, batch.start_entry_id);
                out.put_i64(batch.request_id);
                out.put_slice(batch.entries.encoded());
            }
        }
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

fn put_ids(out: &mut BytesMut, status: StatusCode, ledger_id: LedgerId, entry_id: EntryId) {
    out.put_i32(status.v2_rc());
    out.put_i64(ledger_id);
    out.put_i64(entry_id);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::FRAME_BYTES_MAX_DEFAULT;

    #[test]
    fn spec_worked_add_success_response_matches_byte_for_byte() {
        let response = Response::Add(AddResponse {
            version: 2,
            status: StatusCode::Ok,
            ledger_id: 1,
            entry_id: 0,
        });
        let mut out = BytesMut::new();
        response
            .encode_frame(FRAME_BYTES_MAX_DEFAULT, &mut out)
            .expect("fits");
        assert_eq!(
            hex::encode(&out),
            "00000018020100000000000000000000000000010000000000000000"
        );
        assert_eq!(Response::decode(out.freeze().slice(4..)), Ok(response));
    }

    #[test]
    fn read_error_response_has_no_body_and_echoes_the_version() {
        let request = ReadRequest {
            version: 1,
            flags: Flags::NONE,
            ledger_id: 4,
            entry_id: 10,
            master_key: None,
        };
        let response = Response::Read(ReadResponse::answering(
            &request,
            StatusCode::NoEntry,
            Bytes::new(),
        ));
        let mut out = BytesMut::new();
        response.encode(&mut out);
        assert_eq!(out.len(), RESPONSE_HEADERS_BYTES);
        assert_eq!(&out[..8], &[1, 2, 0, 0, 0, 0, 0, 2]);
    }

    #[test]
    fn unknown_return_code_is_rejected() {
        let mut payload = vec![2, 1, 0, 0, 0, 0, 0, 99];
        payload.extend_from_slice(&[0; 16]);
        assert_eq!(
            Response::decode(Bytes::from(payload)),
            Err(V2DecodeError::UnknownReturnCode(99))
        );
    }

    #[test]
    fn batch_read_response_round_trips_its_entries() {
        let request = BatchReadRequest {
            version: 2,
            flags: Flags::NONE,
            ledger_id: 1,
            start_entry_id: 5,
            request_id: 77,
            max_count: 2,
            max_size_bytes: 1 << 20,
            master_key: None,
        };
        let entries = BatchEntries::from_entries([&b"five"[..], b"six"]);
        let response = Response::BatchRead(BatchReadResponse::answering(
            &request,
            StatusCode::Ok,
            entries,
        ));
        let mut out = BytesMut::new();
        response.encode(&mut out);
        assert_eq!(Response::decode(out.freeze()), Ok(response));
    }

    #[test]
    fn batch_read_response_without_request_id_is_truncated() {
        let mut payload = vec![2, 7, 0, 0];
        payload.extend_from_slice(&[0; 20]);
        assert!(matches!(
            Response::decode(Bytes::from(payload)),
            Err(V2DecodeError::Truncated { .. })
        ));
    }
}
