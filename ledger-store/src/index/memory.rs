//! [`MemoryIndex`]: the whole (ledger, entry) -> location map in memory, plus live bytes per
//! (entry log, ledger).
//!
//! Memory: 16 bytes per entry (entry id and packed location, in one sorted `Vec` per ledger) plus
//! a `BTreeMap` node per ledger and per (log, ledger) pair.
//!
//! Invariants:
//! - Each ledger's vector is sorted by entry id and holds each entry id at most once.
//! - `usage[log][ledger]` is the sum of `record_bytes` of the indexed entries of `ledger` in
//!   `log`; a pair whose sum reaches zero is removed, so a log without live entries has no usage.
//! - The index only changes when an index record is durable (or is being loaded from disk).

use std::collections::BTreeMap;

use types::{EntryId, EntryLocation, LedgerId};

use super::record::IndexRecord;

/// The in-memory index.
#[derive(Debug, Default)]
pub(crate) struct MemoryIndex {
    ledgers: BTreeMap<LedgerId, Vec<(EntryId, u64)>>,
    usage: BTreeMap<u32, BTreeMap<LedgerId, u64>>,
}

/// Where [`MemoryIndex::snapshot_chunk`] goes on: the entries of ledgers from `ledger_id`
/// (skipping the first `skip` entries of that ledger), then usage from (`log_id`, `ledger_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SnapshotCursor {
    /// Puts, from this ledger on.
    Entries { ledger_id: LedgerId, skip: usize },
    /// Usage records, from this log and ledger on.
    Usage { log_id: u32, ledger_id: LedgerId },
    /// Every record was returned.
    Done,
}

impl Default for SnapshotCursor {
    fn default() -> Self {
        Self::Entries {
            ledger_id: LedgerId::MIN,
            skip: 0,
        }
    }
}

impl MemoryIndex {
    /// The location of an entry.
    pub(crate) fn get(&self, ledger_id: LedgerId, entry_id: EntryId) -> Option<EntryLocation> {
        let entries = self.ledgers.get(&ledger_id)?;
        // New adds land past the last indexed entry: answer those without a binary search over
        // (cold) memory.
        if entries.last().is_none_or(|&(last, _)| entry_id > last) {
            return None;
        }
        let index = entries
            .binary_search_by_key(&entry_id, |&(id, _)| id)
            .ok()?;
        EntryLocation::from_packed(entries[index].1)
    }

    /// The highest indexed entry id of a ledger.
    pub(crate) fn last_entry(&self, ledger_id: LedgerId) -> Option<EntryId> {
        self.ledgers.get(&ledger_id)?.last().map(|&(id, _)| id)
    }

    /// Indexed entry ids of a ledger, ascending.
    pub(crate) fn entry_ids(&self, ledger_id: LedgerId) -> Vec<EntryId> {
        self.ledgers
            .get(&ledger_id)
            .map(|entries| entries.iter().map(|&(id, _)| id).collect())
            .unwrap_or_default()
    }

    /// Total indexed entries.
    pub(crate) fn entry_count(&self) -> usize {
        self.ledgers.values().map(Vec::len).sum()
    }

