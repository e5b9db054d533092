//! [`LacWaiters`]: long-poll reads parked until a ledger's LAC moves, woken by the add that
//! moves it (instead of each parked read re-reading the LAC every millisecond).
//!
//! Invariants:
//! - A parked read is listed under its ledger from its first `Pending` until it completes or is
//!   dropped (a long poll that times out drops it), so the lists hold only live waits.
//! - `wake(ledger)` wakes every read parked on that ledger; each looks at the LAC again and parks
//!   again if it is still not past the LAC it knows. A wake is never lost: a read checks the LAC
//!   before it parks, and the LAC only moves on this thread.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use types::{EntryId, LedgerId};

/// Per-ledger lists of parked long-poll reads (single-threaded, one per shard).
#[derive(Debug, Default)]
pub struct LacWaiters {
    next_id: Cell<u64>,
    parked: RefCell<HashMap<LedgerId, Vec<(u64, Waker)>>>,
}

impl LacWaiters {
    /// Wakes every read parked on `ledger_id` (called when its LAC may have moved).
    pub fn wake(&self, ledger_id: LedgerId) {
        if self.parked.borrow().is_empty() {
            return;
        }
        let woken = self.parked.borrow_mut().remove(&ledger_id);
        for (_, waker) in woken.into_iter().flatten() {
            waker.wake();
        }
    }

    /// Completes once `current_lac()` is above `previous_lac`, checked now and after every wake
    /// for `ledger_id`.
    pub fn lac_above<F: Fn() -> EntryId>(
        &self,
        ledger_id: LedgerId,
        previous_lac: EntryId,
        current_lac: F,
    ) -> LacAbove<'_, F> {
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        LacAbove {
            waiters: self,
            ledger_id,
            previous_lac,
            current_lac,
            id,
        }
    }

    /// Reads parked now (all ledgers).
    pub fn parked_count(&self) -> usize {
        self.parked.borrow().values().map(Vec::len).sum()
    }

    fn park(&self, ledger_id: LedgerId, id: u64, waker: &Waker) {
        let mut parked = self.parked.borrow_mut();
        let list = parked.entry(ledger_id).or_default();
        match list.iter_mut().find(|(listed, _)| *listed == id) {
            Some((_, listed)) => listed.clone_from(waker),
            None => list.push((id, waker.clone())),
        }
    }

    fn unpark(&self, ledger_id: LedgerId, id: u64) {
        let mut parked = self.parked.borrow_mut();
        if let Some(list) = parked.get_mut(&ledger_id) {
            list.retain(|(listed, _)| *listed != id);
            if list.is_empty() {
                parked.remove(&ledger_id);
            }
        }
    }
}

/// The future of [`LacWaiters::lac_above`].
pub struct LacAbove<'a, F: Fn() -> EntryId> {
    waiters: &'a LacWaiters,
    ledger_id: LedgerId,
    previous_lac: EntryId,
    current_lac: F,
    id: u64,
}

impl<F: Fn() -> EntryId> Future for LacAbove<'_, F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        if (self.current_lac)() > self.previous_lac {
            self.waiters.unpark(self.ledger_id, self.id);
            return Poll::Ready(());
        }
        self.waiters.park(self.ledger_id, self.id, context.waker());
        Poll::Pending
    }
}

impl<F: Fn() -> EntryId> Drop for LacAbove<'_, F> {
    fn drop(&mut self) {
        self.waiters.unpark(self.ledger_id, self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future::{block_on, poll_once};

    #[test]
    fn a_parked_read_completes_when_its_ledger_lac_passes_the_known_one() {
        let waiters = LacWaiters::default();
        let lac = Cell::new(4);
        let mut wait = Box::pin(waiters.lac_above(7, 5, || lac.get()));
        assert!(block_on(poll_once(wait.as_mut())).is_none());
        assert_eq!(waiters.parked_count(), 1);
        lac.set(5);
        waiters.wake(7);
        assert!(
            block_on(poll_once(wait.as_mut())).is_none(),
            "5 is not above 5"
        );
        lac.set(6);
        waiters.wake(7);
        assert!(block_on(poll_once(wait.as_mut())).is_some());
        assert_eq!(waiters.parked_count(), 0);
    }

    #[test]
    fn a_dropped_wait_leaves_nothing_parked_and_other_ledgers_are_not_woken() {
        let waiters = LacWaiters::default();
        let mut on_seven = Box::pin(waiters.lac_above(7, 0, || 0));
        let mut on_eight = Box::pin(waiters.lac_above(8, 0, || 0));
        assert!(block_on(poll_once(on_seven.as_mut())).is_none());
        assert!(block_on(poll_once(on_eight.as_mut())).is_none());
        waiters.wake(7);
        assert_eq!(waiters.parked_count(), 1, "only ledger 8 is still parked");
        drop(on_eight);
        assert_eq!(waiters.parked_count(), 0, "a timed-out poll unparks itself");
    }
}
