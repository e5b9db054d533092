//! [`Gate`]: a single-threaded async mutex that serialises the store's maintenance operations
//! (flush, GC, compaction), which share the entry-log writer and the index files.
//!
//! Invariant: at most one [`GateGuard`] exists at a time; dropping it (also by cancellation)
//! wakes every waiter, so a cancelled waiter can never strand the others.

use std::cell::{Cell, RefCell};
use std::task::{Poll, Waker};

/// An async mutual-exclusion gate for one thread.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    locked: Cell<bool>,
    waiters: RefCell<Vec<Waker>>,
}

/// Proof of holding the gate; releases it on drop.
pub(crate) struct GateGuard<'a> {
    gate: &'a Gate,
}

impl Gate {
    /// Waits until the gate is free, then takes it.
    pub(crate) async fn lock(&self) -> GateGuard<'_> {
        futures_lite::future::poll_fn(|context| {
            if self.locked.get() {
                self.waiters.borrow_mut().push(context.waker().clone());
                Poll::Pending
            } else {
                self.locked.set(true);
                Poll::Ready(())
            }
        })
        .await;
        GateGuard { gate: self }
    }
}

impl Drop for GateGuard<'_> {
    fn drop(&mut self) {
        self.gate.locked.set(false);
        let waiters = std::mem::take(&mut *self.gate.waiters.borrow_mut());
        for waker in waiters {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future::{block_on, poll_once, zip};

    #[test]
    fn second_locker_waits_until_the_first_releases() {
        let gate = Gate::default();
        block_on(async {
            let first = gate.lock().await;
            let mut second = Box::pin(gate.lock());
            assert!(poll_once(&mut second).await.is_none());
            drop(first);
            assert!(poll_once(&mut second).await.is_some());
        });
        let order = RefCell::new(Vec::new());
        block_on(zip(
            async {
                let _guard = gate.lock().await;
                order.borrow_mut().push(1);
                futures_lite::future::yield_now().await;
                order.borrow_mut().push(2);
            },
            async {
                let _guard = gate.lock().await;
                order.borrow_mut().push(3);
            },
        ));
        assert_eq!(*order.borrow(), vec![1, 2, 3]);
    }
}
