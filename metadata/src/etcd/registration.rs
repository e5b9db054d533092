//! Bookie registration on etcd: lease-bound keys under `<scope>/bookies/{writable,readonly}/`.
//!
//! [`register_data`] creates the key with this store's lease in one transaction
//! (`create_revision == 0`). If the key holds this lease already, it is replaced (compare
//! `lease == ours`). If it holds another lease (usually this bookie before a crash, whose lease
//! has not expired yet), it watches the key from the revision it read and waits for its deletion,
//! at most the registration wait, then fails with `Timeout`; it never deletes another lease's key.
//! Removing the other mode's registration, and unregistering, compare `lease == ours` too.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use etcd_client::{
    Compare, CompareOp, EventType, GetOptions, PutOptions, Txn, TxnOp, WatchOptions,
};

use super::error::etcd_error;
use super::{kv, lease, Inner};
use crate::error::{MetadataError, Result};
use crate::store::BookieSet;
use crate::tree::Registration;
use crate::{BookieId, BookieServiceInfo};

pub(crate) async fn register_bookie(
    inner: &Arc<Inner>,
    bookie: &BookieId,
    info: &BookieServiceInfo,
    readonly: bool,
) -> Result<()> {
    let data = info.encode();
    let lease = lease::ensure(inner).await?;
    match register_data(inner, bookie, &data, readonly, lease).await {
        // The lease was revoked or expired before the keeper noticed: once more on a new one.
        Err(MetadataError::SessionExpired) => {
            inner.session.clear(lease);
            let lease = lease::ensure(inner).await?;
            register_data(inner, bookie, &data, readonly, lease).await?;
        }
        other => other?,
    }
    inner
        .session
        .remember(bookie, Some(Registration { data, readonly }));
    Ok(())
}

/// Puts the registration with `lease`, waiting (bounded) for another lease's key to vanish,
/// then removes this lease's registration in the other mode.
pub(crate) async fn register_data(
    inner: &Inner,
    bookie: &BookieId,
    data: &[u8],
    readonly: bool,
    lease: i64,
) -> Result<()> {
    let key = inner.keys.registration(bookie.as_str(), readonly);
    let wait_ms = inner.options.registration_wait_ms();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(wait_ms);
    let put = || {
        TxnOp::put(
            key.as_str(),
            data.to_vec(),
            Some(PutOptions::new().with_lease(lease)),
        )
    };
    loop {
        let request = Txn::new()
            .when([Compare::create_revision(key.as_str(), CompareOp::Equal, 0)])
            .and_then([put()])
            .or_else([TxnOp::get(
                key.as_str(),
                Some(GetOptions::new().with_keys_only()),
            )]);
        let response = kv::txn(inner, &key, request).await?;
        if response.succeeded() {
            break;
        }
        let Some(present) = kv::first_get(&response).into_iter().next() else {
            continue; // deleted between the compare and the get: try again
        };
        if present.lease() == lease {
            // Our own registration: replace the published info.
            let request = Txn::new()
                .when([Compare::lease(key.as_str(), CompareOp::Equal, lease)])
                .and_then([put()]);
            if kv::txn(inner, &key, request).await?.succeeded() {
                break;
            }
            continue;
        }
        let read_at = kv::revision(&key, &response)?.0;
        tracing::info!(%key, other_lease = present.lease(), lease,
            "registration of another lease present; waiting for it to expire");
        match tokio::time::timeout_at(deadline, deleted_after(inner, &key, read_at)).await {
            Ok(result) => result?,
            Err(_) => {
                return Err(MetadataError::Timeout {
                    what: format!("{key} of another lease to expire"),
                    waited_ms: wait_ms,
                })
            }
        }
    }
    delete_if_ours(
        inner,
        &inner.keys.registration(bookie.as_str(), !readonly),
        lease,
    )
    .await
}

