//! The (ledger, entry) -> location index: in memory ([`memory`]), persisted as an append-only
//! index journal of CRC'd batches, one per flush ([`journal`]), and compacted from time to time
//! into a snapshot ([`snapshot`]).
//!
//! Restart = load the newest snapshot, then replay every journal whose generation is at least the
//! snapshot's, in order, each up to its first invalid batch (the torn tail of a crash).
//!
//! Invariants:
//! - A snapshot of generation G holds the whole index as of the moment it was written and makes
//!   every journal with a generation below G obsolete.
//! - Each open of the store writes a journal of a fresh generation, so a torn tail is never
//!   followed by newer batches in the same file.

pub(crate) mod file_header;
pub(crate) mod journal;
pub(crate) mod memory;
pub mod record;
pub(crate) mod snapshot;

/// The file name of index journal generation `gen`.
pub fn journal_file_name(gen: u64) -> String {
    format!("index-{gen:016x}.journal")
}

/// The file name of the index snapshot of generation `gen`.
pub fn snapshot_file_name(gen: u64) -> String {
    format!("index-{gen:016x}.snapshot")
}

/// Name of the snapshot while it is written (renamed into place once durable).
pub const SNAPSHOT_TEMP_NAME: &str = "index.snapshot.tmp";

/// The generation named by an index journal file name.
pub fn parse_journal_file_name(name: &str) -> Option<u64> {
    parse_gen(name.strip_prefix("index-")?.strip_suffix(".journal")?)
}

/// The generation named by an index snapshot file name.
pub fn parse_snapshot_file_name(name: &str) -> Option<u64> {
    parse_gen(name.strip_prefix("index-")?.strip_suffix(".snapshot")?)
}

fn parse_gen(hex: &str) -> Option<u64> {
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_file_names_round_trip() {
        assert_eq!(parse_journal_file_name(&journal_file_name(7)), Some(7));
        assert_eq!(parse_snapshot_file_name(&snapshot_file_name(9)), Some(9));
        assert_eq!(parse_journal_file_name(&snapshot_file_name(9)), None);
        assert_eq!(parse_snapshot_file_name(SNAPSHOT_TEMP_NAME), None);
    }
}
