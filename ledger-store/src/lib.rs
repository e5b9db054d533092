//! The ledger store: where a bookie keeps entries after the journal has made them durable.
//!
//! Entries are accepted into a two-half write cache ([`write_cache`]), and each flush writes the
//! flushing half, sorted by (ledger, entry), into append-only entry logs ([`entry_log`]), then
//! persists the ledger states ([`state_file`]) and one batch of the (ledger, entry) -> location
//! index ([`index`]). Reads look at the write cache, the read-ahead cache ([`read_cache`]) and
//! then the index and the entry log. GC removes entry logs without live entries and compaction
//! rewrites sparsely used ones, paced by an injected [`Sleep`].
//!
//! The entry point is [`LedgerStore`]; its module documents the durability contract of
//! [`LedgerStore::flush`], the storage half of the bookie's checkpoint. The byte formats are in
//! `docs/notes/ledger-store-format.md`.
//!
//! Invariants:
//! - This crate never panics on bytes read from disk: every decoder returns a `Result`.
//! - It never depends on the journal or on glommio; all I/O goes through `disk::DurableDir`.
//! - The index never names bytes that are not durable, and an entry log is removed only when the
//!   durable index names nothing in it.

#![deny(unsafe_code)]
#![allow(async_fn_in_trait)]

mod be;
pub mod config;
pub mod entry_log;
pub mod error;
mod gate;
pub mod index;
pub mod ledger_state;
pub mod pacing;
mod read_cache;
pub mod state_file;
pub mod store;
mod write_cache;

pub use config::StoreConfig;
pub use error::StoreError;
pub use ledger_state::LedgerState;
pub use pacing::{CompactionRate, NoPause, Sleep};
pub use store::ENTRY_BODY_BYTES_MIN;
pub use store::{CompactionReport, FlushReport, GcReport, LedgerStore};
