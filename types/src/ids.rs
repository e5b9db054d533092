//! Ledger and entry identifiers and the ledger master key.

/// A ledger identifier, as on the wire (`i64`).
pub type LedgerId = i64;

/// An entry identifier within a ledger, as on the wire (`i64`); negative values are markers.
pub type EntryId = i64;

/// Length of a master key: SHA-1 of `"ledger" ‖ password`.
pub const MASTER_KEY_LEN_BYTES: usize = 20;

/// A ledger's master key (SHA-1 of `"ledger" ‖ password`), checked on every keyed request.
pub type MasterKey = [u8; MASTER_KEY_LEN_BYTES];
