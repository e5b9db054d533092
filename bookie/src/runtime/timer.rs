//! [`GlommioTimer`]: glommio's timer behind the `Sleep` traits of the journal (group wait) and
//! of the ledger store (compaction pacing), and for long-poll reads.

use std::future::Future;
use std::time::Duration;

/// Sleeps on the current glommio executor's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct GlommioTimer;

impl journal::Sleep for GlommioTimer {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> {
        glommio::timer::sleep(duration)
    }
}

impl ledger_store::Sleep for GlommioTimer {
    async fn sleep(&self, duration: Duration) {
        glommio::timer::sleep(duration).await;
    }
}
