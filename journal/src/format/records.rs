//! The record kinds and their payloads (after the frame's kind byte), little-endian.
//!
//! | kind | name | payload |
//! |---|---|---|
//! | 1 | entry | `i64 ledger_id, i64 entry_id, body` (the stored entry exactly as the client sent it) |
//! | 2 | ledger key | `i64 ledger_id, [u8; 20] master_key` |
//! | 3 | fence | `i64 ledger_id` |
//! | 4 | explicit LAC | `i64 ledger_id, blob` |
//! | 5 | batch mark | `u64 durable_offset_bytes`: this file's durable end when the batch was encoded |
//! | 6 | padding | zero or more zero bytes |
//!
//! Kind 0 is reserved (never written). Kinds 1-4 are what callers append and replay visits;
//! kinds 5 and 6 are written by the group commit itself and never reach a visitor.
//!
//! Invariant: `decode` accepts exactly the payload sizes `encode` produces, and never panics.

use bytes::Bytes;
use types::{EntryId, LedgerId, MasterKey, MASTER_KEY_LEN_BYTES};

use super::record::{encode_frame, encode_frame_into, frame_bytes};

/// A record kind byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A data entry.
    Entry = 1,
    /// A ledger's master key.
    LedgerKey = 2,
    /// A ledger was fenced.
    Fence = 3,
    /// An explicit LAC blob.
    ExplicitLac = 4,
    /// The first frame of every group-commit write.
    BatchMark = 5,
    /// The last frame of a group-commit write that is not already aligned.
    Padding = 6,
}

impl Kind {
    /// The kind for a byte; `None` for 0 and unknown values.
    pub fn from_byte(byte: u8) -> Option<Kind> {
        Some(match byte {
            1 => Kind::Entry,
            2 => Kind::LedgerKey,
            3 => Kind::Fence,
            4 => Kind::ExplicitLac,
            5 => Kind::BatchMark,
            6 => Kind::Padding,
            _ => return None,
        })
    }
}

/// A record callers append and replay returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A data entry: the stored entry body exactly as the client sent it.
    Entry {
        ledger_id: LedgerId,
        entry_id: EntryId,
        body: Bytes,
    },
    /// The master key of a ledger, journaled before its first entry in this bookie process.
    LedgerKey {
        ledger_id: LedgerId,
        master_key: MasterKey,
    },
    /// The ledger was fenced.
    Fence { ledger_id: LedgerId },
    /// An explicit LAC blob (spec §2.4), stored as received.
    ExplicitLac {
        ledger_id: LedgerId,
        lac_blob: Bytes,
    },
}

/// What a valid frame holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A caller's record.
    Record(Record),
    /// A batch mark.
    BatchMark { durable_offset_bytes: u64 },
    /// Padding.
    Padding,
}

/// Why a frame with a valid CRC did not decode (a writer bug or a foreign writer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// The kind byte is 0 or unknown.
    #[error("unknown record kind {kind}")]
    UnknownKind { kind: u8 },
    /// The payload size does not fit the kind.
    #[error("record kind {kind} with a payload of {payload_bytes} bytes")]
    BadPayloadSize { kind: u8, payload_bytes: usize },
}

impl Record {
    /// The ledger this record belongs to.
    pub fn ledger_id(&self) -> LedgerId {
        match self {
            Record::Entry { ledger_id, .. }
            | Record::LedgerKey { ledger_id, .. }
            | Record::Fence { ledger_id }
            | Record::ExplicitLac { ledger_id, .. } => *ledger_id,
        }
    }

    /// Bytes of this record's frame on disk.
    pub fn frame_bytes(&self) -> usize {
        frame_bytes(self.payload_bytes())
    }

    fn payload_bytes(&self) -> usize {
        match self {
            Record::Entry { body, .. } => 16 + body.len(),
            Record::LedgerKey { .. } => 8 + MASTER_KEY_LEN_BYTES,
            Record::Fence { .. } => 8,
            Record::ExplicitLac { lac_blob, .. } => 8 + lac_blob.len(),
        }
    }

