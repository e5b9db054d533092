//! [`EmbeddedMetadataStore`]: the metadata store in one redb file, for standalone bookies and
//! tests without a ZooKeeper. Same layout (paths) and bytes as on ZooKeeper.
//!
//! Persistent nodes live in the redb table `nodes` (key: the absolute path; value: the node's
//! version as u64 big-endian, then its data), sequence counters in `sequences` (key: the parent
//! path; value: the next sequence number), so ids never repeat across restarts. Every write is
//! one redb transaction committed with redb's default (immediate, fsynced) durability, so a
//! crash leaves either the old or the new state.
//! Ephemeral nodes (registrations, id-generation nodes) live only in memory, owned by the
//! session (store handle) that created them, and vanish when that handle is dropped.
//! [`EmbeddedMetadataStore::new_session`] gives another handle on the same file with its own
//! session, as a second ZooKeeper client would have.
//! Invariant: every operation runs under one mutex, so each is atomic with respect to the
//! others, as each ZooKeeper request is. Operations block the calling thread for the redb commit
//! (an fsync); metadata operations are rare, so the bookie may call them from its executor.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use event_listener::Event;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use types::LedgerId;

use crate::error::{MetadataError, Result};
use crate::store::{BookieSet, MetadataStore, Version};
use crate::tree::{Node, NodeKind, Owner, Tree, Watch};
use crate::zk::forward_metadata_store;
use crate::{ops, BookieId, BookieServiceInfo, Cookie, InstanceId, LedgerMetadata};

const NODES: TableDefinition<&str, &[u8]> = TableDefinition::new("nodes");
const SEQUENCES: TableDefinition<&str, u64> = TableDefinition::new("sequences");

/// How long `register_bookie` waits for another handle's registration to go away.
pub const REGISTRATION_WAIT_MS_DEFAULT: u64 = 20_000;

struct Ephemeral {
    session: u64,
    version: u64,
    data: Vec<u8>,
}

struct Shared {
    db: Database,
    /// Ephemeral nodes by path; also the lock that serialises every operation.
    ephemerals: Mutex<BTreeMap<String, Ephemeral>>,
    changed: Event,
    next_session: AtomicU64,
}

struct Session {
    shared: Arc<Shared>,
    id: u64,
    root: String,
    registration_wait_ms: u64,
}

/// The embedded, single-file metadata store.
pub struct EmbeddedMetadataStore {
    session: Arc<Session>,
}

fn backend(error: impl std::fmt::Display) -> MetadataError {
    MetadataError::Backend(format!("embedded store: {error}"))
}

impl EmbeddedMetadataStore {
    /// Opens (or creates) the store file `path`, with ledgers under `root` (e.g. `/ledgers`).
    pub fn open(path: &Path, root: &str) -> Result<Self> {
        check_root(root)?;
        let db = Database::create(path).map_err(|e| backend(format!("{}: {e}", path.display())))?;
        let txn = db.begin_write().map_err(backend)?;
        txn.open_table(NODES).map_err(backend)?;
        txn.open_table(SEQUENCES).map_err(backend)?;
        txn.commit().map_err(backend)?;
        let shared = Arc::new(Shared {
            db,
            ephemerals: Mutex::new(BTreeMap::new()),
            changed: Event::new(),
            next_session: AtomicU64::new(1),
        });
        Ok(Self::with_session(
            shared,
            root.to_owned(),
            REGISTRATION_WAIT_MS_DEFAULT,
        ))
    }

    fn with_session(shared: Arc<Shared>, root: String, registration_wait_ms: u64) -> Self {
        let id = shared.next_session.fetch_add(1, Ordering::Relaxed);
        Self {
            session: Arc::new(Session {
                shared,
                id,
                root,
                registration_wait_ms,
            }),
        }
    }

    /// Another handle on the same file with its own session (its own ephemeral nodes).
    pub fn new_session(&self) -> Self {
        Self::with_session(
            self.session.shared.clone(),
            self.session.root.clone(),
            self.session.registration_wait_ms,
        )
    }

    /// Another handle on the same file with its own session and ledgers under another `root`
    /// (several clusters in one file, as several roots in one ZooKeeper).
    pub fn new_session_at(&self, root: &str) -> Result<Self> {
        check_root(root)?;
        Ok(Self::with_session(
            self.session.shared.clone(),
            root.to_owned(),
            self.session.registration_wait_ms,
        ))
    }

    /// Sets how long `register_bookie` waits for another session's registration to go away.
    pub fn with_registration_wait_ms(self, registration_wait_ms: u64) -> Self {
        let session = &self.session;
        Self::with_session(
            session.shared.clone(),
            session.root.clone(),
            registration_wait_ms,
        )
    }

