//! Protocol detection from the first payload byte of a connection's first frame (§1.2).
//!
//! A v3 `Request` always starts with tag `0x0A` (field 1, length-delimited: the header).
//! A v2 packet starts with its version byte, 0, 1 or 2; protobuf would read that as field
//! number 0, which is never valid, so the two cannot be confused.
//! This module only classifies one frame; the caller makes the choice sticky per connection
//! (§10 pitfall 13) and never re-detects on later frames.

/// The wire protocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireProtocol {
    /// Binary "pre-v3" protocol.
    V2,
    /// Protobuf protocol.
    V3,
}

/// Why the first frame could not be classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DetectError {
    /// The frame payload is empty.
    #[error("empty first frame: cannot detect the protocol")]
    EmptyFrame,
    /// The first byte is neither a v2 version byte nor the v3 header tag.
    #[error(
        "first payload byte {0:#04x} is neither a v2 version (0..=2) nor the v3 header tag 0x0a"
    )]
    UnknownFirstByte(u8),
}

/// Classifies a connection by the first payload byte of its first frame.
pub fn detect_protocol(first_payload: &[u8]) -> Result<WireProtocol, DetectError> {
    match first_payload.first() {
        None => Err(DetectError::EmptyFrame),
        Some(0x0a) => Ok(WireProtocol::V3),
        Some(0x00..=0x02) => Ok(WireProtocol::V2),
        Some(&other) => Err(DetectError::UnknownFirstByte(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_tag_means_v3_and_version_bytes_mean_v2() {
        assert_eq!(detect_protocol(&[0x0a, 0x06]), Ok(WireProtocol::V3));
        assert_eq!(detect_protocol(&[0x02, 0x01, 0, 0]), Ok(WireProtocol::V2));
        assert_eq!(detect_protocol(&[0x00, 0, 0, 1]), Ok(WireProtocol::V2));
        assert_eq!(detect_protocol(&[0x01]), Ok(WireProtocol::V2));
    }

    #[test]
    fn other_first_bytes_and_empty_frames_are_errors() {
        assert_eq!(
            detect_protocol(&[0x03]),
            Err(DetectError::UnknownFirstByte(3))
        );
        assert_eq!(
            detect_protocol(&[0x08]),
            Err(DetectError::UnknownFirstByte(8))
        );
        assert_eq!(detect_protocol(&[]), Err(DetectError::EmptyFrame));
    }
}
