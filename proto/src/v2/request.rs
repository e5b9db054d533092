//! v2 requests (client -> bookie): ADD, READ, AUTH and BATCH_READ (§1.3).
//!
//! Invariants:
//! - The ADD body is never copied: it is a zero-copy view of the frame, stored verbatim.
//! - A READ or BATCH_READ carries the 20-byte master key exactly when `DO_FENCING` is set and
//!   the version is at least 2 (pitfall 2).
//! - Decoding rejects truncated frames, trailing bytes, unknown opcodes and the opcodes the
//!   4.16/4.17 server does not decode in v2, each with a typed error.

use bytes::{BufMut, Bytes, BytesMut};
use types::{EntryId, LedgerId, MasterKey};

use super::error::V2DecodeError;
use super::header::{Flags, Opcode, PacketHeader};
use super::reader::Reader;
use crate::auth::AuthMessage;
use crate::entry::read_i64;
use crate::frame::{encode_frame_with, FrameError};

/// Bytes of an ADD body that hold the ledger id and entry id.
pub const ADD_BODY_IDS_BYTES: usize = 16;

/// A v2 ADD: master key plus the digest-protected entry body (§2.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddRequest {
    /// Protocol version byte, echoed in the response.
    pub version: u8,
    /// Flags: `RECOVERY_ADD` (and `HIGH_PRIORITY`) for recovery adds.
    pub flags: Flags,
    /// The ledger's master key.
    pub master_key: MasterKey,
    body: Bytes,
}

impl AddRequest {
    /// An ADD of `body`; fails if the body is too short to hold the ledger and entry ids.
    pub fn new(
        version: u8,
        flags: Flags,
        master_key: MasterKey,
        body: Bytes,
    ) -> Result<Self, V2DecodeError> {
        if body.len() < ADD_BODY_IDS_BYTES {
            return Err(V2DecodeError::AddBodyTooShort {
                body_bytes: body.len(),
            });
        }
        Ok(Self {
            version,
            flags,
            master_key,
            body,
        })
    }

    /// The entry body, to be stored verbatim.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The ledger id, read from the first 8 bytes of the body.
    pub fn ledger_id(&self) -> LedgerId {
        read_i64(&self.body, 0)
    }

    /// The entry id, read from bytes 8..16 of the body.
    pub fn entry_id(&self) -> EntryId {
        read_i64(&self.body, 8)
    }
}

/// A v2 READ of one entry (entry -1 = the highest entry the bookie has).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReadRequest {
    /// Protocol version byte.
    pub version: u8,
    /// Flags: `DO_FENCING` (and `HIGH_PRIORITY`) for recovery reads.
    pub flags: Flags,
    /// The ledger.
    pub ledger_id: LedgerId,
    /// The entry, or -1 for the last one.
    pub entry_id: EntryId,
    /// Present exactly when fencing with version >= 2.
    pub master_key: Option<MasterKey>,
}

/// A v2 AUTH packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthRequest {
    /// Protocol version byte.
    pub version: u8,
    /// Flags (normally none).
    pub flags: Flags,
    /// The protobuf message running to the end of the frame.
    pub message: AuthMessage,
}

/// A v2 BATCH_READ (4.17+): up to `max_count` entries from `start_entry_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BatchReadRequest {
    /// Protocol version byte.
    pub version: u8,
    /// Flags.
    pub flags: Flags,
    /// The ledger.
    pub ledger_id: LedgerId,
    /// First entry to read.
    pub start_entry_id: EntryId,
    /// Client correlation id, echoed in the response.
    pub request_id: i64,
    /// Most entries to return; <= 0 means unlimited.
    pub max_count: i32,
    /// Most response bytes the client accepts.
    pub max_size_bytes: i64,
    /// Present exactly when fencing with version >= 2.
    pub master_key: Option<MasterKey>,
}

/// A decoded v2 request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Request {
    /// ADDENTRY.
    Add(AddRequest),
    /// READENTRY.
    Read(ReadRequest),
    /// AUTH.
    Auth(AuthRequest),
    /// BATCH_READ_ENTRY.
    BatchRead(BatchReadRequest),
}

fn carries_master_key(version: u8, flags: Flags) -> bool {
    version >= 2 && flags.contains(Flags::DO_FENCING)
}

