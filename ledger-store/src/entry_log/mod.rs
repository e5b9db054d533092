//! Entry logs: append-only files of CRC-protected entry records, sorted by (ledger, entry) within
//! each flush.
//!
//! This module owns the file naming, the byte format ([`format`]), the appending writer
//! ([`writer`]) and the checked reads ([`reader`]).
//!
//! Invariants:
//! - Synced bytes of an entry log are never written again: every flush ends on an aligned
//!   boundary padded with zeros, and the next flush starts after it.
//! - A log id is never reused while any file or index record may name it: new ids come from
//!   above the largest id seen in the directory and in the index.

pub mod format;
pub(crate) mod reader;
pub(crate) mod writer;

/// File-name suffix of entry logs.
pub const LOG_SUFFIX: &str = ".entrylog";

/// The file name of entry log `log_id`: eight lowercase hex digits and [`LOG_SUFFIX`].
pub fn log_file_name(log_id: u32) -> String {
    format!("{log_id:08x}{LOG_SUFFIX}")
}

/// The log id named by `name`, if it is an entry-log file name.
pub fn parse_log_file_name(name: &str) -> Option<u32> {
    let hex = name.strip_suffix(LOG_SUFFIX)?;
    if hex.len() != 8 {
        return None;
    }
    u32::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_names_round_trip_and_reject_strangers() {
        assert_eq!(log_file_name(0x1a), "0000001a.entrylog");
        assert_eq!(parse_log_file_name("0000001a.entrylog"), Some(0x1a));
        assert_eq!(parse_log_file_name("1a.entrylog"), None);
        assert_eq!(parse_log_file_name("0000001a.log"), None);
    }
}
