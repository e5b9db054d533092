//! Protocol v3: protobuf `Request`/`Response` messages (§1.4).
//!
//! [`wire`] holds the prost types generated from `proto/BookkeeperProtocol.proto`, with every
//! `required` field relaxed to `Option` so presence can be checked; the typed API in this module
//! is what the rest of the bookie uses.
//! Invariants:
//! - A message missing a required field, or carrying an unknown enum value, is a typed error.
//! - Encoding writes fields in field-number order, exactly as the Java encoder does.

/// prost types generated from `proto/BookkeeperProtocol.proto`.
#[allow(missing_docs, clippy::all)]
pub mod wire {
    include!(concat!(env!("OUT_DIR"), "/bookkeeper.proto.rs"));
}

mod error;
mod header;
mod request;
mod response;

pub use error::V3DecodeError;
pub use header::{RequestHeader, ResponseHeader};
pub use request::{
    AddFlag, AddRequest, ContextPair, ReadFlag, ReadRequest, Request, RequestBody, WriteLacRequest,
    REQUEST_CONTEXT_PAIRS_MAX, WRITE_FLAG_DEFERRED_SYNC,
};
pub use response::{
    encode_bad_request_response, AddResponse, GetBookieInfoResponse,
    GetListOfEntriesOfLedgerResponse, LedgerStatusResponse, ReadLacResponse, ReadResponse,
    Response, ResponseBody,
};
pub use wire::{OperationType, ProtocolVersion};

#[cfg(test)]
mod tests;