    /// Appends this record's frame, for the file `journal_id`, to `out`.
    pub fn encode(&self, journal_id: u64, out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + self.frame_bytes(), 0);
        self.encode_into(journal_id, &mut out[start..]);
    }

    /// Writes this record's frame, for the file `journal_id`, at the start of `out`; returns its
    /// bytes ([`Record::frame_bytes`]).
    ///
    /// # Panics
    /// If `out` is shorter than the frame.
    pub fn encode_into(&self, journal_id: u64, out: &mut [u8]) -> usize {
        match self {
            Record::Entry {
                ledger_id,
                entry_id,
                body,
            } => encode_frame_into(
                journal_id,
                Kind::Entry as u8,
                &[&ledger_id.to_le_bytes(), &entry_id.to_le_bytes(), body],
                out,
            ),
            Record::LedgerKey {
                ledger_id,
                master_key,
            } => encode_frame_into(
                journal_id,
                Kind::LedgerKey as u8,
                &[&ledger_id.to_le_bytes(), master_key],
                out,
            ),
            Record::Fence { ledger_id } => encode_frame_into(
                journal_id,
                Kind::Fence as u8,
                &[&ledger_id.to_le_bytes()],
                out,
            ),
            Record::ExplicitLac {
                ledger_id,
                lac_blob,
            } => encode_frame_into(
                journal_id,
                Kind::ExplicitLac as u8,
                &[&ledger_id.to_le_bytes(), lac_blob],
                out,
            ),
        }
    }
}

/// Writes a batch-mark frame at the start of `out`; returns its bytes.
pub fn encode_batch_mark_into(journal_id: u64, durable_offset_bytes: u64, out: &mut [u8]) -> usize {
    encode_frame_into(
        journal_id,
        Kind::BatchMark as u8,
        &[&durable_offset_bytes.to_le_bytes()],
        out,
    )
}

/// Writes a padding frame of exactly `total_bytes` (at least 9) at the start of `out`.
///
/// # Panics
/// As [`encode_padding`], or if `out` is shorter than `total_bytes`.
pub fn encode_padding_into(journal_id: u64, total_bytes: usize, out: &mut [u8]) -> usize {
    assert!(
        total_bytes >= frame_bytes(0),
        "padding frame of {total_bytes} bytes is too small"
    );
    let zeros_bytes = total_bytes - frame_bytes(0);
    assert!(
        zeros_bytes <= ZEROS.len(),
        "padding frame of {total_bytes} bytes is too large"
    );
    encode_frame_into(
        journal_id,
        Kind::Padding as u8,
        &[&ZEROS[..zeros_bytes]],
        out,
    )
}

/// Appends a batch-mark frame to `out`.
pub fn encode_batch_mark(journal_id: u64, durable_offset_bytes: u64, out: &mut Vec<u8>) {
    encode_frame(
        journal_id,
        Kind::BatchMark as u8,
        &[&durable_offset_bytes.to_le_bytes()],
        out,
    );
}

/// Appends a padding frame of exactly `total_bytes` (at least 9) to `out`.
///
/// # Panics
/// If `total_bytes` is below 9 or above one maximal alignment block plus 8 (a caller bug: the
/// configuration caps alignment at [`ALIGNMENT_BYTES_MAX`]).
pub fn encode_padding(journal_id: u64, total_bytes: usize, out: &mut Vec<u8>) {
    assert!(
        total_bytes >= frame_bytes(0),
        "padding frame of {total_bytes} bytes is too small"
    );
    let zeros_bytes = total_bytes - frame_bytes(0);
    assert!(
        zeros_bytes <= ZEROS.len(),
        "padding frame of {total_bytes} bytes is too large"
    );
    encode_frame(
        journal_id,
        Kind::Padding as u8,
        &[&ZEROS[..zeros_bytes]],
        out,
    );
}

/// The largest alignment a journal accepts, in bytes.
pub const ALIGNMENT_BYTES_MAX: usize = 64 * 1024;

/// Source of padding zeros: a padding frame is at most one alignment block plus 8 bytes.
static ZEROS: [u8; ALIGNMENT_BYTES_MAX + 8] = [0u8; ALIGNMENT_BYTES_MAX + 8];

fn ledger_id_at(payload: &[u8]) -> LedgerId {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&payload[..8]);
    i64::from_le_bytes(raw)
}

