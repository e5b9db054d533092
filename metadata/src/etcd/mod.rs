//! [`EtcdMetadataStore`]: the metadata store on etcd (3.4 and later), in the key layout of
//! BookKeeper's etcd metadata driver (spec §5.8; keys in [`keys`]).
//!
//! Values use the same bytes as the ZooKeeper backend: ledger metadata V3, cookie text,
//! `BookieServiceInfo` protobuf, `LAYOUT` and `INSTANCEID` text, all from [`crate::format`].
//! The layout text names `EtcdLedgerManagerFactory` version 0, as the Java driver writes it.
//!
//! Versions: a [`Version`](crate::Version) is the key's etcd `mod_revision`, as in the Java driver.
//! Every write is one etcd transaction: a create compares `create_revision == 0`, a replace or a
//! delete at a version compares `version > 0` and `mod_revision == expected` (so a version never
//! matches an absent key). A new version is the transaction's header revision.
//!
//! Registration: the store's "session" is an etcd lease (TTL [`EtcdOptions::lease_ttl_s`],
//! default [`LEASE_TTL_S_DEFAULT`], BookKeeper's `zkTimeout` in seconds), granted at the first
//! registration and kept alive by a background task (`lease.rs`). Registrations are put with that
//! lease, so they vanish when the store is dropped (the lease is revoked) or when the process dies
//! (the lease expires). If the lease expires anyway (etcd unreachable longer than the TTL), the
//! keeper grants a new one and redoes this store's registrations.
//!
//! Runtime: `etcd-client` needs tokio; the store owns a current-thread tokio runtime on a thread
//! named `etcd-rt` (`runtime.rs`) and every method runs there, so the store's futures are `Send`
//! and can be awaited on any executor (glommio, `block_on`). Every unary etcd request is bounded
//! by [`EtcdOptions::request_timeout_ms`].
//!
//! Invariants: every byte written is encoded by [`crate::format`] and every byte read is decoded
//! there (bad bytes are `Corrupt { path: <key> }`); the store never holds a lock across an await
//! except the lease-grant lock, which serialises granting; background tasks hold only weak
//! references to the store's state.

pub mod keys;

mod cluster;
mod error;
mod kv;
mod lease;
mod records;
mod registration;
mod runtime;
mod store;
mod watch;

use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::Duration;

pub use keys::EtcdKeys;
pub use runtime::SHUTDOWN_WAIT_MS_MAX;

use crate::error::{MetadataError, Result};
use crate::uri::MetadataServiceUri;
use runtime::EtcdRuntime;

/// Default lease TTL: BookKeeper's etcd bookie driver uses `zkTimeout` (10 s) in seconds.
pub const LEASE_TTL_S_DEFAULT: u64 = 10;
/// Default bound on one etcd request.
pub const REQUEST_TIMEOUT_MS_DEFAULT: u64 = 10_000;
/// Default bound on connecting to an endpoint.
pub const CONNECT_TIMEOUT_MS_DEFAULT: u64 = 5_000;

/// Settings of an [`EtcdMetadataStore`].
#[derive(Clone, Debug)]
pub struct EtcdOptions {
    /// TTL of the lease registrations are bound to, in seconds (at least 1; etcd may raise it to
    /// its minimum TTL). A crashed bookie's registration vanishes at most this long after it died.
    pub lease_ttl_s: u64,
    /// How long `register_bookie` waits for another lease's registration to vanish.
    /// Default: twice the lease TTL (as the Java driver waits).
    pub registration_wait_ms: Option<u64>,
    /// Bound on each etcd request (watches are unbounded; they are awaited by the caller).
    pub request_timeout_ms: u64,
    /// Bound on connecting to an endpoint.
    pub connect_timeout_ms: u64,
}

impl Default for EtcdOptions {
    fn default() -> Self {
        Self {
            lease_ttl_s: LEASE_TTL_S_DEFAULT,
            registration_wait_ms: None,
            request_timeout_ms: REQUEST_TIMEOUT_MS_DEFAULT,
            connect_timeout_ms: CONNECT_TIMEOUT_MS_DEFAULT,
        }
    }
}