    /// Ledger ids that have indexed entries or usage.
    pub(crate) fn ledger_ids(&self) -> Vec<LedgerId> {
        let mut ids: Vec<LedgerId> = self.ledgers.keys().copied().collect();
        for per_log in self.usage.values() {
            ids.extend(per_log.keys().copied());
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Logs holding live records of `ledger_id`.
    pub(crate) fn logs_of(&self, ledger_id: LedgerId) -> Vec<u32> {
        self.usage
            .iter()
            .filter(|(_, per_ledger)| per_ledger.contains_key(&ledger_id))
            .map(|(&log_id, _)| log_id)
            .collect()
    }

    /// Live record bytes in `log_id`.
    pub(crate) fn live_bytes(&self, log_id: u32) -> u64 {
        self.usage
            .get(&log_id)
            .map_or(0, |per_ledger| per_ledger.values().sum())
    }

    /// Indexed entries located in `log_id`, by ascending offset.
    pub(crate) fn entries_in_log(&self, log_id: u32) -> Vec<(LedgerId, EntryId, EntryLocation)> {
        let Some(per_ledger) = self.usage.get(&log_id) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for ledger_id in per_ledger.keys() {
            for &(entry_id, packed) in self.ledgers.get(ledger_id).into_iter().flatten() {
                if let Some(location) = EntryLocation::from_packed(packed) {
                    if location.log_id() == log_id {
                        found.push((*ledger_id, entry_id, location));
                    }
                }
            }
        }
        found.sort_by_key(|&(_, _, location)| location.offset_bytes());
        found
    }

    /// Applies one durable record.
    pub(crate) fn apply(&mut self, record: IndexRecord) {
        match record {
            IndexRecord::Put {
                ledger_id,
                entry_id,
                location,
                record_bytes,
            } => {
                self.put(ledger_id, entry_id, location, u64::from(record_bytes));
            }
            IndexRecord::DeleteLedger { ledger_id } => self.delete_ledger(ledger_id),
            IndexRecord::Usage {
                log_id,
                ledger_id,
                bytes,
            } => self.add_usage(log_id, ledger_id, bytes),
        }
    }

    /// Records a location; a put over an existing entry moves its usage to the new log (the
    /// record of one entry has the same size wherever it lives).
    fn put(
        &mut self,
        ledger_id: LedgerId,
        entry_id: EntryId,
        location: EntryLocation,
        record_bytes: u64,
    ) {
        let entries = self.ledgers.entry(ledger_id).or_default();
        let previous = match entries.last() {
            Some(&(last, _)) if last < entry_id => {
                entries.push((entry_id, location.packed()));
                None
            }
            None => {
                entries.push((entry_id, location.packed()));
                None
            }
            _ => match entries.binary_search_by_key(&entry_id, |&(id, _)| id) {
                Ok(index) => Some(std::mem::replace(&mut entries[index].1, location.packed())),
                Err(index) => {
                    entries.insert(index, (entry_id, location.packed()));
                    None
                }
            },
        };
        if let Some(old) = previous.and_then(EntryLocation::from_packed) {
            self.sub_usage(old.log_id(), ledger_id, record_bytes);
        }
        self.add_usage(location.log_id(), ledger_id, record_bytes);
    }

    fn delete_ledger(&mut self, ledger_id: LedgerId) {
        self.ledgers.remove(&ledger_id);
        self.usage.retain(|_, per_ledger| {
            per_ledger.remove(&ledger_id);
            !per_ledger.is_empty()
        });
    }

    fn add_usage(&mut self, log_id: u32, ledger_id: LedgerId, bytes: u64) {
        if bytes == 0 {
            return;
        }
        *self
            .usage
            .entry(log_id)
            .or_default()
            .entry(ledger_id)
            .or_default() += bytes;
    }

    fn sub_usage(&mut self, log_id: u32, ledger_id: LedgerId, bytes: u64) {
        let Some(per_ledger) = self.usage.get_mut(&log_id) else {
            return;
        };
        if let Some(live) = per_ledger.get_mut(&ledger_id) {
            *live = live.saturating_sub(bytes);
            if *live == 0 {
                per_ledger.remove(&ledger_id);
            }
        }
        if per_ledger.is_empty() {
            self.usage.remove(&log_id);
        }
    }

    /// Appends to `out` up to `max` records of a snapshot, starting where `cursor` points, and
    /// moves `cursor` past them (to [`SnapshotCursor::Done`] after the last). The records, over
    /// all chunks, are every record a snapshot needs to rebuild this index: puts (with size 0)
    /// in (ledger, entry) order, then usage in (log, ledger) order. Chunks let a caller write a
    /// large index without one long pause; the index must not change between chunks (the
    /// store writes snapshots under its gate, which every index change also holds).
    pub(crate) fn snapshot_chunk(
        &self,
        cursor: &mut SnapshotCursor,
        max: usize,
        out: &mut Vec<IndexRecord>,
    ) {
        let limit = out.len().saturating_add(max);
        if let SnapshotCursor::Entries { ledger_id, skip } = *cursor {
            let mut skip = skip;
            for (&id, entries) in self.ledgers.range(ledger_id..) {
                for (index, &(entry_id, packed)) in entries.iter().enumerate().skip(skip) {
                    if out.len() == limit {
                        *cursor = SnapshotCursor::Entries {
                            ledger_id: id,
                            skip: index,
                        };
                        return;
                    }
                    if let Some(location) = EntryLocation::from_packed(packed) {
                        out.push(IndexRecord::Put {
                            ledger_id: id,
                            entry_id,
                            location,
                            record_bytes: 0,
                        });
                    }
                }
                skip = 0;
            }
            *cursor = SnapshotCursor::Usage {
                log_id: 0,
                ledger_id: LedgerId::MIN,
            };
        }
        if let SnapshotCursor::Usage { log_id, ledger_id } = *cursor {
            let mut first_ledger = ledger_id;
            for (&log, per_ledger) in self.usage.range(log_id..) {
                for (&id, &bytes) in per_ledger.range(first_ledger..) {
                    if out.len() == limit {
                        *cursor = SnapshotCursor::Usage {
                            log_id: log,
                            ledger_id: id,
                        };
                        return;
                    }
                    out.push(IndexRecord::Usage {
                        log_id: log,
                        ledger_id: id,
                        bytes,
                    });
                }
                first_ledger = LedgerId::MIN;
            }
            *cursor = SnapshotCursor::Done;
        }
    }

    /// Every record of a snapshot at once (tests).
    #[cfg(test)]
    pub(crate) fn snapshot_records(&self) -> Vec<IndexRecord> {
        let mut records = Vec::new();
        let mut cursor = SnapshotCursor::default();
        while cursor != SnapshotCursor::Done {
            self.snapshot_chunk(&mut cursor, usize::MAX, &mut records);
        }
        records
    }

    /// The largest log id any location or usage names.
    pub(crate) fn max_log_id(&self) -> Option<u32> {
        let from_usage = self.usage.keys().next_back().copied();
        let from_entries = self
            .ledgers
            .values()
            .flat_map(|entries| entries.iter())
            .filter_map(|&(_, packed)| EntryLocation::from_packed(packed))
            .map(EntryLocation::log_id)
            .max();
        from_usage.max(from_entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(ledger_id: i64, entry_id: i64, log_id: u32, offset: u64) -> IndexRecord {
        IndexRecord::Put {
            ledger_id,
            entry_id,
            location: EntryLocation::new(log_id, offset).unwrap(),
            record_bytes: 100,
        }
    }

    #[test]
    fn out_of_order_puts_keep_entries_sorted() {
        let mut index = MemoryIndex::default();
        for entry_id in [5, 1, 3, 9, 0] {
            index.apply(put(1, entry_id, 1, 512 + entry_id as u64));
        }
        assert_eq!(index.entry_ids(1), vec![0, 1, 3, 5, 9]);
        assert_eq!(index.last_entry(1), Some(9));
        assert_eq!(index.get(1, 3).unwrap().offset_bytes(), 515);
        assert_eq!(index.get(1, 4), None);
    }

    #[test]
    fn moving_an_entry_moves_its_usage_and_deleting_clears_usage() {
        let mut index = MemoryIndex::default();
        index.apply(put(1, 0, 1, 512));
        index.apply(put(2, 0, 1, 612));
        assert_eq!(index.live_bytes(1), 200);
        index.apply(put(1, 0, 2, 512));
        assert_eq!(index.live_bytes(1), 100);
        assert_eq!(index.live_bytes(2), 100);
        index.apply(IndexRecord::DeleteLedger { ledger_id: 2 });
        assert_eq!(index.live_bytes(1), 0);
        assert_eq!(index.entries_in_log(2).len(), 1);
        assert_eq!(index.max_log_id(), Some(2));
    }

    #[test]
    fn snapshot_records_rebuild_the_same_index() {
        let mut index = MemoryIndex::default();
        index.apply(put(1, 0, 1, 512));
        index.apply(put(1, 1, 2, 512));
        index.apply(put(3, 7, 2, 612));
        let mut rebuilt = MemoryIndex::default();
        for record in index.snapshot_records() {
            rebuilt.apply(record);
        }
        assert_eq!(rebuilt.live_bytes(1), index.live_bytes(1));
        assert_eq!(rebuilt.live_bytes(2), index.live_bytes(2));
        assert_eq!(rebuilt.get(3, 7), index.get(3, 7));
        assert_eq!(rebuilt.entry_count(), 3);
    }

    #[test]
    fn snapshot_chunks_of_any_size_give_the_records_of_one_pass() {
        let mut index = MemoryIndex::default();
        for (ledger_id, entry_id, log_id) in [(1, 0, 1), (1, 1, 2), (1, 2, 2), (3, 7, 2), (4, 0, 3)]
        {
            index.apply(put(ledger_id, entry_id, log_id, 512));
        }
        let all = index.snapshot_records();
        assert_eq!(
            all.len(),
            5 + 4,
            "five puts and four (log, ledger) usage records"
        );
        for max in 1..=all.len() + 1 {
            let mut cursor = SnapshotCursor::default();
            let mut chunked = Vec::new();
            let mut calls = 0;
            while cursor != SnapshotCursor::Done {
                let before = chunked.len();
                index.snapshot_chunk(&mut cursor, max, &mut chunked);
                assert!(chunked.len() - before <= max);
                calls += 1;
                assert!(calls <= all.len() + 2, "the cursor must advance");
            }
            assert_eq!(chunked, all, "chunks of {max}");
        }
    }
}
