//! [`MetadataStore`] for [`EtcdMetadataStore`]: each method clones its arguments, runs the
//! matching operation on the store's tokio runtime and awaits the result from any executor.

use types::LedgerId;

use super::{cluster, records, registration, watch, EtcdMetadataStore};
use crate::error::Result;
use crate::store::{BookieSet, MetadataStore, Version};
use crate::{BookieId, BookieServiceInfo, Cookie, InstanceId, LedgerMetadata};

/// Runs `$body` on the runtime with `inner` (an `Arc<Inner>`) and the listed arguments cloned.
macro_rules! on_runtime {
    ($self:ident, |$inner:ident $(, $arg:ident)*| $body:expr) => {{
        let $inner = $self.inner.clone();
        $(let $arg = $arg.clone();)*
        $self.runtime.call(async move { $body }).await
    }};
}

impl MetadataStore for EtcdMetadataStore {
    async fn init_cluster(&self) -> Result<InstanceId> {
        on_runtime!(self, |inner| cluster::init_cluster(&inner).await)
    }

    async fn format_cluster(&self) -> Result<InstanceId> {
        on_runtime!(self, |inner| cluster::format_cluster(&inner).await)
    }

    async fn instance_id(&self) -> Result<InstanceId> {
        on_runtime!(self, |inner| cluster::instance_id(&inner).await)
    }

    async fn read_cookie(&self, bookie: &BookieId) -> Result<(Cookie, Version)> {
        on_runtime!(self, |inner, bookie| records::read_cookie(&inner, &bookie)
            .await)
    }

    async fn write_cookie(
        &self,
        bookie: &BookieId,
        cookie: &Cookie,
        expected: Option<Version>,
    ) -> Result<Version> {
        on_runtime!(self, |inner, bookie, cookie| {
            records::write_cookie(&inner, &bookie, &cookie, expected).await
        })
    }

    async fn delete_cookie(&self, bookie: &BookieId, expected: Option<Version>) -> Result<()> {
        on_runtime!(self, |inner, bookie| {
            records::delete_cookie(&inner, &bookie, expected).await
        })
    }

    async fn register_bookie(
        &self,
        bookie: &BookieId,
        info: &BookieServiceInfo,
        readonly: bool,
    ) -> Result<()> {
        on_runtime!(self, |inner, bookie, info| {
            registration::register_bookie(&inner, &bookie, &info, readonly).await
        })
    }

    async fn unregister_bookie(&self, bookie: &BookieId) -> Result<()> {
        on_runtime!(self, |inner, bookie| {
            registration::unregister_bookie(&inner, &bookie).await
        })
    }

    async fn list_bookies(&self) -> Result<BookieSet> {
        on_runtime!(self, |inner| {
            Ok(registration::list_bookies_at(&inner).await?.0)
        })
    }

    async fn wait_bookies_changed(&self, known: &BookieSet) -> Result<BookieSet> {
        on_runtime!(self, |inner, known| {
            watch::wait_bookies_changed(&inner, &known).await
        })
    }

    async fn bookie_service_info(&self, bookie: &BookieId) -> Result<BookieServiceInfo> {
        on_runtime!(self, |inner, bookie| {
            registration::bookie_service_info(&inner, &bookie).await
        })
    }

    async fn create_ledger_metadata(
        &self,
        ledger: LedgerId,
        metadata: &LedgerMetadata,
    ) -> Result<Version> {
        on_runtime!(self, |inner, metadata| {
            records::create_ledger_metadata(&inner, ledger, &metadata).await
        })
    }

    async fn read_ledger_metadata(&self, ledger: LedgerId) -> Result<(LedgerMetadata, Version)> {
        on_runtime!(self, |inner| records::read_ledger_metadata(&inner, ledger)
            .await)
    }

    async fn write_ledger_metadata(
        &self,
        ledger: LedgerId,
        metadata: &LedgerMetadata,
        expected: Version,
    ) -> Result<Version> {
        on_runtime!(self, |inner, metadata| {
            records::write_ledger_metadata(&inner, ledger, &metadata, expected).await
        })
    }

    async fn delete_ledger(&self, ledger: LedgerId, expected: Option<Version>) -> Result<()> {
        on_runtime!(self, |inner| records::delete_ledger(
            &inner, ledger, expected
        )
        .await)
    }

    async fn list_ledgers(&self) -> Result<Vec<LedgerId>> {
        on_runtime!(self, |inner| records::list_ledgers(&inner).await)
    }

    async fn generate_ledger_id(&self) -> Result<LedgerId> {
        on_runtime!(self, |inner| records::generate_ledger_id(&inner).await)
    }
}