/// Decodes a frame's kind and payload; `payload` is borrowed from the read buffer and copied.
pub fn decode(kind_byte: u8, payload: &[u8]) -> Result<Decoded, PayloadError> {
    let kind = Kind::from_byte(kind_byte).ok_or(PayloadError::UnknownKind { kind: kind_byte })?;
    let bad_size = PayloadError::BadPayloadSize {
        kind: kind_byte,
        payload_bytes: payload.len(),
    };
    let decoded = match kind {
        Kind::Entry => {
            if payload.len() < 16 {
                return Err(bad_size);
            }
            let mut entry = [0u8; 8];
            entry.copy_from_slice(&payload[8..16]);
            Decoded::Record(Record::Entry {
                ledger_id: ledger_id_at(payload),
                entry_id: i64::from_le_bytes(entry),
                body: Bytes::copy_from_slice(&payload[16..]),
            })
        }
        Kind::LedgerKey => {
            if payload.len() != 8 + MASTER_KEY_LEN_BYTES {
                return Err(bad_size);
            }
            let mut master_key = [0u8; MASTER_KEY_LEN_BYTES];
            master_key.copy_from_slice(&payload[8..]);
            Decoded::Record(Record::LedgerKey {
                ledger_id: ledger_id_at(payload),
                master_key,
            })
        }
        Kind::Fence => {
            if payload.len() != 8 {
                return Err(bad_size);
            }
            Decoded::Record(Record::Fence {
                ledger_id: ledger_id_at(payload),
            })
        }
        Kind::ExplicitLac => {
            if payload.len() < 8 {
                return Err(bad_size);
            }
            Decoded::Record(Record::ExplicitLac {
                ledger_id: ledger_id_at(payload),
                lac_blob: Bytes::copy_from_slice(&payload[8..]),
            })
        }
        Kind::BatchMark => {
            if payload.len() != 8 {
                return Err(bad_size);
            }
            Decoded::BatchMark {
                durable_offset_bytes: ledger_id_at(payload) as u64,
            }
        }
        Kind::Padding => Decoded::Padding,
    };
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::super::record::{decode_frame, Frame};
    use super::*;

    fn round_trip(record: Record) {
        let mut out = Vec::new();
        record.encode(5, &mut out);
        assert_eq!(out.len(), record.frame_bytes());
        let Ok(Frame::Record { kind, payload, .. }) = decode_frame(5, &out) else {
            panic!("frame did not decode");
        };
        assert_eq!(decode(kind, payload), Ok(Decoded::Record(record)));
    }

    #[test]
    fn every_record_kind_round_trips() {
        round_trip(Record::Entry {
            ledger_id: -3,
            entry_id: 42,
            body: Bytes::from_static(b"hello entry"),
        });
        round_trip(Record::Entry {
            ledger_id: 1,
            entry_id: 0,
            body: Bytes::new(),
        });
        round_trip(Record::LedgerKey {
            ledger_id: i64::MAX,
            master_key: [9u8; 20],
        });
        round_trip(Record::Fence { ledger_id: 17 });
        round_trip(Record::ExplicitLac {
            ledger_id: 8,
            lac_blob: Bytes::from_static(&[1, 2, 3]),
        });
    }

    #[test]
    fn padding_frame_has_the_exact_requested_size() {
        for total in [9usize, 10, 511, 4096 + 8] {
            let mut out = vec![0xAB];
            encode_padding(1, total, &mut out);
            assert_eq!(out.len(), 1 + total);
            assert!(matches!(
                decode_frame(1, &out[1..]),
                Ok(Frame::Record { kind: 6, .. })
            ));
        }
    }

    #[test]
    fn wrong_payload_sizes_and_unknown_kinds_are_errors() {
        assert_eq!(decode(0, &[]), Err(PayloadError::UnknownKind { kind: 0 }));
        assert_eq!(decode(99, &[]), Err(PayloadError::UnknownKind { kind: 99 }));
        assert_eq!(
            decode(3, &[0u8; 7]),
            Err(PayloadError::BadPayloadSize {
                kind: 3,
                payload_bytes: 7
            })
        );
        assert_eq!(
            decode(2, &[0u8; 27]),
            Err(PayloadError::BadPayloadSize {
                kind: 2,
                payload_bytes: 27
            })
        );
        assert_eq!(
            decode(1, &[0u8; 15]),
            Err(PayloadError::BadPayloadSize {
                kind: 1,
                payload_bytes: 15
            })
        );
    }
}
