//! [`WaiterTable`]: the requests of one connection waiting for their replies, by [`ReplyKey`].
//!
//! v2 replies carry no request id, so several requests can wait under one key (the same entry
//! read twice); they are answered in the order they were sent. Almost every key has exactly one
//! waiter, so a key holds its waiter inline and only a second one makes a queue; the map uses a
//! fast non-cryptographic hash (the keys are this client's own request ids, nobody else's
//! input). Profiled at peak, the SipHash map with a `VecDeque` per key was 18% of the load
//! generator's CPU.
//!
//! Invariant: a key is present only while it has at least one waiter, and `len()` is the number
//! of waiters over all keys.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use crate::wire::ReplyKey;

/// Something waiting with a deadline.
pub trait Deadline {
    /// When it stops waiting.
    fn deadline(&self) -> Instant;
}

/// The waiters of one key: one inline, more in send order.
enum Waiting<W> {
    One(W),
    Many(VecDeque<W>),
}

impl<W> Waiting<W> {
    fn front(&self) -> Option<&W> {
        match self {
            Self::One(waiter) => Some(waiter),
            Self::Many(queue) => queue.front(),
        }
    }

    fn into_vec(self) -> Vec<W> {
        match self {
            Self::One(waiter) => vec![waiter],
            Self::Many(queue) => queue.into(),
        }
    }
}

/// See the module doc.
pub struct WaiterTable<W> {
    by_key: HashMap<ReplyKey, Waiting<W>, foldhash::fast::RandomState>,
    len: usize,
}

impl<W> Default for WaiterTable<W> {
    fn default() -> Self {
        Self {
            by_key: HashMap::default(),
            len: 0,
        }
    }
}

impl<W: Deadline> WaiterTable<W> {
    /// Waiters over all keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `waiter` behind the others of `key`.
    pub fn insert(&mut self, key: ReplyKey, waiter: W) {
        use std::collections::hash_map::Entry;
        match self.by_key.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(Waiting::One(waiter));
            }
            Entry::Occupied(mut slot) => {
                let waiting = slot.get_mut();
                if let Waiting::Many(queue) = waiting {
                    queue.push_back(waiter);
                } else {
                    // The second waiter of a key: the inline one moves to the front of a queue.
                    let first = std::mem::replace(waiting, Waiting::Many(VecDeque::new()));
                    if let Waiting::Many(queue) = waiting {
                        queue.extend(first.into_vec());
                        queue.push_back(waiter);
                    }
                }
            }
        }
        self.len += 1;
    }

    /// Removes and returns the oldest waiter of `key`.
    pub fn take(&mut self, key: &ReplyKey) -> Option<W> {
        let waiting = self.by_key.get_mut(key)?;
        let waiter = match waiting {
            Waiting::One(_) => match self.by_key.remove(key) {
                Some(Waiting::One(waiter)) => Some(waiter),
                _ => None,
            },
            Waiting::Many(queue) => {
                let waiter = queue.pop_front();
                if queue.is_empty() {
                    self.by_key.remove(key);
                }
                waiter
            }
        };
        if waiter.is_some() {
            self.len -= 1;
        }
        waiter
    }

    /// Removes and returns every waiter.
    pub fn drain(&mut self) -> Vec<W> {
        self.len = 0;
        self.by_key
            .drain()
            .flat_map(|(_, waiting)| waiting.into_vec())
            .collect()
    }

    /// Removes and returns the waiters whose deadline is at or before `now`, oldest of each key
    /// first. A later waiter of a key expires only once the ones before it did (timeouts of one
    /// key are equal in practice; a shorter one is caught on a later sweep).
    pub fn expire(&mut self, now: Instant) -> Vec<W> {
        let due: Vec<ReplyKey> = self
            .by_key
            .iter()
            .filter(|(_, waiting)| waiting.front().is_some_and(|w| w.deadline() <= now))
            .map(|(key, _)| *key)
            .collect();
        let mut expired = Vec::new();
        for key in due {
            while self
                .by_key
                .get(&key)
                .and_then(Waiting::front)
                .is_some_and(|waiter| waiter.deadline() <= now)
            {
                match self.take(&key) {
                    Some(waiter) => expired.push(waiter),
                    None => break,
                }
            }
        }
        expired
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[derive(Debug, PartialEq)]
    struct Probe {
        name: &'static str,
        deadline: Instant,
    }

    impl Deadline for Probe {
        fn deadline(&self) -> Instant {
            self.deadline
        }
    }

    fn probe(name: &'static str, deadline: Instant) -> Probe {
        Probe { name, deadline }
    }

    #[test]
    fn waiters_of_one_key_are_answered_in_send_order() {
        let now = Instant::now();
        let key = ReplyKey::Txn(7);
        let mut table = WaiterTable::default();
        table.insert(key, probe("first", now));
        table.insert(key, probe("second", now));
        table.insert(key, probe("third", now));
        table.insert(ReplyKey::Txn(8), probe("other", now));
        assert_eq!(table.len(), 4);
        assert_eq!(table.take(&key).unwrap().name, "first");
        assert_eq!(table.take(&key).unwrap().name, "second");
        assert_eq!(table.take(&key).unwrap().name, "third");
        assert!(table.take(&key).is_none());
        assert_eq!(table.len(), 1);
        assert_eq!(table.take(&ReplyKey::Txn(8)).unwrap().name, "other");
        assert!(table.is_empty());
        assert!(table.by_key.is_empty(), "no key stays without a waiter");
    }

    #[test]
    fn expire_takes_only_the_waiters_past_their_deadline() {
        let now = Instant::now();
        let later = now + Duration::from_secs(60);
        let mut table = WaiterTable::default();
        table.insert(ReplyKey::Txn(1), probe("due", now));
        table.insert(ReplyKey::Txn(2), probe("not due", later));
        table.insert(ReplyKey::Txn(3), probe("due first", now));
        table.insert(ReplyKey::Txn(3), probe("due second", now));
        table.insert(ReplyKey::Txn(3), probe("waits", later));
        let mut expired: Vec<_> = table.expire(now).into_iter().map(|p| p.name).collect();
        expired.sort_unstable();
        assert_eq!(expired, ["due", "due first", "due second"]);
        assert_eq!(table.len(), 2);
        assert_eq!(table.take(&ReplyKey::Txn(3)).unwrap().name, "waits");
        assert_eq!(table.take(&ReplyKey::Txn(2)).unwrap().name, "not due");
    }

    #[test]
    fn drain_returns_every_waiter_and_empties_the_table() {
        let now = Instant::now();
        let mut table = WaiterTable::default();
        table.insert(ReplyKey::Txn(1), probe("a", now));
        table.insert(ReplyKey::Txn(1), probe("b", now));
        table.insert(ReplyKey::Txn(2), probe("c", now));
        let mut drained: Vec<_> = table.drain().into_iter().map(|p| p.name).collect();
        drained.sort_unstable();
        assert_eq!(drained, ["a", "b", "c"]);
        assert!(table.is_empty());
        assert!(table.take(&ReplyKey::Txn(1)).is_none());
    }
}
