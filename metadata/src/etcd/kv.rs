//! The etcd key-value primitives the store is built from: read, create-if-absent, replace and
//! delete at a version, and a paginated key scan. Each is one etcd request, bounded by the
//! request timeout, and reports conflicts as `Exists`, `BadVersion` or `NotFound` naming the key.
//!
//! Invariant: a versioned replace or delete compares `version > 0` as well as `mod_revision`,
//! because etcd reports `mod_revision == 0` for an absent key.

use etcd_client::{
    Compare, CompareOp, DeleteOptions, GetOptions, KeyValue, PutOptions, Txn, TxnOp, TxnOpResponse,
    TxnResponse,
};

use super::error::bounded;
use super::Inner;
use crate::error::{MetadataError, Result};
use crate::store::Version;

/// Keys fetched per page by [`keys_in`].
pub(crate) const SCAN_PAGE_KEYS: i64 = 1_000;

/// Reads `key`.
pub(crate) async fn get(inner: &Inner, key: &str) -> Result<Option<KeyValue>> {
    let mut client = inner.client.kv_client();
    let mut response = bounded(inner.options.request_timeout(), key, client.get(key, None)).await?;
    Ok(response.take_kvs().into_iter().next())
}

/// Runs a transaction about `key`.
pub(crate) async fn txn(inner: &Inner, key: &str, txn: Txn) -> Result<TxnResponse> {
    let mut client = inner.client.kv_client();
    bounded(inner.options.request_timeout(), key, client.txn(txn)).await
}

/// The revision a transaction committed at (the new `mod_revision` of what it put).
pub(crate) fn revision(key: &str, response: &TxnResponse) -> Result<Version> {
    response
        .header()
        .map(|header| Version(header.revision()))
        .ok_or_else(|| MetadataError::Backend(format!("{key}: etcd answered without a header")))
}

/// The key-values of the first get inside a transaction's answer.
pub(crate) fn first_get(response: &TxnResponse) -> Vec<KeyValue> {
    response
        .op_responses()
        .into_iter()
        .find_map(|op| match op {
            TxnOpResponse::Get(get) => Some(get.kvs().to_vec()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Creates `key` with `value` (bound to `lease` if given); `Exists` if it is there.
pub(crate) async fn create(
    inner: &Inner,
    key: &str,
    value: Vec<u8>,
    lease: Option<i64>,
) -> Result<Version> {
    let options = lease.map(|id| PutOptions::new().with_lease(id));
    let request = Txn::new()
        .when([Compare::create_revision(key, CompareOp::Equal, 0)])
        .and_then([TxnOp::put(key, value, options)]);
    let response = txn(inner, key, request).await?;
    if !response.succeeded() {
        return Err(MetadataError::Exists {
            path: key.to_owned(),
        });
    }
    revision(key, &response)
}

fn at_version(key: &str, expected: Version) -> [Compare; 2] {
    [
        Compare::version(key, CompareOp::Greater, 0),
        Compare::mod_revision(key, CompareOp::Equal, expected.0),
    ]
}

/// After a failed compare: `BadVersion` if the key exists, else `NotFound`.
fn conflict(key: &str, response: &TxnResponse) -> MetadataError {
    let path = key.to_owned();
    if first_get(response).is_empty() {
        MetadataError::NotFound { path }
    } else {
        MetadataError::BadVersion { path }
    }
}

/// Replaces `key` if its `mod_revision` is still `expected`; returns the new version.
pub(crate) async fn replace(
    inner: &Inner,
    key: &str,
    value: Vec<u8>,
    expected: Version,
) -> Result<Version> {
    let request = Txn::new()
        .when(at_version(key, expected))
        .and_then([TxnOp::put(key, value, None)])
        .or_else([TxnOp::get(key, Some(GetOptions::new().with_keys_only()))]);
    let response = txn(inner, key, request).await?;
    if !response.succeeded() {
        return Err(conflict(key, &response));
    }
    revision(key, &response)
}

/// Deletes `key`, at `expected` if given; `NotFound` if absent.
pub(crate) async fn delete(inner: &Inner, key: &str, expected: Option<Version>) -> Result<()> {
    match expected {
        None => {
            let mut client = inner.client.kv_client();
            let response = bounded(
                inner.options.request_timeout(),
                key,
                client.delete(key, None),
            )
            .await?;
            if response.deleted() == 0 {
                return Err(MetadataError::NotFound {
                    path: key.to_owned(),
                });
            }
            Ok(())
        }
        Some(expected) => {
            let request = Txn::new()
                .when(at_version(key, expected))
                .and_then([TxnOp::delete(key, None)])
                .or_else([TxnOp::get(key, Some(GetOptions::new().with_keys_only()))]);
            let response = txn(inner, key, request).await?;
            if !response.succeeded() {
                return Err(conflict(key, &response));
            }
            Ok(())
        }
    }
}

/// Deletes every key in `[begin, end)`; returns how many were deleted.
pub(crate) async fn delete_range(inner: &Inner, begin: &str, end: &str) -> Result<i64> {
    let mut client = inner.client.kv_client();
    let response = bounded(
        inner.options.request_timeout(),
        begin,
        client.delete(begin, Some(DeleteOptions::new().with_range(end))),
    )
    .await?;
    Ok(response.deleted())
}

/// Every key in `[begin, end)`, ascending, read in pages of [`SCAN_PAGE_KEYS`] at one revision.
pub(crate) async fn keys_in(inner: &Inner, begin: &str, end: &str) -> Result<Vec<String>> {
    let mut client = inner.client.kv_client();
    let mut keys = Vec::new();
    let mut from = begin.as_bytes().to_vec();
    let mut at_revision = 0;
    loop {
        let options = GetOptions::new()
            .with_range(end)
            .with_keys_only()
            .with_limit(SCAN_PAGE_KEYS)
            .with_revision(at_revision);
        let mut page = bounded(
            inner.options.request_timeout(),
            begin,
            client.get(from.clone(), Some(options)),
        )
        .await?;
        if at_revision == 0 {
            at_revision = page.header().map(|h| h.revision()).unwrap_or(0);
        }
        let more = page.more();
        let kvs = page.take_kvs();
        let Some(last) = kvs.last() else { break };
        // The next page starts right after the last key.
        from = last.key().to_vec();
        from.push(0);
        for kv in &kvs {
            match kv.key_str() {
                Ok(key) => keys.push(key.to_owned()),
                Err(_) => tracing::warn!(
                    key = %String::from_utf8_lossy(kv.key()),
                    "skipping a key that is not UTF-8"
                ),
            }
        }
        if !more {
            break;
        }
    }
    Ok(keys)
}
