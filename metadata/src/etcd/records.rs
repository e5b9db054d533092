//! Cookies, ledger metadata and ledger id generation on etcd.
//!
//! Ledger ids come from 128 buckets, as in the Java driver's `Etcd64bitIdGenerator`: a
//! transaction puts an empty value to `<scope>/buckets/<b>` and reads it back in the same
//! transaction; the key's etcd `version` `v` (1 on the first put, +1 on every put) gives
//! `id = (b << 56) | v`. Ids are unique across the cluster but not increasing: each store walks
//! the buckets round robin from a random start.

use std::sync::atomic::Ordering;

use etcd_client::{Txn, TxnOp};
use types::LedgerId;

use super::keys::{compose_ledger_id, KeyError, BUCKETS, ID_IN_BUCKET_MAX};
use super::{kv, Inner};
use crate::error::{MetadataError, Result};
use crate::ops::checked_encode;
use crate::store::Version;
use crate::{BookieId, Cookie, LedgerMetadata};

fn not_found(key: &str) -> MetadataError {
    MetadataError::NotFound {
        path: key.to_owned(),
    }
}

pub(crate) async fn read_cookie(inner: &Inner, bookie: &BookieId) -> Result<(Cookie, Version)> {
    let key = inner.keys.cookie(bookie.as_str());
    let found = kv::get(inner, &key).await?.ok_or_else(|| not_found(&key))?;
    let cookie = Cookie::decode(found.value()).map_err(|e| MetadataError::corrupt(&key, e))?;
    Ok((cookie, Version(found.mod_revision())))
}

pub(crate) async fn write_cookie(
    inner: &Inner,
    bookie: &BookieId,
    cookie: &Cookie,
    expected: Option<Version>,
) -> Result<Version> {
    let key = inner.keys.cookie(bookie.as_str());
    match expected {
        None => kv::create(inner, &key, cookie.encode(), None).await,
        Some(expected) => kv::replace(inner, &key, cookie.encode(), expected).await,
    }
}

pub(crate) async fn delete_cookie(
    inner: &Inner,
    bookie: &BookieId,
    expected: Option<Version>,
) -> Result<()> {
    kv::delete(inner, &inner.keys.cookie(bookie.as_str()), expected).await
}

fn ledger_key(inner: &Inner, ledger: LedgerId) -> Result<String> {
    inner
        .keys
        .ledger(ledger)
        .map_err(|e| MetadataError::InvalidArgument(format!("ledger id {ledger}: {e}")))
}

pub(crate) async fn create_ledger_metadata(
    inner: &Inner,
    ledger: LedgerId,
    metadata: &LedgerMetadata,
) -> Result<Version> {
    let data = checked_encode(ledger, metadata)?;
    kv::create(inner, &ledger_key(inner, ledger)?, data, None).await
}

pub(crate) async fn read_ledger_metadata(
    inner: &Inner,
    ledger: LedgerId,
) -> Result<(LedgerMetadata, Version)> {
    let key = ledger_key(inner, ledger)?;
    let found = kv::get(inner, &key).await?.ok_or_else(|| not_found(&key))?;
    let metadata =
        LedgerMetadata::decode(found.value()).map_err(|e| MetadataError::corrupt(&key, e))?;
    Ok((metadata, Version(found.mod_revision())))
}

pub(crate) async fn write_ledger_metadata(
    inner: &Inner,
    ledger: LedgerId,
    metadata: &LedgerMetadata,
    expected: Version,
) -> Result<Version> {
    let data = checked_encode(ledger, metadata)?;
    kv::replace(inner, &ledger_key(inner, ledger)?, data, expected).await
}

pub(crate) async fn delete_ledger(
    inner: &Inner,
    ledger: LedgerId,
    expected: Option<Version>,
) -> Result<()> {
    kv::delete(inner, &ledger_key(inner, ledger)?, expected).await
}

pub(crate) async fn list_ledgers(inner: &Inner) -> Result<Vec<LedgerId>> {
    let (begin, end) = inner.keys.ledgers_range();
    let mut ids: Vec<LedgerId> = kv::keys_in(inner, &begin, &end)
        .await?
        .iter()
        .filter_map(|key| match super::keys::parse_ledger_key(key) {
            Ok(id) => Some(id),
            Err(e) => {
                tracing::warn!(%key, error = %e, "skipping a key that is not a ledger");
                None
            }
        })
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// A random start bucket, so stores started together spread over the buckets.
pub(crate) fn random_bucket() -> u32 {
    (uuid::Uuid::new_v4().as_u128() % u128::from(BUCKETS)) as u32
}

pub(crate) async fn generate_ledger_id(inner: &Inner) -> Result<LedgerId> {
    // A full bucket (2^56 ids) sends us to the next one; after a full round every bucket is full.
    for _ in 0..BUCKETS {
        let bucket = inner.next_bucket.fetch_add(1, Ordering::Relaxed) % BUCKETS;
        let key = inner.keys.bucket(bucket);
        let request = Txn::new().and_then([
            TxnOp::put(key.as_str(), Vec::new(), None),
            TxnOp::get(key.as_str(), None),
        ]);
        let response = kv::txn(inner, &key, request).await?;
        let version = kv::first_get(&response)
            .first()
            .map(|found| found.version())
            .ok_or_else(|| {
                MetadataError::Backend(format!("{key}: the bucket vanished inside its own put"))
            })?;
        if version > ID_IN_BUCKET_MAX {
            tracing::warn!(%key, "id-generation bucket is full; trying the next one");
            continue;
        }
        return compose_ledger_id(bucket, version).map_err(|e: KeyError| {
            MetadataError::corrupt(
                &key,
                crate::FormatError::bad_field("version", e.to_string()),
            )
        });
    }
    Err(MetadataError::Unsupported(format!(
        "every id-generation bucket under {} is full",
        inner.keys.scope()
    )))
}
