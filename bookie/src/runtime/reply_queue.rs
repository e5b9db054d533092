//! [`ReplyQueue`]: a connection's outgoing responses, filled by its request tasks in completion
//! order (responses may go out of order, spec §1.1) and drained by its writer task, which
//! encodes everything queued into one buffer and writes it with one call.
//!
//! Invariant: single-threaded (one executor); its length is bounded by the connection's
//! in-flight permits, because a task queues its reply before it releases its permit.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::task::{Poll, Waker};

use crate::server::protocol::Reply;

/// See the module doc.
#[derive(Default)]
pub struct ReplyQueue {
    replies: RefCell<VecDeque<Reply>>,
    waker: RefCell<Option<Waker>>,
    closed: Cell<bool>,
    /// Replies promised by running request tasks and not yet pushed.
    expected: Cell<usize>,
}

impl ReplyQueue {
    /// A request task will push one reply later.
    pub fn expect(&self) {
        self.expected.set(self.expected.get() + 1);
    }

    /// Queues a reply promised by [`ReplyQueue::expect`] and wakes the writer.
    pub fn push_expected(&self, reply: Reply) {
        self.expected.set(self.expected.get().saturating_sub(1));
        self.push(reply);
    }

    /// Queues a reply and wakes the writer.
    pub fn push(&self, reply: Reply) {
        self.replies.borrow_mut().push_back(reply);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    /// Stops the writer once every expected reply was pushed and written.
    pub fn close(&self) {
        self.closed.set(true);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    /// Moves every queued reply into `batch`; waits while none is queued. Returns false once
    /// closed and drained.
    pub async fn take_all(&self, batch: &mut Vec<Reply>) -> bool {
        poll_fn(|context| {
            let mut replies = self.replies.borrow_mut();
            if !replies.is_empty() {
                batch.extend(replies.drain(..));
                return Poll::Ready(true);
            }
            if self.closed.get() && self.expected.get() == 0 {
                return Poll::Ready(false);
            }
            *self.waker.borrow_mut() = Some(context.waker().clone());
            Poll::Pending
        })
        .await
    }
}
