//! [`ReadCache`]: entries read ahead from entry logs, bounded in bytes, evicted oldest first.
//!
//! Invariant: `bytes` equals the sum of cached body lengths and never exceeds `bytes_max` after
//! an insert returns.

use std::collections::{BTreeMap, VecDeque};

use bytes::Bytes;
use types::{EntryId, LedgerId};

/// The read-ahead cache.
#[derive(Debug)]
pub(crate) struct ReadCache {
    entries: BTreeMap<(LedgerId, EntryId), Bytes>,
    order: VecDeque<(LedgerId, EntryId)>,
    bytes: u64,
    bytes_max: u64,
}

impl ReadCache {
    pub(crate) fn new(bytes_max: u64) -> Self {
        Self {
            entries: BTreeMap::new(),
            order: VecDeque::new(),
            bytes: 0,
            bytes_max,
        }
    }

    pub(crate) fn get(&self, ledger_id: LedgerId, entry_id: EntryId) -> Option<Bytes> {
        self.entries.get(&(ledger_id, entry_id)).cloned()
    }

    pub(crate) fn insert(&mut self, ledger_id: LedgerId, entry_id: EntryId, body: Bytes) {
        if body.len() as u64 > self.bytes_max || self.entries.contains_key(&(ledger_id, entry_id)) {
            return;
        }
        self.bytes += body.len() as u64;
        self.entries.insert((ledger_id, entry_id), body);
        self.order.push_back((ledger_id, entry_id));
        while self.bytes > self.bytes_max {
            let Some(key) = self.order.pop_front() else {
                break;
            };
            if let Some(old) = self.entries.remove(&key) {
                self.bytes -= old.len() as u64;
            }
        }
    }

    pub(crate) fn remove_ledger(&mut self, ledger_id: LedgerId) {
        let keys: Vec<_> = self
            .entries
            .range((ledger_id, EntryId::MIN)..=(ledger_id, EntryId::MAX))
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            if let Some(old) = self.entries.remove(&key) {
                self.bytes -= old.len() as u64;
            }
        }
        self.order.retain(|key| key.0 != ledger_id);
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_evicts_oldest_to_stay_within_bytes_max() {
        let mut cache = ReadCache::new(100);
        for entry_id in 0..5 {
            cache.insert(1, entry_id, Bytes::from(vec![0; 30]));
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get(1, 0).is_none());
        assert!(cache.get(1, 4).is_some());
        cache.remove_ledger(1);
        assert_eq!(cache.len(), 0);
        cache.insert(2, 0, Bytes::from(vec![0; 101]));
        assert_eq!(cache.len(), 0);
    }
}
