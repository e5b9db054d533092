//! Why a v2 frame could not be decoded. Every variant names what was wrong, so the server can
//! log it and drop the connection.

use super::header::Opcode;
use crate::auth::AuthDecodeError;

/// A v2 request or response payload that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum V2DecodeError {
    /// The payload ends before a fixed-size field.
    #[error("v2 frame truncated: needs {bytes_needed} bytes, has {bytes_available}")]
    Truncated {
        /// Bytes the layout requires so far.
        bytes_needed: usize,
        /// Bytes the payload holds.
        bytes_available: usize,
    },
    /// The opcode byte is not a BookKeeper opcode.
    #[error("unknown v2 opcode {0}")]
    UnknownOpcode(u8),
    /// A BookKeeper opcode that the 4.16/4.17 server does not decode in v2 (READ_LAC, WRITE_LAC,
    /// GET_BOOKIE_INFO).
    #[error("v2 opcode {0:?} is not supported over protocol v2")]
    UnsupportedOpcode(Opcode),
    /// Bytes left over after a fixed-layout message.
    #[error("{extra_bytes} unexpected trailing bytes after v2 {opcode:?}")]
    TrailingBytes {
        /// The message kind.
        opcode: Opcode,
        /// Bytes left over.
        extra_bytes: usize,
    },
    /// An ADD body shorter than the 16 bytes holding the ledger and entry ids.
    #[error("v2 ADD body of {body_bytes} bytes cannot hold ledger and entry ids")]
    AddBodyTooShort {
        /// Body length.
        body_bytes: usize,
    },
    /// A response `rc` that is not a known error code.
    #[error("unknown v2 return code {0}")]
    UnknownReturnCode(i32),
    /// A BATCH_READ entry list whose length words do not add up to the frame.
    #[error("malformed v2 batch-read entry list at byte {offset_bytes}")]
    BadBatchEntries {
        /// Offset inside the entry list where parsing failed.
        offset_bytes: usize,
    },
    /// The protobuf `AuthMessage` inside an AUTH packet is malformed.
    #[error("bad v2 AUTH message: {0}")]
    Auth(#[from] AuthDecodeError),
}
