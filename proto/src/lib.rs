//! BookKeeper wire protocol: framing, protocol detection, v2 (binary) and v3 (protobuf)
//! messages, entry bodies and their digests. Encode and decode only.
//!
//! This crate owns the bytes that cross the wire between clients and bookies, as captured from
//! the real Apache BookKeeper 4.16.7 (`shared/fixtures/bookkeeper-4.16.7/wire`).
//! It never does I/O, never blocks and knows nothing about storage.
//!
//! Invariants:
//! - No decoder panics on any input; every decode returns a `Result` with a typed error.
//! - A frame larger than the configured `frame_bytes_max` is rejected before its payload is
//!   buffered or allocated.
//! - Entry bodies are carried as zero-copy `Bytes` views of the frame they arrived in.
//! - Encoders are byte-identical to the Java implementation for every message in the fixtures
//!   (protobuf fields in field-number order, v2 responses with flags 0).
//!
//! Map: [`frame`] splits streams into frames, [`detect`] picks v2 or v3 from the first frame,
//! [`v2`] and [`v3`] decode and encode messages, [`status`] maps result codes between them,
//! [`entry`], [`lac`], [`digest`] and [`keys`] build and verify digest-protected bodies, and
//! [`availability`] handles the run-length encoding of GET_LIST_OF_ENTRIES_OF_LEDGER answers.

#![deny(unsafe_code)]

pub mod auth;
pub mod availability;
pub mod detect;
pub mod digest;
pub mod entry;
pub mod frame;
pub mod keys;
pub mod lac;
pub mod status;
pub mod v2;
pub mod v3;

pub use detect::{detect_protocol, DetectError, WireProtocol};
pub use digest::{DigestType, MacKey};
pub use entry::{make_entry_body, verify_entry_body, DigestError, EntryHeader, ParsedEntry};
pub use frame::{FrameDecoder, FrameError, FRAME_BYTES_MAX_DEFAULT};
pub use keys::master_key;
pub use status::StatusCode;
