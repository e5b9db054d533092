//! Autorecovery: the auditor and the replication worker.
//!
//! This crate will own BookKeeper-compatible autorecovery (spec §7): an auditor, elected through
//! the metadata store, that finds ledgers with fragments on lost bookies and marks them
//! under-replicated under `/ledgers/underreplication`; and replication workers that take those
//! marks, copy the missing fragments to new bookies chosen by placement, and update the ledger
//! metadata.
//!
//! It is empty until the client library and metadata stores exist; it depends on `client`,
//! `placement` and `metadata` (never on `bookie`).

#![deny(unsafe_code)]
