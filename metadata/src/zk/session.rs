//! The ZooKeeper session of a [`super::ZkMetadataStore`]: connecting, and the `zk-session`
//! thread that replaces an expired session and redoes the store's registrations.
//!
//! The thread holds only a weak reference to the store, so dropping the store drops the last
//! client (closing the session) and the shutdown sender (ending the thread).

use std::sync::Weak;
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::{select, Either};
use zookeeper_client::{Client, SessionState, StateWatcher};

use super::{zk_error, Inner};
use crate::error::{MetadataError, Result};
use crate::ops;

/// Pause between reconnection attempts after an expiry.
const RECONNECT_PAUSE_MS: u64 = 500;

pub(super) async fn connect(connect_string: &str, session_timeout_ms: u64) -> Result<Client> {
    let timeout = Duration::from_millis(session_timeout_ms);
    Client::connector()
        .with_session_timeout(timeout)
        .with_connection_timeout(timeout)
        .connect(connect_string)
        .await
        .map_err(|e| match zk_error(connect_string, e) {
            MetadataError::Backend(reason) => MetadataError::Connection(reason),
            other => other,
        })
}

pub(super) fn spawn_monitor(
    inner: Weak<Inner>,
    state_watcher: StateWatcher,
    shutdown: oneshot::Receiver<()>,
) -> Result<()> {
    std::thread::Builder::new()
        .name("zk-session".into())
        .spawn(move || futures::executor::block_on(monitor(inner, state_watcher, shutdown)))
        .map(drop)
        .map_err(|e| MetadataError::Backend(format!("cannot start the zk-session thread: {e}")))
}

async fn monitor(
    inner: Weak<Inner>,
    mut state_watcher: StateWatcher,
    mut shutdown: oneshot::Receiver<()>,
) {
    loop {
        let state = match select(Box::pin(state_watcher.changed()), &mut shutdown).await {
            Either::Left((state, _)) => state,
            Either::Right(_) => return,
        };
        tracing::debug!(%state, "zookeeper session state");
        match state {
            SessionState::Expired => {}
            SessionState::Closed | SessionState::AuthFailed => return,
            _ => continue,
        }
        tracing::warn!("zookeeper session expired; starting a new session");
        loop {
            let Some(store) = inner.upgrade() else { return };
            match renew(&store).await {
                Ok(watcher) => {
                    state_watcher = watcher;
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "renewing the zookeeper session failed; retrying")
                }
            }
            drop(store);
            let pause = async_io::Timer::after(Duration::from_millis(RECONNECT_PAUSE_MS));
            if let Either::Right(_) = select(pause, &mut shutdown).await {
                return;
            }
        }
    }
}

/// Connects a new session, installs it and re-registers; returns the new session's watcher.
async fn renew(store: &Inner) -> Result<StateWatcher> {
    let client = connect(&store.connect_string, store.options.session_timeout_ms).await?;
    let watcher = client.state_watcher();
    store.replace_client(client);
    for (bookie, registration) in store.registrations() {
        ops::register_data(store, &bookie, &registration.data, registration.readonly).await?;
        tracing::info!(%bookie, readonly = registration.readonly, "re-registered after session expiry");
    }
    Ok(watcher)
}
