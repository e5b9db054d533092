//! [`ZkMetadataStore`]: the metadata store on a real ZooKeeper ensemble, in the exact layout and
//! bytes of Apache BookKeeper 4.16 (so Java clients and bookies share the cluster with us).
//!
//! Runtime: the `zookeeper-client` crate is executor-agnostic but spawns its session task
//! through `spawns`; with its `async-global-executor` feature (enabled here) that task runs on
//! async-global-executor's thread pool, and its sockets and timers on async-io's reactor thread.
//! The futures this store returns are channel receivers that any executor can await, so a
//! glommio `LocalExecutor` (the bookie's runtime) awaits them directly, without blocking its
//! reactor; `tests/glommio_executor.rs` shows it.
//!
//! Sessions: one ZooKeeper session per store (timeout `session_timeout_ms`, BookKeeper's
//! `zkTimeout`, 10 s by default). A thread named `zk-session` watches the session state; when the
//! session expires it connects a new session and redoes this store's registrations.
//! Dropping the store closes its session, so its ephemeral registrations vanish at once.
//! Invariant: the store never holds a lock across an await.

mod session;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use types::LedgerId;
use zookeeper_client::{Acls, Client, CreateMode, Error as ZkError};

use crate::error::{MetadataError, Result};
use crate::format::layout::LONG_HIERARCHICAL_FACTORY_CLASS;
use crate::format::ledger_path::LedgerPathScheme;
use crate::store::{BookieSet, MetadataStore, Version};
use crate::tree::{Node, NodeKind, Owner, Registration, Tree, Watch};
use crate::uri::{connect_string, LedgerManagerKind, MetadataServiceUri};
use crate::{ops, BookieId, BookieServiceInfo, Cookie, InstanceId, Layout, LedgerMetadata};

/// BookKeeper's default `zkTimeout`.
pub const SESSION_TIMEOUT_MS_DEFAULT: u64 = 10_000;

/// Settings of a [`ZkMetadataStore`].
#[derive(Clone, Debug)]
pub struct ZkOptions {
    /// ZooKeeper session timeout (BookKeeper `zkTimeout`).
    pub session_timeout_ms: u64,
    /// How long `register_bookie` waits for another session's registration to expire.
    /// Default: twice the session timeout.
    pub registration_wait_ms: Option<u64>,
}

impl Default for ZkOptions {
    fn default() -> Self {
        Self {
            session_timeout_ms: SESSION_TIMEOUT_MS_DEFAULT,
            registration_wait_ms: None,
        }
    }
}

/// The ZooKeeper-backed metadata store.
pub struct ZkMetadataStore {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    connect_string: String,
    root: String,
    scheme: LedgerPathScheme,
    options: ZkOptions,
    client: Mutex<Client>,
    registrations: Mutex<BTreeMap<BookieId, Registration>>,
    /// Dropped with the store; tells the session thread to exit.
    _shutdown: futures::channel::oneshot::Sender<()>,
}

impl ZkMetadataStore {
    /// Connects to the ensemble named by a `zk://` / `zk+<manager>://` metadata service URI.
    pub async fn connect(uri: &str, options: ZkOptions) -> Result<Self> {
        match MetadataServiceUri::parse(uri)? {
            MetadataServiceUri::ZooKeeper {
                servers,
                root,
                manager,
            } => Self::connect_with(&connect_string(&servers), &root, manager, options).await,
            MetadataServiceUri::Embedded { .. } | MetadataServiceUri::Etcd { .. } => Err(
                MetadataError::InvalidArgument(format!("{uri} is not a ZooKeeper URI")),
            ),
        }
    }

    /// Connects to `connect_string` (`host:port,host:port`) with ledgers under `root`.
    pub async fn connect_servers(
        connect_string: &str,
        root: &str,
        scheme: LedgerPathScheme,
        options: ZkOptions,
    ) -> Result<Self> {
        let manager = match scheme {
            LedgerPathScheme::Hierarchical => LedgerManagerKind::Hierarchical,
            LedgerPathScheme::LongHierarchical => LedgerManagerKind::LongHierarchical,
        };
        Self::connect_with(connect_string, root, manager, options).await
    }