impl EtcdOptions {
    pub(crate) fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub(crate) fn lease_ttl_s_granted(&self) -> i64 {
        i64::try_from(self.lease_ttl_s.max(1)).unwrap_or(i64::MAX)
    }

    pub(crate) fn registration_wait_ms(&self) -> u64 {
        self.registration_wait_ms
            .unwrap_or_else(|| self.lease_ttl_s.max(1).saturating_mul(2_000))
    }
}

/// The etcd-backed metadata store.
pub struct EtcdMetadataStore {
    inner: Arc<Inner>,
    runtime: EtcdRuntime,
}

/// The state every call shares; lives on the runtime's tasks as `Arc`, in background tasks as `Weak`.
pub(crate) struct Inner {
    client: etcd_client::Client,
    keys: EtcdKeys,
    options: EtcdOptions,
    session: lease::Session,
    /// The next id-generation bucket (round robin from a random start).
    next_bucket: AtomicU32,
}

impl EtcdMetadataStore {
    /// Connects to the cluster named by an `etcd://host:port[;host:port]/scope` URI.
    pub async fn connect(uri: &str, options: EtcdOptions) -> Result<Self> {
        match MetadataServiceUri::parse(uri)? {
            MetadataServiceUri::Etcd { servers, scope } => {
                let endpoints: Vec<String> = servers
                    .iter()
                    .map(|(host, port)| format!("http://{host}:{port}"))
                    .collect();
                Self::connect_endpoints(&endpoints, &scope, options).await
            }
            _ => Err(MetadataError::InvalidArgument(format!(
                "{uri} is not an etcd URI (etcd://host:port/scope)"
            ))),
        }
    }

    /// Connects to `endpoints` (`http://host:port`) with keys under `scope` (e.g. `/ledgers`).
    /// Fails with `Connection` if no endpoint answers within the request timeout.
    pub async fn connect_endpoints(
        endpoints: &[String],
        scope: &str,
        options: EtcdOptions,
    ) -> Result<Self> {
        let runtime = EtcdRuntime::start()?;
        let endpoints = endpoints.to_vec();
        let keys = EtcdKeys::new(scope);
        let connect_options = etcd_client::ConnectOptions::new()
            .with_connect_timeout(Duration::from_millis(options.connect_timeout_ms))
            .with_keep_alive(Duration::from_secs(5), Duration::from_secs(5));
        let inner = runtime
            .call(async move {
                let label = endpoints.join(",");
                let client = error::bounded(
                    options.request_timeout(),
                    &label,
                    etcd_client::Client::connect(&endpoints, Some(connect_options)),
                )
                .await?;
                let inner = Arc::new(Inner {
                    client,
                    keys,
                    options,
                    session: lease::Session::default(),
                    next_bucket: AtomicU32::new(records::random_bucket()),
                });
                // The client connects lazily: one read proves an endpoint answers.
                kv::get(&inner, inner.keys.scope())
                    .await
                    .map_err(|e| match e {
                        MetadataError::Connection(reason) => {
                            MetadataError::Connection(format!("etcd at {label}: {reason}"))
                        }
                        other => other,
                    })?;
                Ok(inner)
            })
            .await?;
        Ok(Self { inner, runtime })
    }

    /// The key layout of this store's scope.
    pub fn keys(&self) -> &EtcdKeys {
        &self.inner.keys
    }

    /// The raw value of `key` (`None` if absent), read past the store: for tests and tools.
    pub async fn raw_value(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let inner = self.inner.clone();
        let key = key.to_owned();
        self.runtime
            .call(async move {
                Ok(kv::get(&inner, &key)
                    .await?
                    .map(|found| found.value().to_vec()))
            })
            .await
    }

    /// The lease this store's registrations are bound to, if it has registered.
    pub fn lease_id(&self) -> Option<i64> {
        self.inner.session.current()
    }
}

impl Drop for EtcdMetadataStore {
    fn drop(&mut self) {
        // Revoke the lease so this store's registrations vanish now, not a TTL later.
        let inner = self.inner.clone();
        self.runtime
            .shutdown_with(async move { lease::revoke(&inner).await });
    }
}
