//! [`WriteCache`]: entries accepted but not yet flushed, in two halves.
//!
//! New adds go to the *active* half; a flush moves the active half into the *flushing* half and
//! writes that one out while new adds keep landing in the (now empty) active half.
//!
//! Invariants:
//! - The active half never holds more than `half_bytes_max` bytes of bodies.
//! - An (ledger, entry) is held at most once across both halves (the first add wins).
//! - The flushing half is emptied only after its entries are durably indexed; after a failed
//!   flush it keeps them, and the next flush merges the active half into it and retries.

use std::collections::BTreeMap;

use bytes::Bytes;
use types::{EntryId, LedgerId};

#[derive(Debug, Default)]
struct Half {
    entries: BTreeMap<(LedgerId, EntryId), Bytes>,
    bytes: u64,
}

impl Half {
    fn remove_ledger(&mut self, ledger_id: LedgerId) {
        let keys: Vec<_> = self
            .entries
            .range((ledger_id, EntryId::MIN)..=(ledger_id, EntryId::MAX))
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            if let Some(body) = self.entries.remove(&key) {
                self.bytes -= body.len() as u64;
            }
        }
    }

    fn last_entry(&self, ledger_id: LedgerId) -> Option<EntryId> {
        self.entries
            .range((ledger_id, EntryId::MIN)..=(ledger_id, EntryId::MAX))
            .next_back()
            .map(|(k, _)| k.1)
    }
}

/// Why an add was not cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CacheInsert {
    /// The entry is now cached.
    Inserted,
    /// The entry was already cached; nothing changed.
    AlreadyPresent,
    /// The active half is full.
    Full,
}

/// The two-half write cache.
#[derive(Debug)]
pub(crate) struct WriteCache {
    active: Half,
    flushing: Half,
    half_bytes_max: u64,
}

impl WriteCache {
    pub(crate) fn new(half_bytes_max: u64) -> Self {
        Self {
            active: Half::default(),
            flushing: Half::default(),
            half_bytes_max,
        }
    }

    pub(crate) fn insert(
        &mut self,
        ledger_id: LedgerId,
        entry_id: EntryId,
        body: Bytes,
    ) -> CacheInsert {
        let key = (ledger_id, entry_id);
        // The flushing half is empty between flushes: skip its descent then.
        if !self.flushing.entries.is_empty() && self.flushing.entries.contains_key(&key) {
            return CacheInsert::AlreadyPresent;
        }
        let full = self.active.bytes + body.len() as u64 > self.half_bytes_max;
        // One descent of the active half: the vacant entry is where the body goes.
        match self.active.entries.entry(key) {
            std::collections::btree_map::Entry::Occupied(_) => CacheInsert::AlreadyPresent,
            std::collections::btree_map::Entry::Vacant(_) if full => CacheInsert::Full,
            std::collections::btree_map::Entry::Vacant(slot) => {
                self.active.bytes += body.len() as u64;
                slot.insert(body);
                CacheInsert::Inserted
            }
        }
    }

    pub(crate) fn get(&self, ledger_id: LedgerId, entry_id: EntryId) -> Option<Bytes> {
        let key = (ledger_id, entry_id);
        self.active
            .entries
            .get(&key)
            .or_else(|| self.flushing.entries.get(&key))
            .cloned()
    }

    pub(crate) fn last_entry(&self, ledger_id: LedgerId) -> Option<EntryId> {
        self.active
            .last_entry(ledger_id)
            .max(self.flushing.last_entry(ledger_id))
    }

    pub(crate) fn entry_ids(&self, ledger_id: LedgerId) -> Vec<EntryId> {
        let range = (ledger_id, EntryId::MIN)..=(ledger_id, EntryId::MAX);
        let mut ids: Vec<EntryId> = self
            .active
            .entries
            .range(range.clone())
            .map(|(k, _)| k.1)
            .collect();
        ids.extend(self.flushing.entries.range(range).map(|(k, _)| k.1));
        ids
    }

    pub(crate) fn remove_ledger(&mut self, ledger_id: LedgerId) {
        self.active.remove_ledger(ledger_id);
        self.flushing.remove_ledger(ledger_id);
    }

    /// Starts a flush: moves the active half into the flushing half and returns the flushing
    /// half's entries, sorted by (ledger, entry).
    pub(crate) fn start_flush(&mut self) -> Vec<(LedgerId, EntryId, Bytes)> {
        let active = std::mem::take(&mut self.active);
        self.flushing.bytes += active.bytes;
        self.flushing.entries.extend(active.entries);
        self.flushing
            .entries
            .iter()
            .map(|(&(l, e), body)| (l, e, body.clone()))
            .collect()
    }

    /// Ends a successful flush: drops the flushed entries (entries of the flushing half that are
    /// not in `flushed` stay, which cannot happen unless a caller broke the protocol).
    pub(crate) fn finish_flush(&mut self, flushed: &[(LedgerId, EntryId)]) {
        for key in flushed {
            if let Some(body) = self.flushing.entries.remove(key) {
                self.flushing.bytes -= body.len() as u64;
            }
        }
    }

    /// Bytes of bodies in (active, flushing).
    pub(crate) fn bytes(&self) -> (u64, u64) {
        (self.active.bytes, self.flushing.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_active_half_refuses_and_a_flush_makes_room() {
        let mut cache = WriteCache::new(100);
        assert_eq!(
            cache.insert(1, 0, Bytes::from(vec![0; 60])),
            CacheInsert::Inserted
        );
        assert_eq!(
            cache.insert(1, 1, Bytes::from(vec![0; 60])),
            CacheInsert::Full
        );
        let batch = cache.start_flush();
        assert_eq!(batch.len(), 1);
        assert_eq!(
            cache.insert(1, 1, Bytes::from(vec![1; 60])),
            CacheInsert::Inserted
        );
        assert_eq!(
            cache.insert(1, 0, Bytes::from(vec![2; 60])),
            CacheInsert::AlreadyPresent
        );
        assert_eq!(cache.last_entry(1), Some(1));
        cache.finish_flush(&[(1, 0)]);
        assert_eq!(cache.get(1, 0), None);
        assert_eq!(cache.get(1, 1).unwrap()[0], 1);
        assert_eq!(cache.bytes(), (60, 0));
    }

    #[test]
    fn removing_a_ledger_clears_both_halves() {
        let mut cache = WriteCache::new(1000);
        cache.insert(1, 0, Bytes::from(vec![0; 10]));
        cache.start_flush();
        cache.insert(1, 1, Bytes::from(vec![0; 10]));
        cache.insert(2, 0, Bytes::from(vec![0; 10]));
        cache.remove_ledger(1);
        assert_eq!(cache.entry_ids(1), Vec::<i64>::new());
        assert_eq!(cache.entry_ids(2), vec![0]);
        assert_eq!(cache.bytes(), (10, 0));
    }
}