    /// Reads a node's raw bytes (tests compare them with the ZooKeeper fixtures).
    pub fn raw_node(&self, path: &str) -> Result<Vec<u8>> {
        let state = self.session.lock();
        Ok(self.session.read(&state, path)?.data)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let mut ephemerals = self
            .shared
            .ephemerals
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        ephemerals.retain(|_, e| e.session != self.id);
        drop(ephemerals);
        self.shared.changed.notify(usize::MAX);
    }
}

fn check_root(root: &str) -> Result<()> {
    if !root.starts_with('/') || root.len() < 2 || root.ends_with('/') || root.contains("//") {
        return Err(MetadataError::InvalidArgument(format!(
            "root {root:?} must be /name[/name...]"
        )));
    }
    Ok(())
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

fn child_prefix(path: &str) -> String {
    if path == "/" {
        "/".to_owned()
    } else {
        format!("{path}/")
    }
}

fn decode_value(path: &str, value: &[u8]) -> Result<(u64, Vec<u8>)> {
    let Some((version, data)) = value.split_first_chunk::<8>() else {
        return Err(MetadataError::corrupt(
            path,
            crate::FormatError::bad_field("node", "value shorter than its version"),
        ));
    };
    Ok((u64::from_be_bytes(*version), data.to_vec()))
}

fn encode_value(version: u64, data: &[u8]) -> Vec<u8> {
    let mut value = Vec::with_capacity(8 + data.len());
    value.extend_from_slice(&version.to_be_bytes());
    value.extend_from_slice(data);
    value
}

type Ephemerals<'a> = MutexGuard<'a, BTreeMap<String, Ephemeral>>;

impl Session {
    fn lock(&self) -> Ephemerals<'_> {
        self.shared
            .ephemerals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn read_persistent(&self, path: &str) -> Result<Option<(u64, Vec<u8>)>> {
        let txn = self.shared.db.begin_read().map_err(backend)?;
        let table = txn.open_table(NODES).map_err(backend)?;
        let value = table.get(path).map_err(backend)?;
        value.map(|v| decode_value(path, v.value())).transpose()
    }

    fn read(&self, ephemerals: &Ephemerals<'_>, path: &str) -> Result<Node> {
        if let Some(e) = ephemerals.get(path) {
            let owner = if e.session == self.id {
                Owner::ThisSession
            } else {
                Owner::OtherSession
            };
            return Ok(Node {
                data: e.data.clone(),
                version: Version(e.version as i64),
                owner,
            });
        }
        match self.read_persistent(path)? {
            Some((version, data)) => Ok(Node {
                data,
                version: Version(version as i64),
                owner: Owner::Nobody,
            }),
            None => Err(MetadataError::NotFound {
                path: path.to_owned(),
            }),
        }
    }

    fn exists(&self, ephemerals: &Ephemerals<'_>, path: &str) -> Result<bool> {
        if path == "/" {
            return Ok(true);
        }
        match self.read(ephemerals, path) {
            Ok(_) => Ok(true),
            Err(MetadataError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn list(&self, ephemerals: &Ephemerals<'_>, path: &str) -> Result<Vec<String>> {
        if !self.exists(ephemerals, path)? {
            return Err(MetadataError::NotFound {
                path: path.to_owned(),
            });
        }
        let prefix = child_prefix(path);
        let mut names = Vec::new();
        let txn = self.shared.db.begin_read().map_err(backend)?;
        let table = txn.open_table(NODES).map_err(backend)?;
        for item in table.range(prefix.as_str()..).map_err(backend)? {
            let (key, _) = item.map_err(backend)?;
            let Some(rest) = key.value().strip_prefix(prefix.as_str()) else {
                break;
            };
            if !rest.is_empty() && !rest.contains('/') {
                names.push(rest.to_owned());
            }
        }
        for key in ephemerals.range(prefix.clone()..).map(|(k, _)| k) {
            let Some(rest) = key.strip_prefix(prefix.as_str()) else {
                break;
            };
            if !rest.is_empty() && !rest.contains('/') {
                names.push(rest.to_owned());
            }
        }
        Ok(names)
    }

    fn write_persistent(&self, path: &str, value: Option<&[u8]>) -> Result<()> {
        let txn = self.shared.db.begin_write().map_err(backend)?;
        {
            let mut table = txn.open_table(NODES).map_err(backend)?;
            match value {
                Some(value) => drop(table.insert(path, value).map_err(backend)?),
                None => drop(table.remove(path).map_err(backend)?),
            }
        }
        txn.commit().map_err(backend)
    }

    fn next_sequence(&self, parent: &str) -> Result<u64> {
        let txn = self.shared.db.begin_write().map_err(backend)?;
        let sequence = {
            let mut table = txn.open_table(SEQUENCES).map_err(backend)?;
            let sequence = table
                .get(parent)
                .map_err(backend)?
                .map(|v| v.value())
                .unwrap_or(0);
            table.insert(parent, sequence + 1).map_err(backend)?;
            sequence
        };
        txn.commit().map_err(backend)?;
        Ok(sequence)
    }

    fn notify(&self) {
        self.shared.changed.notify(usize::MAX);
    }
}

fn check_version(path: &str, actual: u64, expected: Option<Version>) -> Result<()> {
    match expected {
        Some(Version(v)) if v != actual as i64 => Err(MetadataError::BadVersion {
            path: path.to_owned(),
        }),
        _ => Ok(()),
    }
}

impl Tree for Session {
    fn root(&self) -> &str {
        &self.root
    }

    fn registration_wait_ms(&self) -> u64 {
        self.registration_wait_ms
    }

    async fn get(&self, path: &str) -> Result<Node> {
        let ephemerals = self.lock();
        self.read(&ephemerals, path)
    }

    async fn create(&self, path: &str, data: &[u8], kind: NodeKind) -> Result<(String, Version)> {
        let mut ephemerals = self.lock();
        let parent_path = parent(path);
        if !self.exists(&ephemerals, parent_path)? {
            return Err(MetadataError::NotFound {
                path: parent_path.to_owned(),
            });
        }
        if ephemerals.contains_key(parent_path) {
            return Err(MetadataError::InvalidArgument(format!(
                "{parent_path} is ephemeral and cannot have children"
            )));
        }
        let created = match kind {
            NodeKind::EphemeralSequential => {
                format!("{path}{:010}", self.next_sequence(parent_path)?)
            }
            NodeKind::Persistent | NodeKind::Ephemeral => path.to_owned(),
        };
        if self.exists(&ephemerals, &created)? {
            return Err(MetadataError::Exists { path: created });
        }
        match kind {
            NodeKind::Persistent => {
                self.write_persistent(&created, Some(&encode_value(0, data)))?
            }
            NodeKind::Ephemeral | NodeKind::EphemeralSequential => {
                ephemerals.insert(
                    created.clone(),
                    Ephemeral {
                        session: self.id,
                        version: 0,
                        data: data.to_vec(),
                    },
                );
            }
        }
        drop(ephemerals);
        self.notify();
        Ok((created, Version(0)))
    }

    async fn set(&self, path: &str, data: &[u8], expected: Option<Version>) -> Result<Version> {
        let mut ephemerals = self.lock();
        let version = if let Some(e) = ephemerals.get_mut(path) {
            check_version(path, e.version, expected)?;
            e.version += 1;
            e.data = data.to_vec();
            e.version
        } else {
            let Some((version, _)) = self.read_persistent(path)? else {
                return Err(MetadataError::NotFound {
                    path: path.to_owned(),
                });
            };
            check_version(path, version, expected)?;
            self.write_persistent(path, Some(&encode_value(version + 1, data)))?;
            version + 1
        };
        drop(ephemerals);
        self.notify();
        Ok(Version(version as i64))
    }

    async fn delete(&self, path: &str, expected: Option<Version>) -> Result<()> {
        let mut ephemerals = self.lock();
        let node = self.read(&ephemerals, path)?;
        check_version(path, node.version.0 as u64, expected)?;
        if !self.list(&ephemerals, path)?.is_empty() {
            return Err(MetadataError::NotEmpty {
                path: path.to_owned(),
            });
        }
        if ephemerals.remove(path).is_none() {
            self.write_persistent(path, None)?;
        }
        drop(ephemerals);
        self.notify();
        Ok(())
    }

    async fn children(&self, path: &str) -> Result<Vec<String>> {
        let ephemerals = self.lock();
        self.list(&ephemerals, path)
    }

    async fn watch_children(&self, path: &str) -> Result<(Vec<String>, Watch)> {
        // Listen before reading, so a change between the read and the await still wakes us.
        let listener = self.shared.changed.listen();
        let ephemerals = self.lock();
        Ok((self.list(&ephemerals, path)?, Box::pin(listener)))
    }

    async fn watch_exists(&self, path: &str) -> Result<(bool, Watch)> {
        let listener = self.shared.changed.listen();
        let ephemerals = self.lock();
        Ok((self.exists(&ephemerals, path)?, Box::pin(listener)))
    }
}

forward_metadata_store!(EmbeddedMetadataStore, session);
