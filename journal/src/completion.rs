//! A one-shot, thread-safe completion: one side sets a value once, the other awaits it.
//!
//! Invariant: the value is set at most once; a waiter registered before or after the value is
//! set is always woken (the check and the registration happen under one lock).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

/// The shared cell.
pub(crate) struct Completion<T>(Mutex<Slot<T>>);

impl<T> Completion<T> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Completion(Mutex::new(Slot {
            value: None,
            waker: None,
        })))
    }

    /// Sets the value and wakes the waiter, if any.
    pub(crate) fn complete(&self, value: T) {
        let waker = {
            let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            slot.value = Some(value);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn poll_take(&self, context: &mut Context<'_>) -> Poll<T> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.value.take() {
            Some(value) => Poll::Ready(value),
            None => {
                slot.waker = Some(context.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Awaits a one-shot completion set on another thread (a journal append or an offloaded I/O).
pub struct CompletionFuture<T>(pub(crate) Arc<Completion<T>>);

impl<T> Future for CompletionFuture<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<T> {
        self.0.poll_take(context)
    }
}
