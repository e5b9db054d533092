//! A position in the journal: which file, and which byte offset in it.

/// A position in a journal directory: `(journal file id, byte offset in that file)`.
///
/// Positions order first by file id, then by offset, so "everything below this mark" is
/// well defined across file rollovers. The checkpoint mark (BookKeeper's `lastMark`) is one of
/// these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct JournalPos {
    /// Journal file id (the file is named by this id in lowercase hex).
    pub journal_id: u64,
    /// Byte offset within that file.
    pub offset_bytes: u64,
}

impl JournalPos {
    /// The position before any journal file.
    pub const ZERO: JournalPos = JournalPos {
        journal_id: 0,
        offset_bytes: 0,
    };

    /// Creates a position.
    pub const fn new(journal_id: u64, offset_bytes: u64) -> Self {
        Self {
            journal_id,
            offset_bytes,
        }
    }

    /// Encodes as BookKeeper's 16-byte `lastMark` layout: `i64 journalId, i64 offset`, big-endian.
    pub fn to_be_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.journal_id.to_be_bytes());
        out[8..].copy_from_slice(&self.offset_bytes.to_be_bytes());
        out
    }

    /// Decodes the 16-byte `lastMark` layout; `None` if `bytes` is not exactly 16 bytes long.
    pub fn from_be_bytes(bytes: &[u8]) -> Option<Self> {
        let id: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
        let offset: [u8; 8] = bytes.get(8..16)?.try_into().ok()?;
        if bytes.len() != 16 {
            return None;
        }
        Some(Self {
            journal_id: u64::from_be_bytes(id),
            offset_bytes: u64::from_be_bytes(offset),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_order_by_file_then_offset() {
        assert!(JournalPos::new(1, 900) < JournalPos::new(2, 0));
        assert!(JournalPos::new(2, 0) < JournalPos::new(2, 1));
    }

    #[test]
    fn last_mark_bytes_round_trip_and_match_bookkeeper_layout() {
        // disk/clean/ledgers/current/lastMark of the 4.16.7 fixture: journal 0x1a20188f971, 33280.
        let pos = JournalPos::new(0x1a20188f971, 33280);
        let bytes = pos.to_be_bytes();
        assert_eq!(&bytes[..8], &[0, 0, 0x01, 0xa2, 0x01, 0x88, 0xf9, 0x71]);
        assert_eq!(JournalPos::from_be_bytes(&bytes), Some(pos));
        assert_eq!(JournalPos::from_be_bytes(&bytes[..15]), None);
    }
}
