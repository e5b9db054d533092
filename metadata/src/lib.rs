//! Ledger metadata and the bookie registry, in Apache BookKeeper 4.16's layout and byte formats.
//!
//! This crate owns everything a bookie (and later the client and autorecovery) keeps in the
//! metadata service: the cluster's `LAYOUT` and `INSTANCEID`, cookies, bookie registrations,
//! ledger metadata and ledger id generation.
//!
//! - [`format`](mod@format): the bytes of every znode, pure functions, fixture-checked against 4.16.7.
//! - [`store`]: the async [`MetadataStore`] trait and its typed [`MetadataError`].
//! - [`zk`]: [`ZkMetadataStore`], the ZooKeeper backend (interoperable with Java BookKeeper).
//! - [`embedded`]: [`EmbeddedMetadataStore`], a crash-safe single-file backend on redb for
//!   standalone runs.
//! - `etcd` (feature `etcd`, off by default): `EtcdMetadataStore`, the etcd backend in the key
//!   layout of BookKeeper's etcd driver (spec §5.8), with the same value bytes as ZooKeeper.
//!   etcd-client needs `protoc` at build time (Debian: `protobuf-compiler`, `libprotobuf-dev`).
//! - [`any_store`]: [`AnyMetadataStore`], the backend picked from `metadataServiceUri` at run time.
//! - [`uri`]: parsing `metadataServiceUri`.
//! - [`test_support`]: a real ZooKeeper server (and, with the `etcd` feature, a real etcd
//!   server) on free loopback ports, for tests of any crate.
//!
//! Invariants:
//! - Bytes from the store are untrusted: decoding never panics; bad bytes become
//!   [`MetadataError::Corrupt`] naming the path.
//! - Every write the crate makes is either a create that fails if the node exists or a
//!   compare-and-set on the node's version, so two writers never silently overwrite each other.
//! - Registrations are ephemeral: they vanish when the session (ZooKeeper), the store handle
//!   (embedded) or the lease (etcd) ends.

#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod any_store;
pub mod bookie_id;
pub mod embedded;
pub mod error;
#[cfg(feature = "etcd")]
pub mod etcd;
pub mod format;
mod ops;
pub mod store;
pub mod test_support;
mod tree;
pub mod uri;
pub mod zk;

pub use any_store::AnyMetadataStore;
pub use embedded::EmbeddedMetadataStore;
pub use error::{MetadataError, Result};
#[cfg(feature = "etcd")]
pub use etcd::{EtcdMetadataStore, EtcdOptions};
pub use store::{BookieSet, MetadataStore, Version};
pub use uri::{MetadataServiceUri, UriError};
pub use zk::{ZkMetadataStore, ZkOptions};

pub use bookie_id::{BookieId, BookieIdError};
pub use format::cookie::{Cookie, CookieMismatch};
pub use format::instance_id::InstanceId;
pub use format::layout::Layout;
pub use format::ledger_metadata::{DigestType, LedgerMetadata, LedgerState, Segment};
pub use format::ledger_path::LedgerPathScheme;
pub use format::service_info::{BookieServiceInfo, Endpoint};
pub use format::FormatError;
