//! [`SpanReads`]: the entry-log reads in flight, so that concurrent cache misses inside the same
//! read-ahead span wait for the one read instead of each reading the span again.
//!
//! Why: a reader catching up keeps many reads of one ledger outstanding. They all miss the
//! read-ahead cache at once, before the first miss has filled it, and each used to read its own
//! 64 KiB span: 8 GB read from disk for 200 MB of entries (`bench reads --mode catchup`,
//! 1000 outstanding).
//!
//! Invariants:
//! - A span is listed from just before its read is issued until its [`SpanGuard`] drops (the
//!   read finished, failed or was cancelled); dropping marks it done and wakes every waiter, so a
//!   waiter never waits for a read that no longer runs.
//! - Waiting is only ever an optimisation: after its wait a reader looks in the read-ahead cache
//!   again and, on a miss, reads for itself.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{Poll, Waker};

/// One read in flight: log `log_id`, bytes `[start_bytes, end_bytes)`.
#[derive(Debug)]
struct SpanRead {
    log_id: u32,
    start_bytes: u64,
    end_bytes: u64,
    done: Cell<bool>,
    wakers: RefCell<Vec<Waker>>,
}

/// The spans being read now (single-threaded, like the store).
#[derive(Debug, Default)]
pub(crate) struct SpanReads {
    spans: RefCell<Vec<Rc<SpanRead>>>,
}

impl SpanReads {
    /// The read in flight whose span holds `offset_bytes` of log `log_id`, if any.
    fn covering(&self, log_id: u32, offset_bytes: u64) -> Option<Rc<SpanRead>> {
        self.spans
            .borrow()
            .iter()
            .find(|span| {
                span.log_id == log_id
                    && span.start_bytes <= offset_bytes
                    && offset_bytes < span.end_bytes
            })
            .cloned()
    }

    /// Waits until the read in flight covering `offset_bytes` of log `log_id` ends; returns
    /// `false` at once when there is none.
    pub(crate) async fn wait_for_covering(&self, log_id: u32, offset_bytes: u64) -> bool {
        let Some(span) = self.covering(log_id, offset_bytes) else {
            return false;
        };
        futures_lite::future::poll_fn(|context| {
            if span.done.get() {
                return Poll::Ready(());
            }
            span.wakers.borrow_mut().push(context.waker().clone());
            Poll::Pending
        })
        .await;
        true
    }

    /// Lists a read of `[start_bytes, start_bytes + len_bytes)` of log `log_id` until the guard
    /// drops.
    pub(crate) fn start(&self, log_id: u32, start_bytes: u64, len_bytes: u64) -> SpanGuard<'_> {
        let span = Rc::new(SpanRead {
            log_id,
            start_bytes,
            end_bytes: start_bytes.saturating_add(len_bytes),
            done: Cell::new(false),
            wakers: RefCell::new(Vec::new()),
        });
        self.spans.borrow_mut().push(Rc::clone(&span));
        SpanGuard { reads: self, span }
    }
}

/// Ends a listed read when dropped: unlists it, marks it done and wakes its waiters.
pub(crate) struct SpanGuard<'a> {
    reads: &'a SpanReads,
    span: Rc<SpanRead>,
}

impl Drop for SpanGuard<'_> {
    fn drop(&mut self) {
        self.reads
            .spans
            .borrow_mut()
            .retain(|span| !Rc::ptr_eq(span, &self.span));
        self.span.done.set(true);
        let wakers = std::mem::take(&mut *self.span.wakers.borrow_mut());
        for waker in wakers {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future::{block_on, poll_once};

    #[test]
    fn a_miss_inside_a_span_in_flight_waits_until_the_read_ends() {
        let reads = SpanReads::default();
        let guard = reads.start(3, 4096, 65536);
        let mut inside = Box::pin(reads.wait_for_covering(3, 8192));
        assert!(
            block_on(poll_once(inside.as_mut())).is_none(),
            "still reading"
        );
        drop(guard);
        assert_eq!(block_on(poll_once(inside.as_mut())), Some(true));
    }

    #[test]
    fn misses_outside_every_span_do_not_wait() {
        let reads = SpanReads::default();
        let _guard = reads.start(3, 4096, 65536);
        assert!(
            !block_on(reads.wait_for_covering(3, 4096 + 65536)),
            "past the end"
        );
        assert!(!block_on(reads.wait_for_covering(3, 0)), "before the start");
        assert!(!block_on(reads.wait_for_covering(4, 8192)), "another log");
    }

    #[test]
    fn a_cancelled_read_releases_its_waiters() {
        let reads = SpanReads::default();
        let guard = reads.start(1, 0, 100);
        let mut waiting = Box::pin(reads.wait_for_covering(1, 50));
        assert!(block_on(poll_once(waiting.as_mut())).is_none());
        drop(guard); // as when the reading future is dropped mid-read
        assert_eq!(block_on(poll_once(waiting.as_mut())), Some(true));
        assert!(!block_on(reads.wait_for_covering(1, 50)), "unlisted");
    }
}
