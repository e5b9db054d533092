//! Journal file names: the file id in lowercase hex, 16 digits, then `.journal`.
//!
//! The extension differs from BookKeeper's `.txn` on purpose: the bytes inside differ too.
//! Invariant: `parse(name(id)) == Some(id)`, and names sort like ids.

/// The file-name suffix of journal files.
pub const SUFFIX: &str = ".journal";

/// The name of journal file `journal_id`.
pub fn name(journal_id: u64) -> String {
    format!("{journal_id:016x}{SUFFIX}")
}

/// The id of a journal file name; `None` if the name is not a journal file name.
pub fn parse(name: &str) -> Option<u64> {
    let hex = name.strip_suffix(SUFFIX)?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_reject_strangers() {
        assert_eq!(name(0x1a2), "00000000000001a2.journal");
        assert_eq!(parse(&name(u64::MAX)), Some(u64::MAX));
        assert_eq!(parse("1a2.txn"), None);
        assert_eq!(parse("00000000000001a2.journal.tmp"), None);
        assert_eq!(parse("zzzzzzzzzzzzzzzz.journal"), None);
    }
}
