//! The bookie: the server that stores ledger entries for BookKeeper clients.
//!
//! Map: [`config`] (the one `Config` struct, BookKeeper key translation, the sample file),
//! [`server`] (protocol-neutral request handling: decode, execute on a shard, encode; read-only
//! state, metrics, admin handlers), [`runtime`] (the only module naming glommio: one executor
//! per core, each owning a [`StorageShard`], listeners, cross-core routing, periodic tasks),
//! [`registration`] (cookies and registration in ZooKeeper through the `metadata` crate),
//! [`storage_shard`], [`checkpoint`] and [`mark`] (the durable core of one shard).
//! `docs/notes/bookie-architecture.md` describes the threading model and request flow.

#![deny(unsafe_code)]

pub mod checkpoint;
pub mod checkpoint_nudge;
pub mod config;
pub mod lac_waiters;
pub mod mark;
pub mod registration;
pub mod runtime;
pub mod server;
pub mod storage_shard;

pub use checkpoint::{CheckpointError, CheckpointReport};
pub use config::Config;
pub use storage_shard::{RecoverError, RecoveryReport, ShardConfig, StorageShard, WriteError};
