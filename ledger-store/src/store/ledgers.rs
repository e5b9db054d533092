//! Ledger-state operations and the add path: memory only, durable at the next flush.

use bytes::Bytes;
use disk::DurableDir;
use types::{EntryId, LedgerId, MasterKey};

use super::LedgerStore;
use crate::entry_log::format::body_last_add_confirmed;
use crate::error::StoreError;
use crate::ledger_state::LedgerState;
use crate::write_cache::CacheInsert;

/// Shortest body accepted: the 32-byte header of spec §2.1 (ids, LAC, length).
pub const ENTRY_BODY_BYTES_MIN: usize = 32;

impl<D: DurableDir> LedgerStore<D> {
    /// Returns the ledger's state, creating the ledger with `master_key` if it is unknown.
    /// [`StoreError::KeyMismatch`] if it exists with another key.
    pub fn get_or_create_ledger(
        &self,
        ledger_id: LedgerId,
        master_key: &MasterKey,
    ) -> Result<LedgerState, StoreError> {
        let mut states = self.states.borrow_mut();
        if let Some(state) = states.get(&ledger_id) {
            if &state.master_key != master_key {
                return Err(StoreError::KeyMismatch { ledger_id });
            }
            return Ok(state.clone());
        }
        self.check_not_poisoned()?;
        let state = LedgerState::new(*master_key);
        states.insert(ledger_id, state.clone());
        self.mark_states_changed();
        Ok(state)
    }

    /// The ledger's state, if it exists.
    pub fn ledger_state(&self, ledger_id: LedgerId) -> Option<LedgerState> {
        self.states.borrow().get(&ledger_id).cloned()
    }

    /// Whether the ledger exists.
    pub fn ledger_exists(&self, ledger_id: LedgerId) -> bool {
        self.states.borrow().contains_key(&ledger_id)
    }

    /// Every existing ledger id, ascending.
    pub fn ledger_ids(&self) -> Vec<LedgerId> {
        self.states.borrow().keys().copied().collect()
    }

    /// Fences the ledger; `Ok(true)` if it was not fenced before.
    pub fn set_fenced(&self, ledger_id: LedgerId) -> Result<bool, StoreError> {
        self.check_not_poisoned()?;
        let mut states = self.states.borrow_mut();
        let state = states
            .get_mut(&ledger_id)
            .ok_or(StoreError::NoLedger { ledger_id })?;
        if state.fenced {
            return Ok(false);
        }
        state.fenced = true;
        self.mark_states_changed();
        Ok(true)
    }

    /// Stores the explicit-LAC blob (spec §2.4) of the ledger.
    pub fn set_explicit_lac(&self, ledger_id: LedgerId, blob: &[u8]) -> Result<(), StoreError> {
        self.check_not_poisoned()?;
        if blob.len() > self.config.explicit_lac_bytes_max {
            return Err(StoreError::InvalidEntry {
                ledger_id,
                entry_id: -1,
                reason: "explicit LAC blob too long",
            });
        }
        let mut states = self.states.borrow_mut();
        let state = states
            .get_mut(&ledger_id)
            .ok_or(StoreError::NoLedger { ledger_id })?;
        state.explicit_lac = Some(blob.to_vec());
        self.mark_states_changed();
        Ok(())
    }

