//! The BookKeeper client library: ledgers striped over an ensemble of bookies (E/Qw/Qa),
//! ensemble changes, fencing and recovery, reads with speculation, over protocol v3 (default)
//! or v2, with ledger metadata in any [`metadata::MetadataStore`] backend.
//!
//! Map: [`BookKeeper`] (client.rs) creates, opens and deletes ledgers; [`LedgerHandle`] and
//! [`ReadHandle`] (handle.rs) are what users hold; the writer actor (writer.rs) owns the add
//! pipeline and ensemble changes; read.rs, lac.rs and recovery.rs are the read-side algorithms
//! of spec §6.4-6.6; pool.rs and connection.rs hold one connection per bookie; wire.rs maps
//! operations to v2/v3 frames; digest.rs builds and verifies entry bodies.
//!
//! Invariants (each module states its own in detail):
//! - An add is reported successful only after Qa bookies of its write set acknowledged it,
//!   and adds complete in entry-id order.
//! - After an ensemble change no acknowledged entry is lost: the new segment starts at
//!   LAC + 1 and every unacknowledged add is re-sent to the replacement.
//! - Recovery finds every acknowledged entry and closes the ledger after it.
//! - A read returns only entries whose digest and ids verified.
//!
//! Everything runs on the caller's tokio runtime.

pub mod client;
pub mod config;
pub mod connection;
pub mod context;
pub mod digest;
pub mod error;
pub mod handle;
pub mod lac;
pub mod pool;
pub mod read;
pub mod recovery;
pub mod test_support;
mod waiter_table;
pub mod wire;
pub mod writer;

pub use client::{BookKeeper, BookieDiskInfo, CreateOptions};
pub use config::{ClientConfig, Protocol};
pub use error::{ClientError, Result};
pub use handle::{LedgerHandle, ReadHandle};
pub use proto::DigestType;
pub use read::LedgerEntry;
