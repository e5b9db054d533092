//! The [`MetadataStore`] trait: everything a bookie, a client and autorecovery ask of the
//! metadata service, independent of the backend.
//!
//! Versions are opaque compare-and-set tokens (the znode version on ZooKeeper and in the
//! embedded store, the key's `mod_revision` on etcd).
//! Every method's future is `Send`, so a caller may await it on any executor: a glommio
//! `LocalExecutor`, a plain thread with `futures::executor::block_on`, or a multi-threaded runtime.
//! Invariant: a method that writes either creates a node that must not exist or replaces a
//! node at an expected version; only `register_bookie`, `unregister_bookie` and `format_cluster`
//! overwrite unconditionally, and they only touch the caller's own registration or the whole tree.

use std::collections::BTreeSet;
use std::future::Future;

use types::LedgerId;

use crate::error::Result;
use crate::{BookieId, BookieServiceInfo, Cookie, InstanceId, LedgerMetadata};

/// A node's version, for compare-and-set. A new node has version 0 on ZooKeeper and in the
/// embedded store; on etcd it is the key's `mod_revision` (a cluster-wide revision).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub i64);

/// The registered bookies at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BookieSet {
    /// Bookies registered under `available/`.
    pub writable: BTreeSet<BookieId>,
    /// Bookies registered under `available/readonly/`.
    pub readonly: BTreeSet<BookieId>,
}

/// The metadata service: cluster identity, cookies, bookie registry and ledger metadata.
pub trait MetadataStore: Send + Sync {
    /// Creates the cluster's nodes, as `bookkeeper shell initnewcluster` does: the root,
    /// `LAYOUT`, a new random `INSTANCEID`, `available`, `available/readonly`, `cookies` and
    /// `idgen`. Fails with [`MetadataError::Exists`](crate::MetadataError::Exists) if the root exists.
    fn init_cluster(&self) -> impl Future<Output = Result<InstanceId>> + Send;

    /// Deletes everything under the root (ledgers, cookies, registrations) and initialises anew.
    fn format_cluster(&self) -> impl Future<Output = Result<InstanceId>> + Send;

    /// The cluster's `INSTANCEID`; `NotFound` if the cluster is not initialised.
    fn instance_id(&self) -> impl Future<Output = Result<InstanceId>> + Send;

    /// Reads a bookie's cookie and its version.
    fn read_cookie(
        &self,
        bookie: &BookieId,
    ) -> impl Future<Output = Result<(Cookie, Version)>> + Send;

    /// Writes a bookie's cookie: `expected == None` creates it (fails with `Exists`), otherwise
    /// it replaces the cookie at that version (fails with `BadVersion`). Returns the new version.
    fn write_cookie(
        &self,
        bookie: &BookieId,
        cookie: &Cookie,
        expected: Option<Version>,
    ) -> impl Future<Output = Result<Version>> + Send;

    /// Deletes a bookie's cookie, at `expected` if given.
    fn delete_cookie(
        &self,
        bookie: &BookieId,
        expected: Option<Version>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Registers this bookie, ephemerally, as writable or read-only, and removes its other
    /// registration. If a registration of another (older) session is present, waits for it to
    /// expire, at most the store's registration wait, then fails with `Timeout`.
    /// Re-registering with the same mode replaces the published info.
    fn register_bookie(
        &self,
        bookie: &BookieId,
        info: &BookieServiceInfo,
        readonly: bool,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Removes this store's registrations of `bookie` (both modes); absent ones are fine.
    fn unregister_bookie(&self, bookie: &BookieId) -> impl Future<Output = Result<()>> + Send;

    /// Lists the registered bookies.
    fn list_bookies(&self) -> impl Future<Output = Result<BookieSet>> + Send;

    /// Waits until the registered bookies differ from `known`, then returns the new set.
    /// Level-triggered: returns at once if they differ already, so no change is missed between
    /// calls. Unbounded; wrap it in a timeout where needed. If the session expires meanwhile it
    /// returns `SessionExpired`; the store renews its session, so calling again works.
    fn wait_bookies_changed(
        &self,
        known: &BookieSet,
    ) -> impl Future<Output = Result<BookieSet>> + Send;

    /// The info a registered bookie published (writable or read-only registration).
    fn bookie_service_info(
        &self,
        bookie: &BookieId,
    ) -> impl Future<Output = Result<BookieServiceInfo>> + Send;

    /// Creates a ledger's metadata; fails with `Exists` if the ledger exists.
    fn create_ledger_metadata(
        &self,
        ledger: LedgerId,
        metadata: &LedgerMetadata,
    ) -> impl Future<Output = Result<Version>> + Send;

    /// Reads a ledger's metadata and its version.
    fn read_ledger_metadata(
        &self,
        ledger: LedgerId,
    ) -> impl Future<Output = Result<(LedgerMetadata, Version)>> + Send;

    /// Replaces a ledger's metadata if its version is still `expected` (else `BadVersion`).
    fn write_ledger_metadata(
        &self,
        ledger: LedgerId,
        metadata: &LedgerMetadata,
        expected: Version,
    ) -> impl Future<Output = Result<Version>> + Send;

    /// Deletes a ledger's metadata, at `expected` if given.
    fn delete_ledger(
        &self,
        ledger: LedgerId,
        expected: Option<Version>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// All ledger ids with metadata, ascending.
    fn list_ledgers(&self) -> impl Future<Output = Result<Vec<LedgerId>>> + Send;

    /// A new ledger id, unique in the cluster (ZooKeeper sequence under `idgen`; on etcd
    /// `(bucket << 56) | version`, unique but not increasing).
    fn generate_ledger_id(&self) -> impl Future<Output = Result<LedgerId>> + Send;
}
