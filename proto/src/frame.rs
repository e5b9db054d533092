//! Length-prefixed framing: `u32 big-endian length` followed by that many payload bytes (§1.1).
//!
//! This module owns the only place where bytes from a TCP stream are split into frames.
//! Invariants:
//! - A declared length above `frame_bytes_max` is rejected before any buffer is reserved for it,
//!   so a hostile peer cannot make us allocate more than `frame_bytes_max` per frame.
//! - The decoder never consumes a partial frame: it either yields a whole payload or leaves the
//!   buffer untouched and waits for more bytes.
//! - Encoders refuse to produce a frame the peer would reject as oversize.

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// Size of the length prefix in bytes.
pub const FRAME_LENGTH_PREFIX_BYTES: usize = 4;

/// Default largest accepted payload: BookKeeper's `nettyMaxFrameSizeBytes` (5 MiB).
pub const FRAME_BYTES_MAX_DEFAULT: usize = 5 * 1024 * 1024;

/// Why a frame could not be decoded or encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The length prefix declares more bytes than the configured maximum.
    #[error("frame declares {frame_bytes} payload bytes, more than the maximum {frame_bytes_max}")]
    Oversize {
        /// Declared payload length.
        frame_bytes: u64,
        /// Configured maximum.
        frame_bytes_max: usize,
    },
}

/// Splits a byte stream into frame payloads.
///
/// Feed it the connection's read buffer; each call to [`FrameDecoder::decode`] removes at most
/// one complete frame from the front of that buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameDecoder {
    frame_bytes_max: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new(FRAME_BYTES_MAX_DEFAULT)
    }
}

impl FrameDecoder {
    /// A decoder that accepts payloads of at most `frame_bytes_max` bytes.
    pub const fn new(frame_bytes_max: usize) -> Self {
        Self { frame_bytes_max }
    }

    /// The largest payload this decoder accepts.
    pub const fn frame_bytes_max(&self) -> usize {
        self.frame_bytes_max
    }

    /// The payload length declared by the prefix at the front of `stream`, validated against the
    /// maximum; `Ok(None)` while fewer than 4 bytes are buffered.
    pub fn peek_frame_bytes(&self, stream: &[u8]) -> Result<Option<usize>, FrameError> {
        let Some(prefix) = stream.get(..FRAME_LENGTH_PREFIX_BYTES) else {
            return Ok(None);
        };
        let mut prefix_bytes = [0u8; FRAME_LENGTH_PREFIX_BYTES];
        prefix_bytes.copy_from_slice(prefix);
        let frame_bytes = u32::from_be_bytes(prefix_bytes);
        match usize::try_from(frame_bytes) {
            Ok(frame_bytes) if frame_bytes <= self.frame_bytes_max => Ok(Some(frame_bytes)),
            _ => Err(FrameError::Oversize {
                frame_bytes: u64::from(frame_bytes),
                frame_bytes_max: self.frame_bytes_max,
            }),
        }
    }

    /// Removes one complete frame from the front of `stream` and returns its payload (without
    /// the length prefix).
    ///
    /// Returns `Ok(None)` when the buffer does not yet hold a whole frame; the buffer is then
    /// unchanged (not even its capacity).
    /// An oversize prefix is an error and the connection should be dropped.
    pub fn decode(&self, stream: &mut BytesMut) -> Result<Option<Bytes>, FrameError> {
        let Some(frame_bytes) = self.peek_frame_bytes(stream)? else {
            return Ok(None);
        };
        // Saturating: with a `frame_bytes_max` near `usize::MAX` (or a 4 GiB prefix on a 32-bit
        // target) the sum could overflow; a saturated total simply never fits the buffer.
        let total_bytes = frame_bytes.saturating_add(FRAME_LENGTH_PREFIX_BYTES);
        if stream.len() < total_bytes {
            // Nothing is reserved here: a peer that declares a large frame and stalls must not
            // make us allocate for it. The caller grows its read buffer as bytes arrive and may
            // use `peek_frame_bytes` to size its reads.
            return Ok(None);
        }
        stream.advance(FRAME_LENGTH_PREFIX_BYTES);
        Ok(Some(stream.split_to(frame_bytes).freeze()))
    }
}

/// Appends one frame (`u32 BE length` + `payload`) to `out`.
///
/// Fails if the payload is larger than `frame_bytes_max`, which the peer would reject.
pub fn encode_frame(
    payload: &[u8],
    frame_bytes_max: usize,
    out: &mut BytesMut,
) -> Result<(), FrameError> {
    let frame_bytes = checked_frame_bytes(payload.len(), frame_bytes_max)?;
    out.reserve(FRAME_LENGTH_PREFIX_BYTES + payload.len());
    out.put_u32(frame_bytes);
    out.put_slice(payload);
    Ok(())
}