    async fn connect_with(
        connect_string: &str,
        root: &str,
        manager: LedgerManagerKind,
        options: ZkOptions,
    ) -> Result<Self> {
        let client = session::connect(connect_string, options.session_timeout_ms).await?;
        let scheme = match manager {
            LedgerManagerKind::Hierarchical => LedgerPathScheme::Hierarchical,
            LedgerManagerKind::LongHierarchical => LedgerPathScheme::LongHierarchical,
            // `zk+null`: the cluster's LAYOUT decides; a cluster not yet initialised gets the default.
            LedgerManagerKind::FromLayout => {
                let path = format!("{root}/LAYOUT");
                match client.get_data(&path).await {
                    Ok((data, _)) => {
                        let layout =
                            Layout::decode(&data).map_err(|e| MetadataError::corrupt(&path, e))?;
                        if layout.manager_factory_class == LONG_HIERARCHICAL_FACTORY_CLASS {
                            LedgerPathScheme::LongHierarchical
                        } else {
                            LedgerPathScheme::Hierarchical
                        }
                    }
                    Err(ZkError::NoNode) => LedgerPathScheme::Hierarchical,
                    Err(e) => return Err(zk_error(&path, e)),
                }
            }
        };
        let state_watcher = client.state_watcher();
        let (shutdown, shutdown_signal) = futures::channel::oneshot::channel();
        let inner = Arc::new(Inner {
            connect_string: connect_string.to_owned(),
            root: root.to_owned(),
            scheme,
            options,
            client: Mutex::new(client),
            registrations: Mutex::new(BTreeMap::new()),
            _shutdown: shutdown,
        });
        session::spawn_monitor(Arc::downgrade(&inner), state_watcher, shutdown_signal)?;
        Ok(Self { inner })
    }

    /// The current ZooKeeper session id (changes after an expiry).
    pub fn session_id(&self) -> i64 {
        self.inner.client().session_id().0
    }

    /// The underlying client, for tests that must reach past the store (e.g. read raw znodes).
    pub fn client(&self) -> Client {
        self.inner.client()
    }
}

impl Inner {
    fn client(&self) -> Client {
        // A poisoned lock only means another thread panicked while swapping clients; the client
        // inside is still a valid (maybe expired) client.
        self.client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn replace_client(&self, client: Client) {
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = client;
    }

    fn registrations(&self) -> Vec<(BookieId, Registration)> {
        self.registrations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(b, r)| (b.clone(), r.clone()))
            .collect()
    }
}

fn zk_error(path: &str, error: ZkError) -> MetadataError {
    let path = path.to_owned();
    match error {
        ZkError::NoNode => MetadataError::NotFound { path },
        ZkError::NodeExists => MetadataError::Exists { path },
        ZkError::BadVersion => MetadataError::BadVersion { path },
        ZkError::NotEmpty => MetadataError::NotEmpty { path },
        ZkError::SessionExpired => MetadataError::SessionExpired,
        ZkError::ConnectionLoss | ZkError::Timeout | ZkError::NoHosts | ZkError::ClientClosed => {
            MetadataError::Connection(format!("{path}: {error}"))
        }
        other => MetadataError::Backend(format!("{path}: {other}")),
    }
}

fn version(stat_version: i32) -> Version {
    Version(i64::from(stat_version))
}

fn zk_version(version: Option<Version>) -> Result<Option<i32>> {
    version
        .map(|v| {
            i32::try_from(v.0).map_err(|_| {
                MetadataError::InvalidArgument(format!("version {} is not a znode version", v.0))
            })
        })
        .transpose()
}

impl Tree for Inner {
    fn root(&self) -> &str {
        &self.root
    }

    fn ledger_scheme(&self) -> LedgerPathScheme {
        self.scheme
    }

    fn registration_wait_ms(&self) -> u64 {
        self.options
            .registration_wait_ms
            .unwrap_or(2 * self.options.session_timeout_ms)
    }

    async fn get(&self, path: &str) -> Result<Node> {
        let client = self.client();
        let (data, stat) = client.get_data(path).await.map_err(|e| zk_error(path, e))?;
        let owner = match stat.ephemeral_owner {
            0 => Owner::Nobody,
            owner if owner == client.session_id().0 => Owner::ThisSession,
            _ => Owner::OtherSession,
        };
        Ok(Node {
            data,
            version: version(stat.version),
            owner,
        })
    }

    async fn create(&self, path: &str, data: &[u8], kind: NodeKind) -> Result<(String, Version)> {
        let mode = match kind {
            NodeKind::Persistent => CreateMode::Persistent,
            NodeKind::Ephemeral => CreateMode::Ephemeral,
            NodeKind::EphemeralSequential => CreateMode::EphemeralSequential,
        };
        let client = self.client();
        let (stat, sequence) = client
            .create(path, data, &mode.with_acls(Acls::anyone_all()))
            .await
            .map_err(|e| zk_error(path, e))?;
        let created = match kind {
            NodeKind::EphemeralSequential => format!("{path}{sequence}"),
            _ => path.to_owned(),
        };
        Ok((created, version(stat.version)))
    }

    async fn set(&self, path: &str, data: &[u8], expected: Option<Version>) -> Result<Version> {
        let expected = zk_version(expected)?;
        let stat = self
            .client()
            .set_data(path, data, expected)
            .await
            .map_err(|e| zk_error(path, e))?;
        Ok(version(stat.version))
    }

