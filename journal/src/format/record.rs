//! Record framing: `u32 len | u32 crc32c | u8 kind | payload`, little-endian.
//!
//! `len` counts the bytes after the 8-byte frame header (the kind byte and the payload), so it is
//! at least 1; `len == 0` is the logical end of the journal (preallocated zeros).
//! The CRC32C covers `journal_id (u64 LE) ‖ len (u32 LE) ‖ kind ‖ payload`: bytes left over from
//! another file, or a frame whose length field was damaged, never validate.
//!
//! Invariant: `decode_frame` never panics and never returns a frame whose CRC did not match.

/// Bytes of the frame header (`len` and `crc32c`).
pub const FRAME_HEADER_BYTES: usize = 8;
/// The largest body (kind byte + payload) a frame may carry: 16 MiB, above BookKeeper's 5 MiB
/// frame limit, so every legal entry fits and a damaged length cannot make a reader allocate more.
pub const RECORD_BODY_BYTES_MAX: usize = 16 << 20;

/// A decoded frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A frame whose CRC matched.
    Record {
        /// The kind byte (not yet checked against the known kinds).
        kind: u8,
        /// The payload after the kind byte.
        payload: &'a [u8],
        /// Bytes the whole frame occupies (header + body).
        total_bytes: usize,
    },
    /// `len == 0`: the logical end of the journal.
    End,
}

/// Why the bytes at a position are not a valid frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Fewer bytes are available than the frame needs.
    #[error("frame truncated: {needed_bytes} bytes needed, {available_bytes} available")]
    Truncated {
        needed_bytes: usize,
        available_bytes: usize,
    },
    /// The length field exceeds [`RECORD_BODY_BYTES_MAX`].
    #[error("frame length {len_bytes} exceeds the maximum")]
    LengthTooLarge { len_bytes: u32 },
    /// The CRC32C does not match the bytes.
    #[error("frame CRC mismatch (stored {stored:#010x}, computed {computed:#010x})")]
    CrcMismatch { stored: u32, computed: u32 },
}

/// The total bytes of a frame whose payload is `payload_bytes` long.
pub const fn frame_bytes(payload_bytes: usize) -> usize {
    FRAME_HEADER_BYTES + 1 + payload_bytes
}

fn frame_crc(journal_id: u64, len_bytes: u32, body: &[u8]) -> u32 {
    let crc = crc32c::crc32c(&journal_id.to_le_bytes());
    let crc = crc32c::crc32c_append(crc, &len_bytes.to_le_bytes());
    crc32c::crc32c_append(crc, body)
}

/// Appends one frame, whose payload is the concatenation of `payload_parts`, to `out`.
///
/// # Panics
/// If the body exceeds [`RECORD_BODY_BYTES_MAX`] (callers check sizes before encoding).
pub fn encode_frame(journal_id: u64, kind: u8, payload_parts: &[&[u8]], out: &mut Vec<u8>) {
    let payload_bytes: usize = payload_parts.iter().map(|part| part.len()).sum();
    let start = out.len();
    out.resize(start + frame_bytes(payload_bytes), 0);
    encode_frame_into(journal_id, kind, payload_parts, &mut out[start..]);
}