/// Appends one frame to `out` whose payload is written by `write_payload`, then back-fills the
/// length prefix. Avoids copying a payload that is built in place.
///
/// On error, `out` is restored to its previous length.
pub fn encode_frame_with(
    out: &mut BytesMut,
    frame_bytes_max: usize,
    write_payload: impl FnOnce(&mut BytesMut),
) -> Result<(), FrameError> {
    let start = out.len();
    out.put_u32(0);
    write_payload(out);
    let payload_bytes = out.len() - start - FRAME_LENGTH_PREFIX_BYTES;
    match checked_frame_bytes(payload_bytes, frame_bytes_max) {
        Ok(frame_bytes) => {
            out[start..start + FRAME_LENGTH_PREFIX_BYTES]
                .copy_from_slice(&frame_bytes.to_be_bytes());
            Ok(())
        }
        Err(error) => {
            out.truncate(start);
            Err(error)
        }
    }
}

fn checked_frame_bytes(payload_bytes: usize, frame_bytes_max: usize) -> Result<u32, FrameError> {
    let oversize = || FrameError::Oversize {
        frame_bytes: u64::try_from(payload_bytes).unwrap_or(u64::MAX),
        frame_bytes_max,
    };
    if payload_bytes > frame_bytes_max {
        return Err(oversize());
    }
    u32::try_from(payload_bytes).map_err(|_| oversize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoder_waits_for_a_whole_frame_and_leaves_the_buffer_untouched() {
        let decoder = FrameDecoder::default();
        let mut stream = BytesMut::from(&[0u8, 0, 0, 3, b'a', b'b'][..]);
        assert_eq!(decoder.decode(&mut stream), Ok(None));
        assert_eq!(&stream[..], &[0, 0, 0, 3, b'a', b'b']);
        stream.put_u8(b'c');
        assert_eq!(
            decoder.decode(&mut stream),
            Ok(Some(Bytes::from_static(b"abc")))
        );
        assert!(stream.is_empty());
    }

    #[test]
    fn decoder_yields_back_to_back_frames_one_at_a_time() {
        let decoder = FrameDecoder::default();
        let mut stream = BytesMut::from(&[0u8, 0, 0, 1, 7, 0, 0, 0, 0, 0, 0, 0, 2, 8][..]);
        assert_eq!(
            decoder.decode(&mut stream),
            Ok(Some(Bytes::from_static(&[7])))
        );
        assert_eq!(decoder.decode(&mut stream), Ok(Some(Bytes::new())));
        assert_eq!(decoder.decode(&mut stream), Ok(None));
        assert_eq!(&stream[..], &[0, 0, 0, 2, 8]);
    }

    #[test]
    fn decoder_rejects_an_oversize_prefix_before_the_payload_arrives() {
        let decoder = FrameDecoder::new(16);
        let mut stream = BytesMut::from(&[0u8, 0, 0, 17][..]);
        let capacity_before = stream.capacity();
        assert_eq!(
            decoder.decode(&mut stream),
            Err(FrameError::Oversize {
                frame_bytes: 17,
                frame_bytes_max: 16
            })
        );
        assert_eq!(stream.capacity(), capacity_before);
    }

    #[test]
    fn decoder_rejects_a_four_gibibyte_prefix_with_the_default_limit() {
        let decoder = FrameDecoder::default();
        let mut stream = BytesMut::from(&[0xffu8, 0xff, 0xff, 0xff][..]);
        assert!(matches!(
            decoder.decode(&mut stream),
            Err(FrameError::Oversize { .. })
        ));
    }

    #[test]
    fn decoder_with_an_unbounded_maximum_does_not_overflow_or_reserve() {
        let decoder = FrameDecoder::new(usize::MAX);
        let mut stream = BytesMut::from(&[0xffu8, 0xff, 0xff, 0xff, 1][..]);
        let capacity_before = stream.capacity();
        assert_eq!(decoder.decode(&mut stream), Ok(None));
        assert_eq!(stream.capacity(), capacity_before);
        assert_eq!(stream.len(), 5);
    }

    #[test]
    fn decoder_accepts_a_frame_of_exactly_the_maximum() {
        let decoder = FrameDecoder::new(4);
        let mut stream = BytesMut::from(&[0u8, 0, 0, 4, 1, 2, 3, 4][..]);
        assert_eq!(
            decoder.decode(&mut stream),
            Ok(Some(Bytes::from_static(&[1, 2, 3, 4])))
        );
    }

    #[test]
    fn encoders_prefix_the_big_endian_length_and_refuse_oversize_payloads() {
        let mut out = BytesMut::new();
        encode_frame(b"xyz", 8, &mut out).expect("fits");
        encode_frame_with(&mut out, 8, |buf| buf.put_slice(b"hi")).expect("fits");
        assert_eq!(&out[..], b"\0\0\0\x03xyz\0\0\0\x02hi");
        assert!(encode_frame(&[0; 9], 8, &mut out).is_err());
        assert!(encode_frame_with(&mut out, 8, |buf| buf.put_slice(&[0; 9])).is_err());
        assert_eq!(out.len(), 13);
    }
}
