//! Where an entry lives in the entry logs.

/// The location of an entry: `(entry log id << 32) | byte offset`, as BookKeeper packs it.
///
/// Invariant: the packed value 0 is never a valid location (offset 0 is inside the entry-log
/// header), so indexes may use 0 for "absent".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryLocation(u64);

impl EntryLocation {
    /// Packs a log id and an offset; `None` if the offset does not fit 32 bits or is 0.
    pub fn new(log_id: u32, offset_bytes: u64) -> Option<Self> {
        if offset_bytes == 0 || offset_bytes > u64::from(u32::MAX) {
            return None;
        }
        Some(Self((u64::from(log_id) << 32) | offset_bytes))
    }

    /// Unpacks a stored value; `None` for 0 ("absent").
    pub fn from_packed(packed: u64) -> Option<Self> {
        if packed & 0xffff_ffff == 0 {
            return None;
        }
        Some(Self(packed))
    }

    /// The packed `u64`.
    pub fn packed(self) -> u64 {
        self.0
    }

    /// The entry log id.
    pub fn log_id(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// The byte offset within the entry log.
    pub fn offset_bytes(self) -> u64 {
        self.0 & 0xffff_ffff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_packs_log_id_high_and_offset_low() {
        let loc = EntryLocation::new(7, 1028).unwrap();
        assert_eq!(loc.packed(), (7u64 << 32) | 1028);
        assert_eq!(loc.log_id(), 7);
        assert_eq!(loc.offset_bytes(), 1028);
        assert_eq!(EntryLocation::from_packed(loc.packed()), Some(loc));
    }

    #[test]
    fn zero_offset_is_never_a_location() {
        assert_eq!(EntryLocation::new(1, 0), None);
        assert_eq!(EntryLocation::from_packed(5u64 << 32), None);
        assert_eq!(EntryLocation::new(1, 1 << 32), None);
    }
}
