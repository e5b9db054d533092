//! [`Pacer`]: waits until an instant with microsecond precision inside a tokio runtime, without
//! blocking a worker thread.
//!
//! tokio's timer rounds every sleep up to the next millisecond. An open-loop driver at thousands
//! of adds per second would then send them in bursts and add up to 1 ms to every latency
//! measured from the intended time. The pacer arms a Linux `timerfd` (nanosecond resolution)
//! and awaits its readiness through the runtime's own poller, so the worker keeps serving the
//! other tasks while it waits and no thread is handed over per wait.
//!
//! Invariant: one pacer serves one waiter at a time (`wait_until` takes `&mut self`); each
//! wait re-arms the timer, so an expiry left unread by an earlier wait cannot end a later one
//! early by more than that earlier expiry's lateness (the loop re-checks the clock).

use std::io;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use rustix::time::{
    timerfd_create, timerfd_settime, Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags,
    Timespec,
};
use tokio::io::unix::AsyncFd;

use super::error::BenchError;

/// A precise waiter for one task.
pub struct Pacer {
    timer: AsyncFd<OwnedFd>,
}

impl Pacer {
    /// Creates the timer; must be called inside a tokio runtime with I/O enabled.
    pub fn new() -> Result<Self, BenchError> {
        let timer = timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )
        .map_err(|error| BenchError::io("creating the pacing timerfd", error.into()))?;
        // `AsyncFd::new` is deprecated because an arbitrary `AsRawFd` may close or swap its
        // descriptor while registered; an `OwnedFd` owned by the `AsyncFd` can do neither, which
        // is exactly the condition its `unsafe` replacement asks the caller to uphold (and this
        // crate has no `unsafe`).
        #[allow(deprecated)]
        let timer = AsyncFd::new(timer)
            .map_err(|error| BenchError::io("registering the pacing timerfd", error))?;
        Ok(Self { timer })
    }

    /// Returns at `due` or a few microseconds after it (at once if `due` has passed).
    pub async fn wait_until(&mut self, due: Instant) -> Result<(), BenchError> {
        loop {
            let now = Instant::now();
            if due <= now {
                return Ok(());
            }
            self.arm(due - now)
                .map_err(|error| BenchError::io("arming the pacing timerfd", error))?;
            let mut ready = self
                .timer
                .readable()
                .await
                .map_err(|error| BenchError::io("waiting on the pacing timerfd", error))?;
            let mut expirations = [0u8; 8];
            // WouldBlock (a stale readiness) clears it and the loop waits again.
            let _ = ready.try_io(|timer| {
                rustix::io::read(timer.get_ref(), &mut expirations).map_err(io::Error::from)
            });
        }
    }

    /// Sets the timer to fire once after `wait` (a zero `it_value` would disarm it).
    fn arm(&self, wait: Duration) -> io::Result<()> {
        let wait = wait.max(Duration::from_nanos(1));
        let value = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: Timespec {
                tv_sec: i64::try_from(wait.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(wait.subsec_nanos()),
            },
        };
        timerfd_settime(self.timer.get_ref(), TimerfdTimerFlags::empty(), &value)?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Runs `test` on a current-thread runtime with I/O and time enabled.
    fn on_runtime(test: impl std::future::Future<Output = ()>) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(test);
    }

    #[test]
    fn never_returns_before_the_due_time() {
        on_runtime(async {
            let mut pacer = Pacer::new().unwrap();
            for wait_us in [1, 50, 300, 1500] {
                let due = Instant::now() + Duration::from_micros(wait_us);
                pacer.wait_until(due).await.unwrap();
                assert!(Instant::now() >= due, "returned before a {wait_us} us wait");
            }
        });
    }

    #[test]
    fn a_due_time_in_the_past_returns_at_once() {
        on_runtime(async {
            let mut pacer = Pacer::new().unwrap();
            let past = Instant::now();
            std::thread::sleep(Duration::from_millis(1));
            pacer.wait_until(past).await.unwrap();
        });
    }
}