    /// Accepts an entry body (stored byte-identical). Idempotent: adding an (ledger, entry) that
    /// is already cached or indexed changes nothing (the first body wins; the protocol never
    /// sends two bodies for one entry). [`StoreError::WriteCacheFull`] asks the caller to flush.
    pub fn add_entry(
        &self,
        ledger_id: LedgerId,
        entry_id: EntryId,
        body: Bytes,
    ) -> Result<(), StoreError> {
        self.check_not_poisoned()?;
        if entry_id < 0 {
            return Err(StoreError::InvalidEntry {
                ledger_id,
                entry_id,
                reason: "negative entry id",
            });
        }
        if body.len() < ENTRY_BODY_BYTES_MIN {
            return Err(StoreError::InvalidEntry {
                ledger_id,
                entry_id,
                reason: "body shorter than 32 bytes",
            });
        }
        if body.len() > self.config.entry_bytes_max {
            return Err(StoreError::InvalidEntry {
                ledger_id,
                entry_id,
                reason: "body longer than entry_bytes_max",
            });
        }
        if !self.ledger_exists(ledger_id) {
            return Err(StoreError::NoLedger { ledger_id });
        }
        let lac = body_last_add_confirmed(&body);
        if self.indexed_location(ledger_id, entry_id).is_none() {
            let inserted = self
                .write_cache
                .borrow_mut()
                .insert(ledger_id, entry_id, body);
            if inserted == CacheInsert::Full {
                return Err(StoreError::WriteCacheFull {
                    cache_bytes_max: self.config.write_cache_bytes_max,
                });
            }
        }
        if let Some(lac) = lac {
            let mut states = self.states.borrow_mut();
            if let Some(state) = states.get_mut(&ledger_id) {
                if lac > state.last_add_confirmed {
                    state.last_add_confirmed = lac;
                    self.mark_states_changed();
                }
            }
        }
        Ok(())
    }

    /// The bookie-side LAC: the highest LAC field seen in the ledger's added entries (-1 if none).
    pub fn last_add_confirmed(&self, ledger_id: LedgerId) -> Result<EntryId, StoreError> {
        self.states
            .borrow()
            .get(&ledger_id)
            .map(|state| state.last_add_confirmed)
            .ok_or(StoreError::NoLedger { ledger_id })
    }

    /// The highest entry id stored (cached or indexed), `None` for an empty ledger.
    pub fn last_entry_id(&self, ledger_id: LedgerId) -> Result<Option<EntryId>, StoreError> {
        if !self.ledger_exists(ledger_id) {
            return Err(StoreError::NoLedger { ledger_id });
        }
        let cached = self.write_cache.borrow().last_entry(ledger_id);
        let indexed = if self.index_visible(ledger_id) {
            self.index.borrow().last_entry(ledger_id)
        } else {
            None
        };
        Ok(cached.max(indexed))
    }

    /// Every stored entry id of the ledger, ascending (GET_LIST_OF_ENTRIES_OF_LEDGER).
    pub fn list_entries(&self, ledger_id: LedgerId) -> Result<Vec<EntryId>, StoreError> {
        if !self.ledger_exists(ledger_id) {
            return Err(StoreError::NoLedger { ledger_id });
        }
        let mut ids = if self.index_visible(ledger_id) {
            self.index.borrow().entry_ids(ledger_id)
        } else {
            Vec::new()
        };
        ids.extend(self.write_cache.borrow().entry_ids(ledger_id));
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Whether the index speaks for this ledger: not while a deletion of it awaits its durable
    /// tombstone (the entries still indexed belong to the deleted incarnation).
    pub(super) fn index_visible(&self, ledger_id: LedgerId) -> bool {
        !self.pending_deletions.borrow().contains(&ledger_id)
    }

    /// The indexed location of an entry, if the index speaks for its ledger.
    pub(super) fn indexed_location(
        &self,
        ledger_id: LedgerId,
        entry_id: EntryId,
    ) -> Option<types::EntryLocation> {
        if !self.index_visible(ledger_id) {
            return None;
        }
        self.index.borrow().get(ledger_id, entry_id)
    }

    /// Deletes the ledger: it is gone for reads at once, durably gone after the next flush, and
    /// its space is reclaimed by GC/compaction after that. `Ok(false)` if it did not exist.
    pub fn delete_ledger(&self, ledger_id: LedgerId) -> Result<bool, StoreError> {
        self.check_not_poisoned()?;
        if self.states.borrow_mut().remove(&ledger_id).is_none() {
            return Ok(false);
        }
        self.mark_states_changed();
        self.pending_deletions.borrow_mut().insert(ledger_id);
        self.write_cache.borrow_mut().remove_ledger(ledger_id);
        self.read_cache.borrow_mut().remove_ledger(ledger_id);
        Ok(true)
    }
}
