//! What a load is driven against: the [`AddTarget`] and [`ReadTarget`] traits.
//!
//! The load driver (`load.rs`) knows nothing about bookies, protocols or ledgers: it calls
//! [`AddTarget::add`] and treats the returned future resolving as the acknowledgement.
//! Invariant: a future resolves `Ok` only once the write is acknowledged as durable by the
//! target (for a bookie: its ADD response with status OK; for a cluster: Qa bookies).
//!
//! Implementations: [`crate::harness::bookie_target::BookieTarget`] (one bookie, v2 or v3, no
//! metadata) and [`crate::harness::cluster_target::ClusterTarget`] (a cluster through the client
//! library, `--metadata-uri`, ledgers with the run's E/Qw/Qa).

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;

use super::error::BenchError;

/// A boxed, sendable future: what the traits return so they stay object safe.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// The wire protocol to a bookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// The binary protocol (BookKeeper's default for adds and reads).
    V2,
    /// The protobuf protocol.
    V3,
}

/// Where an acknowledged entry lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryPosition {
    /// The ledger.
    pub ledger_id: i64,
    /// The entry.
    pub entry_id: i64,
}

/// Something that accepts entries.
pub trait AddTarget: Send + Sync + 'static {
    /// Adds one entry with `payload`; resolves when it is acknowledged.
    fn add(&self, payload: Bytes) -> BoxFuture<Result<EntryPosition, BenchError>>;

    /// One line saying what this is (for the report).
    fn describe(&self) -> String;
}

/// Something that serves entries back.
pub trait ReadTarget: Send + Sync + 'static {
    /// Reads the entry at `position`; resolves with its payload bytes (entry body as stored).
    fn read(&self, position: EntryPosition) -> BoxFuture<Result<Bytes, BenchError>>;
}