fn expect_end(reader: &Reader, opcode: Opcode) -> Result<(), V2DecodeError> {
    match reader.remaining_bytes() {
        0 => Ok(()),
        extra_bytes => Err(V2DecodeError::TrailingBytes {
            opcode,
            extra_bytes,
        }),
    }
}

impl Request {
    /// Decodes one frame payload (without the length prefix).
    pub fn decode(payload: Bytes) -> Result<Self, V2DecodeError> {
        let mut reader = Reader::new(payload);
        let header = PacketHeader::from_word(reader.i32()?)?;
        let (version, flags) = (header.version, header.flags);
        let request = match header.opcode {
            Opcode::AddEntry => {
                let master_key = reader.master_key()?;
                Self::Add(AddRequest::new(version, flags, master_key, reader.rest())?)
            }
            Opcode::ReadEntry => {
                let ledger_id = reader.i64()?;
                let entry_id = reader.i64()?;
                let master_key = if carries_master_key(version, flags) {
                    Some(reader.master_key()?)
                } else {
                    None
                };
                expect_end(&reader, header.opcode)?;
                Self::Read(ReadRequest {
                    version,
                    flags,
                    ledger_id,
                    entry_id,
                    master_key,
                })
            }
            Opcode::Auth => Self::Auth(AuthRequest {
                version,
                flags,
                message: AuthMessage::decode(reader.rest())?,
            }),
            Opcode::BatchReadEntry => {
                let ledger_id = reader.i64()?;
                let start_entry_id = reader.i64()?;
                let request_id = reader.i64()?;
                let max_count = reader.i32()?;
                let max_size_bytes = reader.i64()?;
                let master_key = if carries_master_key(version, flags) {
                    Some(reader.master_key()?)
                } else {
                    None
                };
                expect_end(&reader, header.opcode)?;
                Self::BatchRead(BatchReadRequest {
                    version,
                    flags,
                    ledger_id,
                    start_entry_id,
                    request_id,
                    max_count,
                    max_size_bytes,
                    master_key,
                })
            }
            unsupported @ (Opcode::ReadLac | Opcode::WriteLac | Opcode::GetBookieInfo) => {
                return Err(V2DecodeError::UnsupportedOpcode(unsupported))
            }
        };
        Ok(request)
    }

    /// The packet header this request is sent with.
    pub fn header(&self) -> PacketHeader {
        let (version, opcode, flags) = match self {
            Self::Add(add) => (add.version, Opcode::AddEntry, add.flags),
            Self::Read(read) => (read.version, Opcode::ReadEntry, read.flags),
            Self::Auth(auth) => (auth.version, Opcode::Auth, auth.flags),
            Self::BatchRead(batch) => (batch.version, Opcode::BatchReadEntry, batch.flags),
        };
        PacketHeader {
            version,
            opcode,
            flags,
        }
    }

