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
    fn an_early_checkpoint_is_due_at_half_the_active_half() {
        assert!(!CheckpointNudge::is_due(0, 100));
        assert!(!CheckpointNudge::is_due(49, 100));
        assert!(CheckpointNudge::is_due(50, 100));
        assert!(!CheckpointNudge::is_due(0, 0), "no cache, no early flush");
    }
}
