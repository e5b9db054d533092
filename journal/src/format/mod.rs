//! The journal's on-disk bytes: the file header block, record framing with a CRC32C, the record
//! kinds, and the padding that ends every group commit on an alignment boundary.
//!
//! This module owns every byte layout of a journal file and nothing else: it does no I/O.
//! Every integer is little-endian. `docs/notes/journal-format.md` documents the same bytes.
//!
//! Invariants:
//! - Decoding never panics, whatever the input bytes are; a decoder returns a typed outcome.
//! - A record's CRC32C covers the journal file id, the length field and the whole body, so a
//!   record is valid only in the file it was written to and at its full length.
//! - Record kind 0 is never written, so preallocated zeros never decode as a record.

pub mod header;
pub mod padding;
pub mod record;
pub mod records;

pub use header::{FileHeader, HeaderError, HEADER_BYTES, JOURNAL_FORMAT_VERSION, JOURNAL_MAGIC};
pub use padding::padding_record_bytes;
pub use record::{
    decode_frame, encode_frame, encode_frame_into, frame_bytes, Frame, FrameError,
    FRAME_HEADER_BYTES, RECORD_BODY_BYTES_MAX,
};
pub use records::{
    decode as decode_payload, encode_batch_mark, encode_batch_mark_into, encode_padding,
    encode_padding_into, Decoded, Kind, PayloadError, Record, ALIGNMENT_BYTES_MAX,
};
