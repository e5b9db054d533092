//! The bookie: the server that stores ledger entries.
//!
//! Today this crate holds the part of the server that joins the journal and the ledger store:
//! [`mark`] (the checkpoint mark file) and the checkpoint protocol. The network server, the
//! thread-per-core runtime and registration arrive with issue 3.

#![deny(unsafe_code)]

pub mod mark;
pub mod checkpoint;
pub mod storage_shard;

pub use checkpoint::{CheckpointError, CheckpointReport};
pub use storage_shard::{RecoverError, RecoveryReport, ShardConfig, StorageShard, WriteError};