/// Writes one frame, whose payload is the concatenation of `payload_parts`, at the start of
/// `out` (in place, for a batch encoded straight into an I/O buffer). Returns the frame's bytes.
///
/// # Panics
/// If the body exceeds [`RECORD_BODY_BYTES_MAX`] or `out` is shorter than the frame (callers
/// size the batch before encoding).
pub fn encode_frame_into(
    journal_id: u64,
    kind: u8,
    payload_parts: &[&[u8]],
    out: &mut [u8],
) -> usize {
    let payload_bytes: usize = payload_parts.iter().map(|part| part.len()).sum();
    let body_bytes = 1 + payload_bytes;
    assert!(
        body_bytes <= RECORD_BODY_BYTES_MAX,
        "record body of {body_bytes} bytes is too large"
    );
    let total_bytes = FRAME_HEADER_BYTES + body_bytes;
    let frame = &mut out[..total_bytes];
    let len_bytes = body_bytes as u32;
    frame[..4].copy_from_slice(&len_bytes.to_le_bytes());
    frame[FRAME_HEADER_BYTES] = kind;
    let mut at = FRAME_HEADER_BYTES + 1;
    for part in payload_parts {
        frame[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    let crc = frame_crc(journal_id, len_bytes, &frame[FRAME_HEADER_BYTES..]);
    frame[4..8].copy_from_slice(&crc.to_le_bytes());
    total_bytes
}

/// Decodes the frame at the start of `bytes`, in the file `journal_id`.
pub fn decode_frame(journal_id: u64, bytes: &[u8]) -> Result<Frame<'_>, FrameError> {
    let header = bytes
        .get(..FRAME_HEADER_BYTES)
        .ok_or(FrameError::Truncated {
            needed_bytes: FRAME_HEADER_BYTES,
            available_bytes: bytes.len(),
        })?;
    let len_bytes = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    let stored = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if len_bytes == 0 {
        return Ok(Frame::End);
    }
    if len_bytes as usize > RECORD_BODY_BYTES_MAX {
        return Err(FrameError::LengthTooLarge { len_bytes });
    }
    let total_bytes = FRAME_HEADER_BYTES + len_bytes as usize;
    let body = bytes
        .get(FRAME_HEADER_BYTES..total_bytes)
        .ok_or(FrameError::Truncated {
            needed_bytes: total_bytes,
            available_bytes: bytes.len(),
        })?;
    let computed = frame_crc(journal_id, len_bytes, body);
    if computed != stored {
        return Err(FrameError::CrcMismatch { stored, computed });
    }
    Ok(Frame::Record {
        kind: body[0],
        payload: &body[1..],
        total_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_round_trips_with_parts_concatenated() {
        let mut out = Vec::new();
        encode_frame(9, 1, &[b"abc", b"", b"de"], &mut out);
        assert_eq!(out.len(), frame_bytes(5));
        let frame = decode_frame(9, &out);
        assert_eq!(
            frame,
            Ok(Frame::Record {
                kind: 1,
                payload: b"abcde",
                total_bytes: 14
            })
        );
    }

    #[test]
    fn frame_from_another_journal_file_does_not_validate() {
        let mut out = Vec::new();
        encode_frame(9, 1, &[b"payload"], &mut out);
        assert!(matches!(
            decode_frame(10, &out),
            Err(FrameError::CrcMismatch { .. })
        ));
    }

    #[test]
    fn in_place_encoding_matches_the_appending_one() {
        let mut appended = Vec::new();
        encode_frame(5, 1, &[b"abc", &[9u8; 300]], &mut appended);
        let mut in_place = vec![0xffu8; appended.len() + 10];
        assert_eq!(
            encode_frame_into(5, 1, &[b"abc", &[9u8; 300]], &mut in_place),
            appended.len()
        );
        assert_eq!(&in_place[..appended.len()], &appended[..]);
    }

    #[test]
    fn zero_length_is_the_end_marker() {
        assert_eq!(decode_frame(1, &[0u8; 16]), Ok(Frame::End));
    }

    #[test]
    fn short_input_is_truncated_not_a_panic() {
        let mut out = Vec::new();
        encode_frame(3, 2, &[&[7u8; 40]], &mut out);
        for cut in 0..out.len() {
            assert!(
                matches!(
                    decode_frame(3, &out[..cut]),
                    Err(FrameError::Truncated { .. })
                ),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn huge_length_is_rejected_before_reading_the_body() {
        let mut bytes = vec![0u8; 8];
        bytes[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            decode_frame(1, &bytes),
            Err(FrameError::LengthTooLarge {
                len_bytes: u32::MAX
            })
        );
    }

    #[test]
    fn every_single_bit_flip_is_detected() {
        let mut out = Vec::new();
        encode_frame(77, 3, &[&42i64.to_le_bytes()], &mut out);
        for bit in 0..out.len() * 8 {
            let mut damaged = out.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            let decoded = decode_frame(77, &damaged);
            assert!(
                !matches!(decoded, Ok(Frame::Record { .. })),
                "bit {bit} flip validated"
            );
        }
    }
}
