//! [`AnyMetadataStore`]: the backend chosen at run time from `metadataServiceUri`, so a bookie's
//! configuration picks ZooKeeper (`zk+hierarchical://...`), the embedded file (`embedded:///...`)
//! or, when built with the `etcd` feature, etcd (`etcd://host:port/scope`).
//!
//! The [`MetadataStore`] trait is not object-safe (its methods return `impl Future`), so this
//! enum stands in for `dyn MetadataStore`: each method forwards to the chosen backend.

use types::LedgerId;

use crate::error::Result;
use crate::store::{BookieSet, MetadataStore, Version};
use crate::uri::MetadataServiceUri;
use crate::{
    BookieId, BookieServiceInfo, Cookie, EmbeddedMetadataStore, InstanceId, LedgerMetadata,
    ZkMetadataStore, ZkOptions,
};

/// Ledgers root of an embedded store opened from an `embedded:///file` URI.
pub const EMBEDDED_ROOT: &str = "/ledgers";

/// A metadata store of any backend.
pub enum AnyMetadataStore {
    /// ZooKeeper.
    ZooKeeper(ZkMetadataStore),
    /// The embedded redb file.
    Embedded(EmbeddedMetadataStore),
    /// etcd.
    #[cfg(feature = "etcd")]
    Etcd(crate::EtcdMetadataStore),
}

impl AnyMetadataStore {
    /// Connects to (or opens) the store a metadata service URI names. `options` apply to
    /// ZooKeeper only; etcd (feature `etcd`) uses `EtcdOptions::default()` (see
    /// `connect_with_etcd_options`).
    pub async fn connect(uri: &str, options: ZkOptions) -> Result<Self> {
        match MetadataServiceUri::parse(uri)? {
            MetadataServiceUri::ZooKeeper { .. } => Ok(Self::ZooKeeper(
                ZkMetadataStore::connect(uri, options).await?,
            )),
            MetadataServiceUri::Embedded { path } => Ok(Self::Embedded(
                EmbeddedMetadataStore::open(&path, EMBEDDED_ROOT)?,
            )),
            MetadataServiceUri::Etcd { .. } => Self::connect_etcd(uri).await,
        }
    }

    #[cfg(feature = "etcd")]
    async fn connect_etcd(uri: &str) -> Result<Self> {
        Self::connect_with_etcd_options(uri, crate::etcd::EtcdOptions::default()).await
    }

    #[cfg(not(feature = "etcd"))]
    async fn connect_etcd(uri: &str) -> Result<Self> {
        Err(crate::MetadataError::Unsupported(format!(
            "{uri}: {}",
            crate::uri::ETCD_NOT_BUILT
        )))
    }

    /// Connects to the etcd cluster an `etcd://` URI names, with these lease and timeout settings.
    #[cfg(feature = "etcd")]
    pub async fn connect_with_etcd_options(
        uri: &str,
        options: crate::etcd::EtcdOptions,
    ) -> Result<Self> {
        Ok(Self::Etcd(
            crate::EtcdMetadataStore::connect(uri, options).await?,
        ))
    }
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyMetadataStore::ZooKeeper($store) => $call.await,
            AnyMetadataStore::Embedded($store) => $call.await,
            #[cfg(feature = "etcd")]
            AnyMetadataStore::Etcd($store) => $call.await,
        }
    };
}

impl MetadataStore for AnyMetadataStore {
    async fn init_cluster(&self) -> Result<InstanceId> {
        dispatch!(self, s => s.init_cluster())
    }
    async fn format_cluster(&self) -> Result<InstanceId> {
        dispatch!(self, s => s.format_cluster())
    }
    async fn instance_id(&self) -> Result<InstanceId> {
        dispatch!(self, s => s.instance_id())
    }
    async fn read_cookie(&self, bookie: &BookieId) -> Result<(Cookie, Version)> {
        dispatch!(self, s => s.read_cookie(bookie))
    }
    async fn write_cookie(
        &self,
        bookie: &BookieId,
        cookie: &Cookie,
        expected: Option<Version>,
    ) -> Result<Version> {
        dispatch!(self, s => s.write_cookie(bookie, cookie, expected))
    }
    async fn delete_cookie(&self, bookie: &BookieId, expected: Option<Version>) -> Result<()> {
        dispatch!(self, s => s.delete_cookie(bookie, expected))
    }
    async fn register_bookie(
        &self,
        bookie: &BookieId,
        info: &BookieServiceInfo,
        readonly: bool,
    ) -> Result<()> {
        dispatch!(self, s => s.register_bookie(bookie, info, readonly))
    }
    async fn unregister_bookie(&self, bookie: &BookieId) -> Result<()> {
        dispatch!(self, s => s.unregister_bookie(bookie))
    }
    async fn list_bookies(&self) -> Result<BookieSet> {
        dispatch!(self, s => s.list_bookies())
    }
    async fn wait_bookies_changed(&self, known: &BookieSet) -> Result<BookieSet> {
        dispatch!(self, s => s.wait_bookies_changed(known))
    }
    async fn bookie_service_info(&self, bookie: &BookieId) -> Result<BookieServiceInfo> {
        dispatch!(self, s => s.bookie_service_info(bookie))
    }
    async fn create_ledger_metadata(
        &self,
        ledger: LedgerId,
        metadata: &LedgerMetadata,
    ) -> Result<Version> {
        dispatch!(self, s => s.create_ledger_metadata(ledger, metadata))
    }
    async fn read_ledger_metadata(&self, ledger: LedgerId) -> Result<(LedgerMetadata, Version)> {
        dispatch!(self, s => s.read_ledger_metadata(ledger))
    }
    async fn write_ledger_metadata(
        &self,
        ledger: LedgerId,
        metadata: &LedgerMetadata,
        expected: Version,
    ) -> Result<Version> {
        dispatch!(self, s => s.write_ledger_metadata(ledger, metadata, expected))
    }
    async fn delete_ledger(&self, ledger: LedgerId, expected: Option<Version>) -> Result<()> {
        dispatch!(self, s => s.delete_ledger(ledger, expected))
    }
    async fn list_ledgers(&self) -> Result<Vec<LedgerId>> {
        dispatch!(self, s => s.list_ledgers())
    }
    async fn generate_ledger_id(&self) -> Result<LedgerId> {
        dispatch!(self, s => s.generate_ledger_id())
    }
}
