//! Protocol v2: BookKeeper's binary "pre-v3" protocol (§1.3), used by Pulsar brokers with
//! `useV2WireProtocol=true`.
//!
//! This module owns the byte layout of v2 requests and responses, nothing else: no I/O and no
//! bookie semantics. Every decoder takes one frame payload as `Bytes`, returns a `Result`, never
//! panics, and keeps entry bodies as zero-copy views of that payload.

mod batch_entries;
mod error;
mod header;
mod reader;
mod request;
mod response;

pub use batch_entries::{BatchEntries, BatchEntriesIter};
pub use error::V2DecodeError;
pub use header::{Flags, Opcode, PacketHeader, PROTOCOL_VERSION_CURRENT};
pub use request::{
    AddRequest, AuthRequest, BatchReadRequest, ReadRequest, Request, ADD_BODY_IDS_BYTES,
};
pub use response::{
    AddResponse, AuthResponse, BatchReadResponse, ReadResponse, Response, RESPONSE_HEADERS_BYTES,
};