/// Waits until `key` is deleted after `revision` (or the watch is cancelled, so the caller rereads).
async fn deleted_after(inner: &Inner, key: &str, revision: i64) -> Result<()> {
    let mut client = inner.client.watch_client();
    let options = WatchOptions::new().with_start_revision(revision + 1);
    let mut stream = client
        .watch(key, Some(options))
        .await
        .map_err(|e| etcd_error(key, e))?;
    while let Some(answer) = stream.message().await.map_err(|e| etcd_error(key, e))? {
        if answer.canceled()
            || answer
                .events()
                .iter()
                .any(|event| event.event_type() == EventType::Delete)
        {
            return Ok(());
        }
    }
    Ok(())
}

async fn delete_if_ours(inner: &Inner, key: &str, lease: i64) -> Result<()> {
    let request = Txn::new()
        .when([Compare::lease(key, CompareOp::Equal, lease)])
        .and_then([TxnOp::delete(key, None)]);
    kv::txn(inner, key, request).await.map(drop)
}

pub(crate) async fn unregister_bookie(inner: &Inner, bookie: &BookieId) -> Result<()> {
    inner.session.remember(bookie, None);
    let Some(lease) = inner.session.current() else {
        return Ok(()); // never registered: nothing of ours to remove
    };
    for readonly in [false, true] {
        delete_if_ours(
            inner,
            &inner.keys.registration(bookie.as_str(), readonly),
            lease,
        )
        .await?;
    }
    Ok(())
}

/// Splits registration keys into the writable and read-only sets; bad names are skipped.
pub(crate) fn bookie_set<'a>(inner: &Inner, keys: impl Iterator<Item = &'a str>) -> BookieSet {
    let writable_prefix = inner.keys.registration_prefix(false);
    let readonly_prefix = inner.keys.registration_prefix(true);
    let mut set = BookieSet::default();
    for key in keys {
        let (name, target): (&str, &mut BTreeSet<BookieId>) =
            if let Some(name) = key.strip_prefix(&writable_prefix) {
                (name, &mut set.writable)
            } else if let Some(name) = key.strip_prefix(&readonly_prefix) {
                (name, &mut set.readonly)
            } else {
                continue; // the `bookies/writable` and `bookies/readonly` markers
            };
        match BookieId::parse(name) {
            Ok(id) => {
                target.insert(id);
            }
            Err(e) => {
                tracing::warn!(%key, error = %e, "skipping a registration whose name is not a bookie id")
            }
        }
    }
    set
}

/// The registered bookies and the revision they were read at.
pub(crate) async fn list_bookies_at(inner: &Inner) -> Result<(BookieSet, i64)> {
    let (begin, end) = inner.keys.bookies_range();
    let mut client = inner.client.kv_client();
    let options = GetOptions::new().with_range(end).with_keys_only();
    let response = super::error::bounded(
        inner.options.request_timeout(),
        &begin,
        client.get(begin.as_str(), Some(options)),
    )
    .await?;
    let revision = response.header().map(|h| h.revision()).unwrap_or(0);
    let keys: Vec<&str> = response
        .kvs()
        .iter()
        .filter_map(|kv| kv.key_str().ok())
        .collect();
    Ok((bookie_set(inner, keys.into_iter()), revision))
}

pub(crate) async fn bookie_service_info(
    inner: &Inner,
    bookie: &BookieId,
) -> Result<BookieServiceInfo> {
    let writable = inner.keys.registration(bookie.as_str(), false);
    let (key, found) = match kv::get(inner, &writable).await? {
        Some(found) => (writable, found),
        None => {
            let readonly = inner.keys.registration(bookie.as_str(), true);
            match kv::get(inner, &readonly).await? {
                Some(found) => (readonly, found),
                None => return Err(MetadataError::NotFound { path: readonly }),
            }
        }
    };
    BookieServiceInfo::decode(found.value()).map_err(|e| MetadataError::corrupt(&key, e))
}
