//! Domain types shared by every crate of the bookie.
//!
//! This crate owns the small vocabulary that the protocol, the journal, the ledger store and the
//! server agree on: ids, special entry ids, journal positions and entry locations.
//! It never does I/O and depends on nothing.
//!
//! Invariants:
//! - Ledger ids and entry ids are `i64`, as on BookKeeper's wire; negative entry ids are reserved
//!   for the special markers in [`special_entry`].
//! - Every multi-byte integer that crosses the wire or a BookKeeper-compatible file is big-endian.

#![deny(unsafe_code)]

pub mod ids;
pub mod journal_pos;
pub mod location;

pub use ids::{EntryId, LedgerId, MasterKey, MASTER_KEY_LEN_BYTES};
pub use journal_pos::JournalPos;
pub use location::EntryLocation;

/// Entry ids with special meaning (spec §0 and §3.3).
pub mod special_entry {
    use crate::EntryId;

    /// "The last entry you have": READ of this id returns the highest stored entry.
    pub const LAST_ADD_CONFIRMED: EntryId = -1;
    /// No entry has been confirmed yet (the LAC of an empty ledger).
    pub const INVALID: EntryId = -1;
    /// Journal record carrying a ledger's master key (BookKeeper -0x1000).
    pub const LEDGER_KEY: EntryId = -0x1000;
    /// Journal record marking a ledger fenced (BookKeeper -0x2000).
    pub const FENCE: EntryId = -0x2000;
    /// Queue marker for force-ledger; never written (BookKeeper -0x4000).
    pub const FORCE_LEDGER: EntryId = -0x4000;
    /// Journal record carrying an explicit LAC blob (BookKeeper -0x8000).
    pub const EXPLICIT_LAC: EntryId = -0x8000;
}
