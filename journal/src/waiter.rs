//! Completions of appends: how the group commit tells an appender "durable at this position" or
//! "failed".
//!
//! Invariant: every waiter is completed exactly once (completing consumes it), and a waiter is
//! completed with `Ok` only after the fsync that covers its record returned success.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use types::JournalPos;

use crate::error::JournalError;

/// The outcome of one append.
pub type AppendResult = Result<JournalPos, JournalError>;

/// A callback completed on the journal's thread (used by [`JournalThread`](crate::JournalThread)).
pub type AppendCallback = Box<dyn FnOnce(AppendResult)>;

/// Who is waiting for a record.
pub(crate) enum Waiter {
    /// An [`AppendFuture`] on the journal's own executor.
    Local(Rc<LocalSlot>),
    /// A callback (for example one that sends the result to another thread).
    Callback(AppendCallback),
}

impl Waiter {
    pub(crate) fn complete(self, result: AppendResult) {
        match self {
            Waiter::Local(slot) => {
                let waker = {
                    let mut slot = slot.0.borrow_mut();
                    slot.result = Some(result);
                    slot.waker.take()
                };
                if let Some(waker) = waker {
                    waker.wake();
                }
            }
            Waiter::Callback(callback) => callback(result),
        }
    }
}

#[derive(Default)]
struct SlotState {
    result: Option<AppendResult>,
    waker: Option<Waker>,
}

/// The cell an [`AppendFuture`] waits on.
#[derive(Default)]
pub(crate) struct LocalSlot(RefCell<SlotState>);

enum FutureState {
    Done(Option<AppendResult>),
    Waiting(Rc<LocalSlot>),
}

/// Resolves when the appended record is durable (with the position of its end) or failed.
///
/// The record was queued when `append` returned, so dropping this future does not withdraw
/// it; it only discards the outcome.
#[must_use = "the record is durable only when this future resolves Ok"]
pub struct AppendFuture(FutureState);

impl AppendFuture {
    pub(crate) fn done(result: AppendResult) -> Self {
        AppendFuture(FutureState::Done(Some(result)))
    }

    pub(crate) fn waiting(slot: Rc<LocalSlot>) -> Self {
        AppendFuture(FutureState::Waiting(slot))
    }
}

impl Future for AppendFuture {
    type Output = AppendResult;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<AppendResult> {
        match &mut self.get_mut().0 {
            FutureState::Done(result) => match result.take() {
                Some(result) => Poll::Ready(result),
                None => Poll::Ready(Err(JournalError::Closed)),
            },
            FutureState::Waiting(slot) => {
                let mut slot = slot.0.borrow_mut();
                match slot.result.take() {
                    Some(result) => Poll::Ready(result),
                    None => {
                        slot.waker = Some(context.waker().clone());
                        Poll::Pending
                    }
                }
            }
        }
    }
}