    /// Appends the payload (without the length prefix) to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        out.put_i32(self.header().to_word());
        match self {
            Self::Add(add) => {
                out.put_slice(&add.master_key);
                out.put_slice(&add.body);
            }
            Self::Read(read) => {
                out.put_i64(read.ledger_id);
                out.put_i64(read.entry_id);
                if let Some(key) = &read.master_key {
                    out.put_slice(key);
                }
            }
            Self::Auth(auth) => auth.message.encode(out),
            Self::BatchRead(batch) => {
                out.put_i64(batch.ledger_id);
                out.put_i64(batch.start_entry_id);
                out.put_i64(batch.request_id);
                out.put_i32(batch.max_count);
                out.put_i64(batch.max_size_bytes);
                if let Some(key) = &batch.master_key {
                    out.put_slice(key);
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::master_key;

    fn encoded(request: &Request) -> Vec<u8> {
        let mut out = BytesMut::new();
        request
            .encode_frame(crate::frame::FRAME_BYTES_MAX_DEFAULT, &mut out)
            .expect("fits");
        out.to_vec()
    }

    #[test]
    fn spec_worked_fencing_read_of_entry_minus_one_matches_byte_for_byte() {
        let read = Request::Read(ReadRequest {
            version: 2,
            flags: Flags::DO_FENCING,
            ledger_id: 1,
            entry_id: -1,
            master_key: Some(master_key(b"")),
        });
        let bytes = encoded(&read);
        assert_eq!(
            hex::encode(&bytes),
            "0000002802020001".to_owned()
                + "0000000000000001ffffffffffffffff"
                + "850bf1071c5e3d8c24235676f8816ae0cbe2f14f"
        );
        assert_eq!(
            Request::decode(Bytes::copy_from_slice(&bytes[4..])),
            Ok(read)
        );
    }

    #[test]
    fn non_fencing_read_has_no_master_key() {
        let payload =
            Bytes::from_static(&[2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 6]);
        let Ok(Request::Read(read)) = Request::decode(payload) else {
            panic!("read expected")
        };
        assert_eq!(
            (read.ledger_id, read.entry_id, read.master_key),
            (3, 6, None)
        );
    }

    #[test]
    fn version_one_fencing_read_has_no_master_key() {
        let payload =
            Bytes::from_static(&[1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 6]);
        assert!(matches!(
            Request::decode(payload),
            Ok(Request::Read(ReadRequest {
                master_key: None,
                ..
            }))
        ));
    }

    #[test]
    fn read_with_trailing_bytes_is_rejected() {
        let mut payload = vec![2, 2, 0, 0];
        payload.extend_from_slice(&[0; 17]);
        assert_eq!(
            Request::decode(Bytes::from(payload)),
            Err(V2DecodeError::TrailingBytes {
                opcode: Opcode::ReadEntry,
                extra_bytes: 1
            })
        );
    }

    #[test]
    fn truncated_fencing_read_is_rejected() {
        let mut payload = vec![2, 2, 0, 1];
        payload.extend_from_slice(&[0; 16 + 19]);
        assert!(matches!(
            Request::decode(Bytes::from(payload)),
            Err(V2DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn add_reads_ids_from_the_body() {
        let mut payload = vec![2, 1, 0, 6];
        payload.extend_from_slice(&[7; 20]);
        payload.extend_from_slice(&5i64.to_be_bytes());
        payload.extend_from_slice(&9i64.to_be_bytes());
        let Ok(Request::Add(add)) = Request::decode(Bytes::from(payload)) else {
            panic!("add expected")
        };
        assert_eq!(
            (add.ledger_id(), add.entry_id(), add.flags.bits()),
            (5, 9, 6)
        );
    }

    #[test]
    fn add_with_a_body_too_short_for_ids_is_rejected() {
        let mut payload = vec![2, 1, 0, 0];
        payload.extend_from_slice(&[7; 20 + 15]);
        assert_eq!(
            Request::decode(Bytes::from(payload)),
            Err(V2DecodeError::AddBodyTooShort { body_bytes: 15 })
        );
    }

    #[test]
    fn v3_only_and_unknown_opcodes_are_named() {
        for (opcode, expected) in [
            (4, Opcode::ReadLac),
            (5, Opcode::WriteLac),
            (6, Opcode::GetBookieInfo),
        ] {
            let payload = Bytes::from(vec![2, opcode, 0, 0, 0, 0, 0, 0]);
            assert_eq!(
                Request::decode(payload),
                Err(V2DecodeError::UnsupportedOpcode(expected))
            );
        }
        assert_eq!(
            Request::decode(Bytes::from_static(&[2, 99, 0, 0])),
            Err(V2DecodeError::UnknownOpcode(99))
        );
    }

    #[test]
    fn frames_shorter_than_a_header_are_truncated() {
        for len in 0..4 {
            let result = Request::decode(Bytes::from(vec![2; len]));
            assert!(
                matches!(
                    result,
                    Err(V2DecodeError::Truncated {
                        bytes_needed: 4,
                        ..
                    })
                ),
                "{len}"
            );
        }
    }

    #[test]
    fn fencing_batch_read_round_trips_with_its_key() {
        let batch = Request::BatchRead(BatchReadRequest {
            version: 2,
            flags: Flags::DO_FENCING,
            ledger_id: 1,
            start_entry_id: 2,
            request_id: 3,
            max_count: 4,
            max_size_bytes: 5,
            master_key: Some([9; 20]),
        });
        let bytes = encoded(&batch);
        assert_eq!(bytes.len(), 4 + 4 + 8 * 3 + 4 + 8 + 20);
        assert_eq!(
            Request::decode(Bytes::copy_from_slice(&bytes[4..])),
            Ok(batch)
        );
    }
}
