//! The store's lease (its "session") and the task that keeps it alive.
//!
//! The lease is granted on first use ([`ensure`]); a keeper task then sends a keep-alive every
//! third of the TTL. If etcd reports the lease gone (TTL 0, or "lease not found" when the keeper
//! reconnects after an outage), the keeper grants a new lease and redoes every registration this
//! store made, like the ZooKeeper store's session thread. Connection failures are retried with a
//! pause; the keeper holds only a weak reference, so it ends when the store is dropped (and in any
//! case when the store's runtime stops).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use etcd_client::{LeaseKeepAliveStream, LeaseKeeper};

use super::error::bounded;
use super::{registration, Inner};
use crate::error::Result;
use crate::tree::Registration;
use crate::BookieId;

/// Pause before the keeper retries after a failed keep-alive or renewal.
const RETRY_PAUSE_MS: u64 = 500;
/// Shortest keep-alive interval, whatever the TTL.
const KEEP_ALIVE_INTERVAL_MS_MIN: u64 = 200;

/// The lease and the registrations to redo on a new lease.
#[derive(Default)]
pub(crate) struct Session {
    current: Mutex<Option<i64>>,
    /// Serialises granting, so concurrent first registrations share one lease.
    grant: tokio::sync::Mutex<()>,
    registrations: Mutex<BTreeMap<BookieId, Registration>>,
}

impl Session {
    /// The current lease id, if one was granted and not found expired.
    pub(crate) fn current(&self) -> Option<i64> {
        *self.current.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, lease: Option<i64>) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = lease;
    }

    /// Forgets `expired` if it is still the current lease.
    pub(crate) fn clear(&self, expired: i64) {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if *current == Some(expired) {
            *current = None;
        }
    }

    /// Records (`Some`) or forgets (`None`) a registration to redo on a new lease.
    pub(crate) fn remember(&self, bookie: &BookieId, registration: Option<Registration>) {
        let mut registrations = self.registrations.lock().unwrap_or_else(|p| p.into_inner());
        match registration {
            Some(registration) => registrations.insert(bookie.clone(), registration),
            None => registrations.remove(bookie),
        };
    }

    fn registrations(&self) -> Vec<(BookieId, Registration)> {
        self.registrations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(bookie, registration)| (bookie.clone(), registration.clone()))
            .collect()
    }
}

/// The store's lease, granted (and its keeper started) if there is none yet.
pub(crate) async fn ensure(inner: &Arc<Inner>) -> Result<i64> {
    if let Some(lease) = inner.session.current() {
        return Ok(lease);
    }
    let _granting = inner.session.grant.lock().await;
    if let Some(lease) = inner.session.current() {
        return Ok(lease);
    }
    let mut client = inner.client.lease_client();
    let ttl_s = inner.options.lease_ttl_s_granted();
    let granted = bounded(
        inner.options.request_timeout(),
        inner.keys.scope(),
        client.grant(ttl_s, None),
    )
    .await?;
    let lease = granted.id();
    inner.session.set(Some(lease));
    tracing::info!(
        lease,
        ttl_s = granted.ttl(),
        "granted the etcd lease for registrations"
    );
    tokio::spawn(keep_alive(Arc::downgrade(inner), lease));
    Ok(lease)
}

/// Revokes the current lease (its registrations vanish at once); errors are only logged.
pub(crate) async fn revoke(inner: &Inner) {
    let Some(lease) = inner.session.current() else {
        return;
    };
    let mut client = inner.client.lease_client();
    match bounded(
        inner.options.request_timeout(),
        inner.keys.scope(),
        client.revoke(lease),
    )
    .await
    {
        Ok(_) => tracing::debug!(lease, "revoked the etcd lease"),
        Err(e) => {
            tracing::warn!(lease, error = %e, "revoking the etcd lease failed; it expires after its TTL")
        }
    }
    inner.session.clear(lease);
}

enum Ended {
    /// etcd says the lease is gone.
    Expired,
    /// The stream broke (connection); reconnect and keep the same lease.
    Broken,
}

async fn keep_alive(store: Weak<Inner>, lease: i64) {
    loop {
        let Some(inner) = store.upgrade() else { return };
        if inner.session.current() != Some(lease) {
            return; // revoked or replaced
        }
        let mut client = inner.client.lease_client();
        let timeout = inner.options.request_timeout();
        let interval = Duration::from_millis(
            (inner.options.lease_ttl_s.max(1) * 1_000 / 3).max(KEEP_ALIVE_INTERVAL_MS_MIN),
        );
        drop(inner);
        let ended = match tokio::time::timeout(timeout, client.keep_alive(lease)).await {
            Ok(Ok((keeper, stream))) => run(keeper, stream, interval, timeout).await,
            Ok(Err(etcd_client::Error::LeaseKeepAliveError(_))) => Ended::Expired,
            Ok(Err(e)) => {
                tracing::warn!(lease, error = %e, "etcd lease keep-alive failed; retrying");
                Ended::Broken
            }
            Err(_) => Ended::Broken,
        };
        match ended {
            Ended::Broken => tokio::time::sleep(Duration::from_millis(RETRY_PAUSE_MS)).await,
            Ended::Expired => {
                renew(store, lease).await;
                return;
            }
        }
    }
}

async fn run(
    mut keeper: LeaseKeeper,
    mut stream: LeaseKeepAliveStream,
    interval: Duration,
    timeout: Duration,
) -> Ended {
    loop {
        tokio::time::sleep(interval).await;
        if keeper.keep_alive().await.is_err() {
            return Ended::Broken;
        }
        match tokio::time::timeout(timeout, stream.message()).await {
            Ok(Ok(Some(answer))) if answer.ttl() > 0 => {}
            Ok(Ok(Some(_))) => return Ended::Expired,
            _ => return Ended::Broken,
        }
    }
}

/// Grants a new lease after `expired` and redoes this store's registrations on it.
fn renew(store: Weak<Inner>, expired: i64) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    // Boxed with an explicit `Send` type: `ensure` spawns `keep_alive`, which calls back here.
    Box::pin(async move {
        tracing::warn!(
            lease = expired,
            "etcd lease expired; granting a new one and re-registering"
        );
        loop {
            let Some(inner) = store.upgrade() else { return };
            inner.session.clear(expired);
            match redo_registrations(&inner).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "re-registering on a new etcd lease failed; retrying")
                }
            }
            drop(inner);
            tokio::time::sleep(Duration::from_millis(RETRY_PAUSE_MS)).await;
        }
    })
}

async fn redo_registrations(inner: &Arc<Inner>) -> Result<()> {
    let lease = ensure(inner).await?;
    for (bookie, registration) in inner.session.registrations() {
        registration::register_data(
            inner,
            &bookie,
            &registration.data,
            registration.readonly,
            lease,
        )
        .await?;
        tracing::info!(%bookie, readonly = registration.readonly, "re-registered on a new etcd lease");
    }
    Ok(())
}
