//! The znode tree both backends provide, and the one implementation of the BookKeeper layout
//! on top of it (module [`ops`](crate::ops)).
//!
//! A backend implements [`Tree`]: ZooKeeper semantics (create fails if the node exists or its
//! parent does not, set/delete compare the version, ephemeral nodes belong to a session, a
//! sequential create appends a 10-digit counter, watches fire once on the next change).
//! Paths are absolute (`/ledgers/cookies/x`), never end with `/`.

use std::future::Future;
use std::pin::Pin;

use crate::error::Result;
use crate::format::ledger_path::LedgerPathScheme;
use crate::store::Version;

/// How a node is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Persistent,
    Ephemeral,
    EphemeralSequential,
}

/// Who owns a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    /// A persistent node.
    Nobody,
    /// An ephemeral node of this store's session.
    ThisSession,
    /// An ephemeral node of another session.
    OtherSession,
}

/// A node's data, version and owner.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub data: Vec<u8>,
    pub version: Version,
    pub owner: Owner,
}

/// Resolves once after the watched thing changed (or the session ended).
pub(crate) type Watch = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A registration this store made, so a backend can redo it after losing its session.
#[derive(Clone, Debug)]
pub(crate) struct Registration {
    pub data: Vec<u8>,
    pub readonly: bool,
}

pub(crate) trait Tree: Send + Sync {
    /// The ledgers root, e.g. `/ledgers`.
    fn root(&self) -> &str;

    /// The path scheme for ledger znodes.
    fn ledger_scheme(&self) -> LedgerPathScheme {
        LedgerPathScheme::Hierarchical
    }

    /// How long `register_bookie` waits for another session's registration to expire, in ms.
    fn registration_wait_ms(&self) -> u64;

    /// Reads a node; `NotFound` if absent.
    fn get(&self, path: &str) -> impl Future<Output = Result<Node>> + Send;

    /// Creates a node whose parent exists; returns the created path (with the sequence suffix).
    fn create(
        &self,
        path: &str,
        data: &[u8],
        kind: NodeKind,
    ) -> impl Future<Output = Result<(String, Version)>> + Send;

    /// Replaces a node's data, at `expected` if given.
    fn set(
        &self,
        path: &str,
        data: &[u8],
        expected: Option<Version>,
    ) -> impl Future<Output = Result<Version>> + Send;

    /// Deletes a childless node, at `expected` if given.
    fn delete(
        &self,
        path: &str,
        expected: Option<Version>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Names of a node's children, unsorted.
    fn children(&self, path: &str) -> impl Future<Output = Result<Vec<String>>> + Send;

    /// Children plus a watch that fires when they change.
    fn watch_children(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<(Vec<String>, Watch)>> + Send;

    /// Whether a node exists, plus a watch that fires when it is created, changed or deleted.
    fn watch_exists(&self, path: &str) -> impl Future<Output = Result<(bool, Watch)>> + Send;

    /// Called after this store registered (`Some`) or unregistered (`None`) a bookie.
    fn remember_registration(
        &self,
        _bookie: &crate::BookieId,
        _registration: Option<Registration>,
    ) {
    }
}
