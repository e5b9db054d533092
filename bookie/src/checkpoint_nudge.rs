//! [`CheckpointNudge`]: asks the shard's periodic checkpoint task to run now, before its period
//! ends, when the write cache fills up.
//!
//! Why: an add that finds the write cache full must wait for a whole checkpoint (every add behind
//! it too), which showed as a stall of tens of milliseconds each time the active half filled.
//! Flushing in the background once the active half is half full leaves the other half of it as
//! headroom, so adds wait only when the disk cannot keep up.
//!
//! Invariant: a nudge is never lost. `nudge` before `wanted` is polled makes the next `wanted`
//! return at once; nudges that arrive while no one waits collapse into one.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// The active write-cache half is flushed early once it holds this fraction of its limit.
pub const EARLY_CHECKPOINT_FILL_NUMERATOR: u64 = 1;
/// See [`EARLY_CHECKPOINT_FILL_NUMERATOR`].
pub const EARLY_CHECKPOINT_FILL_DENOMINATOR: u64 = 2;

/// The slowest a background checkpoint writes its entries, in bytes per second: small flushes
/// (the periodic one of a quiet bookie) still finish within a fraction of a second.
pub const BACKGROUND_FLUSH_FLOOR_BYTES_PER_S: u64 = 64 << 20;

/// A background checkpoint writes its entries at this many times the rate they arrived at, so it
/// ends in about a quarter of the time the write cache took to fill, with room to spare.
pub const BACKGROUND_FLUSH_SPEEDUP: u64 = 4;

/// The write rate of a background checkpoint that flushes `active_bytes` gathered over `since`
/// (since the previous checkpoint started): spread out instead of one burst, whose writes and
/// syncs the journal's syncs would queue behind on a shared disk.
pub fn background_flush_rate(
    active_bytes: u64,
    since: std::time::Duration,
) -> ledger_store::CompactionRate {
    let seconds = since.as_secs_f64().max(1e-3);
    let arrival_bytes_per_s = active_bytes as f64 / seconds;
    let rate = (arrival_bytes_per_s * BACKGROUND_FLUSH_SPEEDUP as f64) as u64;
    ledger_store::CompactionRate::BytesPerSecond(rate.max(BACKGROUND_FLUSH_FLOOR_BYTES_PER_S))
}

/// A one-slot, single-threaded wake-up flag.
#[derive(Debug, Default)]
pub struct CheckpointNudge {
    set: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl CheckpointNudge {
    /// Whether an active half holding `active_bytes` of at most `half_bytes_max` should be
    /// flushed early.
    pub fn is_due(active_bytes: u64, half_bytes_max: u64) -> bool {
        active_bytes.saturating_mul(EARLY_CHECKPOINT_FILL_DENOMINATOR)
            >= half_bytes_max.saturating_mul(EARLY_CHECKPOINT_FILL_NUMERATOR)
            && half_bytes_max > 0
    }

    /// Asks for a checkpoint now (cheap when already asked).
    pub fn nudge(&self) {
        if self.set.replace(true) {
            return;
        }
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    /// Completes once a nudge arrived (clearing it).
    pub fn wanted(&self) -> Wanted<'_> {
        Wanted { nudge: self }
    }
}

/// The future of [`CheckpointNudge::wanted`].
#[derive(Debug)]
pub struct Wanted<'a> {
    nudge: &'a CheckpointNudge,
}

impl Future for Wanted<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        if self.nudge.set.replace(false) {
            return Poll::Ready(());
        }
        *self.nudge.waker.borrow_mut() = Some(context.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future::{block_on, poll_once};

    #[test]
    fn a_nudge_before_the_wait_is_kept_and_nudges_collapse() {
        let nudge = CheckpointNudge::default();
        nudge.nudge();
        nudge.nudge();
        block_on(nudge.wanted());
        assert!(
            block_on(poll_once(nudge.wanted())).is_none(),
            "both nudges were one"
        );
    }

    #[test]
    fn a_nudge_wakes_a_pending_wait() {
        let nudge = CheckpointNudge::default();
        let mut wanted = Box::pin(nudge.wanted());
        assert!(block_on(poll_once(wanted.as_mut())).is_none());
        nudge.nudge();
        assert!(block_on(poll_once(wanted.as_mut())).is_some());
    }

    #[test]
    fn a_background_flush_runs_four_times_faster_than_the_cache_filled_with_a_floor() {
        use ledger_store::CompactionRate::BytesPerSecond;
        use std::time::Duration;
        assert_eq!(
            background_flush_rate(16 << 20, Duration::from_millis(100)),
            BytesPerSecond((4 * 160) << 20),
            "fast ingest: 160 MiB/s in, 640 MiB/s out"
        );
        assert_eq!(
            background_flush_rate(16 << 20, Duration::from_secs(4)),
            BytesPerSecond(BACKGROUND_FLUSH_FLOOR_BYTES_PER_S),
            "4 MiB/s in: the floor"
        );
        assert_eq!(
            background_flush_rate(1 << 20, Duration::ZERO),
            BytesPerSecond(4 * 1_048_576_000),
            "no time elapsed counts as a millisecond"
        );
    }

    #[test]
    fn an_early_checkpoint_is_due_at_half_the_active_half() {
        assert!(!CheckpointNudge::is_due(0, 100));
        assert!(!CheckpointNudge::is_due(49, 100));
        assert!(CheckpointNudge::is_due(50, 100));
        assert!(!CheckpointNudge::is_due(0, 0), "no cache, no early flush");
    }
}
