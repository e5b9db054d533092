//! The tokio runtime an [`super::EtcdMetadataStore`] owns, and the bridge from any executor to it.
//!
//! `etcd-client` (tonic) needs a tokio runtime, while [`crate::MetadataStore`] futures must be
//! awaitable anywhere (a glommio `LocalExecutor`, `futures::executor::block_on`). So each store
//! owns a current-thread tokio runtime driven by one thread named `etcd-rt`; every call is spawned
//! there and its result comes back through a `futures` oneshot channel, which any executor can
//! await. Dropping the caller's future aborts the spawned task (no orphaned watches).
//!
//! Shutdown: dropping the [`EtcdRuntime`] hands the thread a last future (the store revokes its
//! lease there), runs it for at most [`SHUTDOWN_WAIT_MS_MAX`], then drops the runtime, which
//! cancels every task still on it. Drop never blocks the caller.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::channel::oneshot;

use crate::error::{MetadataError, Result};

/// Longest time the runtime thread spends on its shutdown future after the store is dropped.
pub const SHUTDOWN_WAIT_MS_MAX: u64 = 2_000;

type ShutdownFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A tokio runtime on its own thread.
pub(crate) struct EtcdRuntime {
    handle: tokio::runtime::Handle,
    shutdown: Option<oneshot::Sender<ShutdownFuture>>,
}

/// Aborts the spawned task when the caller's future is dropped before it finished.
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl EtcdRuntime {
    /// Builds the runtime and starts its thread.
    pub(crate) fn start() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| MetadataError::Backend(format!("cannot build the etcd runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let (shutdown, shutdown_signal) = oneshot::channel::<ShutdownFuture>();
        std::thread::Builder::new()
            .name("etcd-rt".into())
            .spawn(move || {
                runtime.block_on(async move {
                    // The sender is dropped (store gone) or sends the last future to run.
                    if let Ok(last) = shutdown_signal.await {
                        let bound = Duration::from_millis(SHUTDOWN_WAIT_MS_MAX);
                        if tokio::time::timeout(bound, last).await.is_err() {
                            tracing::warn!("etcd store shutdown work did not finish in time");
                        }
                    }
                });
                // Dropping `runtime` here cancels every task still spawned on it.
            })
            .map_err(|e| MetadataError::Backend(format!("cannot start the etcd-rt thread: {e}")))?;
        Ok(Self {
            handle,
            shutdown: Some(shutdown),
        })
    }

    /// Runs `work` on the runtime; the returned future is `Send` and executor-agnostic.
    pub(crate) fn call<T, F>(&self, work: F) -> impl Future<Output = Result<T>> + Send + 'static
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let (sender, receiver) = oneshot::channel();
        let task = self.handle.spawn(async move {
            // The receiver may be gone (caller gave up); nothing to report then.
            let _ = sender.send(work.await);
        });
        let guard = AbortOnDrop(task.abort_handle());
        async move {
            let result = receiver.await.map_err(|_| {
                MetadataError::Connection("the etcd store's runtime has stopped".into())
            });
            drop(guard);
            result?
        }
    }

    /// Sets the future the runtime thread runs (bounded) once this runtime is dropped.
    pub(crate) fn shutdown_with(&mut self, last: impl Future<Output = ()> + Send + 'static) {
        if let Some(shutdown) = self.shutdown.take() {
            // Fails only if the thread already ended; then there is nothing to clean up.
            let _ = shutdown.send(Box::pin(last));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn calls_run_on_the_runtime_from_a_plain_executor() {
        let runtime = EtcdRuntime::start().unwrap();
        let value = futures::executor::block_on(runtime.call(async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok(tokio::runtime::Handle::try_current().is_ok())
        }))
        .unwrap();
        assert!(value, "the work ran inside the tokio runtime");
    }

    #[test]
    fn dropping_the_callers_future_aborts_the_task() {
        let runtime = EtcdRuntime::start().unwrap();
        let (done_sender, done) = oneshot::channel::<()>();
        let call = runtime.call(async move {
            tokio::time::sleep(Duration::from_secs(60)).await;
            let _ = done_sender.send(());
            Ok(())
        });
        drop(call);
        // The aborted task drops its sender: the receiver sees cancellation, not a value.
        assert!(futures::executor::block_on(done).is_err());
    }

    #[test]
    fn dropping_the_runtime_runs_the_shutdown_future() {
        let mut runtime = EtcdRuntime::start().unwrap();
        let (ran_sender, ran) = oneshot::channel::<()>();
        runtime.shutdown_with(async move {
            let _ = ran_sender.send(());
        });
        drop(runtime);
        assert!(futures::executor::block_on(ran).is_ok());
    }
}