    async fn delete(&self, path: &str, expected: Option<Version>) -> Result<()> {
        let expected = zk_version(expected)?;
        self.client()
            .delete(path, expected)
            .await
            .map_err(|e| zk_error(path, e))
    }

    async fn children(&self, path: &str) -> Result<Vec<String>> {
        self.client()
            .list_children(path)
            .await
            .map_err(|e| zk_error(path, e))
    }

    async fn watch_children(&self, path: &str) -> Result<(Vec<String>, Watch)> {
        let (children, watcher) = self
            .client()
            .list_and_watch_children(path)
            .await
            .map_err(|e| zk_error(path, e))?;
        Ok((
            children,
            Box::pin(async move {
                watcher.changed().await;
            }),
        ))
    }

    async fn watch_exists(&self, path: &str) -> Result<(bool, Watch)> {
        let (stat, watcher) = self
            .client()
            .check_and_watch_stat(path)
            .await
            .map_err(|e| zk_error(path, e))?;
        Ok((
            stat.is_some(),
            Box::pin(async move {
                watcher.changed().await;
            }),
        ))
    }

    fn remember_registration(&self, bookie: &BookieId, registration: Option<Registration>) {
        let mut registrations = self.registrations.lock().unwrap_or_else(|p| p.into_inner());
        match registration {
            Some(registration) => registrations.insert(bookie.clone(), registration),
            None => registrations.remove(bookie),
        };
    }
}

macro_rules! forward_metadata_store {
    ($store:ty, $tree:ident) => {
        impl MetadataStore for $store {
            async fn init_cluster(&self) -> Result<InstanceId> {
                ops::init_cluster(&*self.$tree).await
            }
            async fn format_cluster(&self) -> Result<InstanceId> {
                ops::format_cluster(&*self.$tree).await
            }
            async fn instance_id(&self) -> Result<InstanceId> {
                ops::instance_id(&*self.$tree).await
            }
            async fn read_cookie(&self, bookie: &BookieId) -> Result<(Cookie, Version)> {
                ops::read_cookie(&*self.$tree, bookie).await
            }
            async fn write_cookie(
                &self,
                bookie: &BookieId,
                cookie: &Cookie,
                expected: Option<Version>,
            ) -> Result<Version> {
                ops::write_cookie(&*self.$tree, bookie, cookie, expected).await
            }
            async fn delete_cookie(
                &self,
                bookie: &BookieId,
                expected: Option<Version>,
            ) -> Result<()> {
                ops::delete_cookie(&*self.$tree, bookie, expected).await
            }
            async fn register_bookie(
                &self,
                bookie: &BookieId,
                info: &BookieServiceInfo,
                readonly: bool,
            ) -> Result<()> {
                ops::register_bookie(&*self.$tree, bookie, info, readonly).await
            }
            async fn unregister_bookie(&self, bookie: &BookieId) -> Result<()> {
                ops::unregister_bookie(&*self.$tree, bookie).await
            }
            async fn list_bookies(&self) -> Result<BookieSet> {
                ops::list_bookies(&*self.$tree).await
            }
            async fn wait_bookies_changed(&self, known: &BookieSet) -> Result<BookieSet> {
                ops::wait_bookies_changed(&*self.$tree, known).await
            }
            async fn bookie_service_info(&self, bookie: &BookieId) -> Result<BookieServiceInfo> {
                ops::bookie_service_info(&*self.$tree, bookie).await
            }
            async fn create_ledger_metadata(
                &self,
                ledger: LedgerId,
                metadata: &LedgerMetadata,
            ) -> Result<Version> {
                ops::create_ledger_metadata(&*self.$tree, ledger, metadata).await
            }
            async fn read_ledger_metadata(
                &self,
                ledger: LedgerId,
            ) -> Result<(LedgerMetadata, Version)> {
                ops::read_ledger_metadata(&*self.$tree, ledger).await
            }
            async fn write_ledger_metadata(
                &self,
                ledger: LedgerId,
                metadata: &LedgerMetadata,
                expected: Version,
            ) -> Result<Version> {
                ops::write_ledger_metadata(&*self.$tree, ledger, metadata, expected).await
            }
            async fn delete_ledger(
                &self,
                ledger: LedgerId,
                expected: Option<Version>,
            ) -> Result<()> {
                ops::delete_ledger(&*self.$tree, ledger, expected).await
            }
            async fn list_ledgers(&self) -> Result<Vec<LedgerId>> {
                ops::list_ledgers(&*self.$tree).await
            }
            async fn generate_ledger_id(&self) -> Result<LedgerId> {
                ops::generate_ledger_id(&*self.$tree).await
            }
        }
    };
}
pub(crate) use forward_metadata_store;

forward_metadata_store!(ZkMetadataStore, inner);
