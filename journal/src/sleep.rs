//! The timer the group commit waits on, as a trait so tests stay deterministic and the crate
//! stays runtime-neutral (glommio's timer, a thread sleep, or a test double).

use std::future::Future;
use std::time::Duration;

/// Something that can wait.
pub trait Sleep {
    /// A future that completes after about `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()>;
}

/// A timer that never waits but yields once, so other tasks of the same executor can run (and
/// queue more records) before the batch is cut. Deterministic; used by tests and whenever
/// `group_wait_max_us` is 0.
#[derive(Debug, Clone, Copy, Default)]
pub struct YieldOnce;

impl Sleep for YieldOnce {
    fn sleep(&self, _duration: Duration) -> impl Future<Output = ()> {
        futures_lite::future::yield_now()
    }
}
