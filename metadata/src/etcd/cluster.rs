//! Cluster identity on etcd: `init_cluster` (one transaction, only if the scope key is absent),
//! `format_cluster` (delete the scope, then init) and the instance id.

use etcd_client::{Compare, CompareOp, Txn, TxnOp};

use super::keys::{ETCD_FACTORY_CLASS, ETCD_FACTORY_VERSION};
use super::{kv, Inner};
use crate::error::{MetadataError, Result};
use crate::{InstanceId, Layout};

/// The `LAYOUT` value the Java etcd driver writes.
pub(crate) fn etcd_layout() -> Layout {
    Layout {
        manager_factory_class: ETCD_FACTORY_CLASS.into(),
        manager_version: ETCD_FACTORY_VERSION,
    }
}

pub(crate) async fn init_cluster(inner: &Inner) -> Result<InstanceId> {
    let keys = &inner.keys;
    let instance_id = InstanceId::random();
    let mut puts = vec![
        TxnOp::put(keys.scope(), Vec::new(), None),
        TxnOp::put(keys.layout(), etcd_layout().encode(), None),
        TxnOp::put(keys.instance_id(), instance_id.encode(), None),
    ];
    puts.extend(
        keys.marker_keys()
            .into_iter()
            .map(|key| TxnOp::put(key, Vec::new(), None)),
    );
    let request = Txn::new()
        .when([Compare::create_revision(keys.scope(), CompareOp::Equal, 0)])
        .and_then(puts);
    let response = kv::txn(inner, keys.scope(), request).await?;
    if !response.succeeded() {
        return Err(MetadataError::Exists {
            path: keys.scope().to_owned(),
        });
    }
    Ok(instance_id)
}

pub(crate) async fn format_cluster(inner: &Inner) -> Result<InstanceId> {
    let keys = &inner.keys;
    let (begin, end) = keys.scope_range();
    let deleted = kv::delete_range(inner, &begin, &end).await?;
    match kv::delete(inner, keys.scope(), None).await {
        Ok(()) | Err(MetadataError::NotFound { .. }) => {}
        Err(e) => return Err(e),
    }
    tracing::info!(scope = keys.scope(), deleted, "formatted the etcd scope");
    init_cluster(inner).await
}

pub(crate) async fn instance_id(inner: &Inner) -> Result<InstanceId> {
    let key = inner.keys.instance_id();
    let found = kv::get(inner, &key)
        .await?
        .ok_or_else(|| MetadataError::NotFound { path: key.clone() })?;
    InstanceId::decode(found.value()).map_err(|e| MetadataError::corrupt(&key, e))
}
