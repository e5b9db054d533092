//! `AvailabilityOfEntriesOfLedger`: the compact list of entry ids a bookie holds for a ledger,
//! carried by GET_LIST_OF_ENTRIES_OF_LEDGER responses (§1.4).
//!
//! Layout: a 64-byte header (`i32 headerVersion = 0`, `i32 numGroups`, zeros), then `numGroups`
//! 24-byte groups `{i64 firstSequenceStart, i64 lastSequenceStart, i32 sequenceSize,
//! i32 sequencePeriod}` sorted by start. A group stands for runs of `sequenceSize` consecutive
//! entry ids starting at `first + k * period` for every start up to `last` (period 0 = one run).
//! Invariants:
//! - A decoded value is well formed: groups are sorted, do not overlap, every run has at least
//!   one entry and every start lies on the period grid; arithmetic never overflows.
//! - Decoding allocates at most one 24-byte group per 24 input bytes.
//! - The encoder builds groups the way BookKeeper does: consecutive ids form a run, and runs of
//!   equal size at a constant distance share a group.

use bytes::BufMut;
use types::EntryId;

/// Size of the header in bytes.
pub const AVAILABILITY_HEADER_BYTES: usize = 64;
/// Size of one encoded group in bytes.
pub const SEQUENCE_GROUP_BYTES: usize = 24;
/// The only header version defined.
pub const AVAILABILITY_HEADER_VERSION: i32 = 0;

/// Runs of `sequence_size` consecutive entries starting every `sequence_period` ids from
/// `first_sequence_start` through `last_sequence_start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SequenceGroup {
    /// Start of the first run.
    pub first_sequence_start: EntryId,
    /// Start of the last run.
    pub last_sequence_start: EntryId,
    /// Entries per run.
    pub sequence_size: i32,
    /// Distance between run starts (0 when the group has one run).
    pub sequence_period: i32,
}

impl SequenceGroup {
    fn run_count(&self) -> i128 {
        if self.sequence_period == 0 {
            return 1;
        }
        (i128::from(self.last_sequence_start) - i128::from(self.first_sequence_start))
            / i128::from(self.sequence_period)
            + 1
    }

    /// One past the last entry id of the group.
    fn end(&self) -> i128 {
        i128::from(self.last_sequence_start) + i128::from(self.sequence_size)
    }

    fn entry_count(&self) -> u64 {
        u64::try_from(self.run_count() * i128::from(self.sequence_size)).unwrap_or(u64::MAX)
    }

    fn contains(&self, entry_id: EntryId) -> bool {
        let offset = i128::from(entry_id) - i128::from(self.first_sequence_start);
        if offset < 0 || i128::from(entry_id) >= self.end() {
            return false;
        }
        if self.sequence_period == 0 {
            return true;
        }
        offset % i128::from(self.sequence_period) < i128::from(self.sequence_size)
    }
}

/// Why availability bytes or an entry list were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    /// Shorter than the header, or not exactly header + groups.
    #[error("availability of {bytes} bytes does not match its header")]
    BadLength {
        /// Input length.
        bytes: usize,
    },
    /// A header version other than 0.
    #[error("unknown availability header version {0}")]
    UnknownVersion(i32),
    /// A group that is not well formed or overlaps the previous one.
    #[error("malformed sequence group {index}")]
    BadGroup {
        /// Index of the offending group.
        index: usize,
    },
    /// Entry ids given to the encoder were negative or not ascending.
    #[error("entry id {entry_id} is negative or out of order")]
    UnsortedEntries {
        /// The offending id.
        entry_id: EntryId,
    },
}

/// The set of entry ids a bookie holds for one ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AvailabilityOfEntriesOfLedger {
    groups: Vec<SequenceGroup>,
}

impl AvailabilityOfEntriesOfLedger {
    /// Builds the set from ascending, non-negative entry ids (duplicates are ignored).
    pub fn from_sorted_entries(
        entries: impl IntoIterator<Item = EntryId>,
    ) -> Result<Self, AvailabilityError> {
        let mut builder = Builder::default();
        for entry_id in entries {
            builder.push(entry_id)?;
        }
        Ok(Self {
            groups: builder.finish(),
        })
    }

    /// Decodes and validates the wire bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, AvailabilityError> {
        let bad_length = AvailabilityError::BadLength { bytes: bytes.len() };
        let header = bytes
            .get(..AVAILABILITY_HEADER_BYTES)
            .ok_or(bad_length.clone())?;
        let version = read_i32(header, 0);
        if version != AVAILABILITY_HEADER_VERSION {
            return Err(AvailabilityError::UnknownVersion(version));
        }
        let group_count = usize::try_from(read_i32(header, 4)).map_err(|_| bad_length.clone())?;
        let groups_bytes = &bytes[AVAILABILITY_HEADER_BYTES..];
        if group_count.checked_mul(SEQUENCE_GROUP_BYTES) != Some(groups_bytes.len()) {
            return Err(bad_length);
        }
        let mut groups = Vec::with_capacity(group_count);
        for (index, chunk) in groups_bytes.chunks_exact(SEQUENCE_GROUP_BYTES).enumerate() {
            let group = SequenceGroup {
                first_sequence_start: read_i64(chunk, 0),
                last_sequence_start: read_i64(chunk, 8),
                sequence_size: read_i32(chunk, 16),
                sequence_period: read_i32(chunk, 20),
            };
            if !is_well_formed(&group)
                || groups.last().is_some_and(|previous: &SequenceGroup| {
                    previous.end() > i128::from(group.first_sequence_start)
                })
            {
                return Err(AvailabilityError::BadGroup { index });
            }
            groups.push(group);
        }
        Ok(Self { groups })
    }

    /// The wire bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            AVAILABILITY_HEADER_BYTES + self.groups.len() * SEQUENCE_GROUP_BYTES,
        );
        out.put_i32(AVAILABILITY_HEADER_VERSION);
        // Group counts above i32::MAX cannot come from a frame-sized input.
        out.put_i32(i32::try_from(self.groups.len()).unwrap_or(i32::MAX));
        out.resize(AVAILABILITY_HEADER_BYTES, 0);
        for group in &self.groups {
            out.put_i64(group.first_sequence_start);
            out.put_i64(group.last_sequence_start);
            out.put_i32(group.sequence_size);
            out.put_i32(group.sequence_period);
        }
        out
    }

    /// The groups, sorted by start.
    pub fn groups(&self) -> &[SequenceGroup] {
        &self.groups
    }

    /// Number of entry ids in the set.
    pub fn total_entries(&self) -> u64 {
        self.groups.iter().fold(0u64, |total, group| {
            total.saturating_add(group.entry_count())
        })
    }

    /// Whether `entry_id` is in the set.
    pub fn contains(&self, entry_id: EntryId) -> bool {
        let index = self
            .groups
            .partition_point(|group| group.first_sequence_start <= entry_id);
        index > 0 && self.groups[index - 1].contains(entry_id)
    }

    /// The entry ids in ascending order (lazily; a set may describe billions of ids).
    pub fn entries(&self) -> impl Iterator<Item = EntryId> + '_ {
        self.groups.iter().flat_map(|group| {
            let period = if group.sequence_period == 0 {
                0
            } else {
                i64::from(group.sequence_period)
            };
            let runs = u64::try_from(group.run_count()).unwrap_or(0);
            (0..runs).flat_map(move |run| {
                // Well-formedness guarantees these stay inside i64.
                let start = group
                    .first_sequence_start
                    .saturating_add(period.saturating_mul(run as i64));
                (0..i64::from(group.sequence_size)).map(move |offset| start.saturating_add(offset))
            })
        })
    }
}

fn is_well_formed(group: &SequenceGroup) -> bool {
    let (first, last) = (
        i128::from(group.first_sequence_start),
        i128::from(group.last_sequence_start),
    );
    let (size, period) = (
        i128::from(group.sequence_size),
        i128::from(group.sequence_period),
    );
    if first < 0 || last < first || size < 1 || last + size - 1 > i128::from(i64::MAX) {
        return false;
    }
    if first == last {
        return period >= 0;
    }
    period >= size && (last - first) % period == 0
}

fn read_i32(bytes: &[u8], offset: usize) -> i32 {
    let mut word = [0u8; 4];
    if let Some(source) = bytes.get(offset..offset + 4) {
        word.copy_from_slice(source);
    }
    i32::from_be_bytes(word)
}

fn read_i64(bytes: &[u8], offset: usize) -> i64 {
    crate::entry::read_i64(bytes, offset)
}

/// Incremental grouping of ascending entry ids into runs and groups.
#[derive(Default)]
struct Builder {
    groups: Vec<SequenceGroup>,
    /// The open run: (start, size).
    run: Option<(EntryId, i32)>,
    /// The open group, extended while runs keep the same size and distance.
    group: Option<SequenceGroup>,
}

impl Builder {
    fn push(&mut self, entry_id: EntryId) -> Result<(), AvailabilityError> {
        let unsorted = AvailabilityError::UnsortedEntries { entry_id };
        if entry_id < 0 {
            return Err(unsorted);
        }
        match self.run {
            None => self.run = Some((entry_id, 1)),
            Some((start, size)) => {
                let end = start + i64::from(size);
                if entry_id < start {
                    return Err(unsorted);
                } else if entry_id < end {
                    // Already in the run: duplicates are ignored, as BookKeeper does.
                } else if entry_id == end && size < i32::MAX {
                    self.run = Some((start, size + 1));
                } else {
                    self.close_run(start, size);
                    self.run = Some((entry_id, 1));
                }
            }
        }
        Ok(())
    }

    fn close_run(&mut self, start: EntryId, size: i32) {
        let run_group = SequenceGroup {
            first_sequence_start: start,
            last_sequence_start: start,
            sequence_size: size,
            sequence_period: 0,
        };
        let Some(group) = self.group.as_mut() else {
            self.group = Some(run_group);
            return;
        };
        let distance = start - group.last_sequence_start;
        let period_fits = match group.sequence_period {
            0 => i32::try_from(distance).is_ok(),
            period => distance == i64::from(period),
        };
        if group.sequence_size == size && period_fits {
            if group.sequence_period == 0 {
                group.sequence_period = i32::try_from(distance).unwrap_or(i32::MAX);
            }
            group.last_sequence_start = start;
        } else {
            self.groups.push(*group);
            self.group = Some(run_group);
        }
    }

    fn finish(mut self) -> Vec<SequenceGroup> {
        if let Some((start, size)) = self.run.take() {
            self.close_run(start, size);
        }
        if let Some(group) = self.group.take() {
            self.groups.push(group);
        }
        self.groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_entries_form_one_run() {
        let set = AvailabilityOfEntriesOfLedger::from_sorted_entries(0..10).expect("sorted");
        assert_eq!(
            set.groups(),
            &[SequenceGroup {
                first_sequence_start: 0,
                last_sequence_start: 0,
                sequence_size: 10,
                sequence_period: 0
            }]
        );
        assert_eq!(set.total_entries(), 10);
    }

    #[test]
    fn striped_entries_share_a_group_with_a_period() {
        // Entries a bookie holds with ensemble 3, write quorum 2: 0,1, 3,4, 6,7, then a lone 9.
        let set = AvailabilityOfEntriesOfLedger::from_sorted_entries([0, 1, 3, 4, 6, 7, 9])
            .expect("sorted");
        assert_eq!(
            set.groups(),
            &[
                SequenceGroup {
                    first_sequence_start: 0,
                    last_sequence_start: 6,
                    sequence_size: 2,
                    sequence_period: 3
                },
                SequenceGroup {
                    first_sequence_start: 9,
                    last_sequence_start: 9,
                    sequence_size: 1,
                    sequence_period: 0
                },
            ]
        );
        assert_eq!(set.entries().collect::<Vec<_>>(), vec![0, 1, 3, 4, 6, 7, 9]);
        assert!(set.contains(4) && !set.contains(5) && !set.contains(8) && set.contains(9));
    }

    #[test]
    fn encoding_round_trips_and_has_the_documented_layout() {
        let set =
            AvailabilityOfEntriesOfLedger::from_sorted_entries([2, 3, 7, 8, 20]).expect("sorted");
        let bytes = set.encode();
        assert_eq!(
            bytes.len(),
            AVAILABILITY_HEADER_BYTES + 2 * SEQUENCE_GROUP_BYTES
        );
        assert_eq!(&bytes[..8], &[0, 0, 0, 0, 0, 0, 0, 2]);
        assert!(bytes[8..64].iter().all(|byte| *byte == 0));
        assert_eq!(AvailabilityOfEntriesOfLedger::decode(&bytes), Ok(set));
    }

    #[test]
    fn empty_set_is_just_a_header() {
        let set = AvailabilityOfEntriesOfLedger::from_sorted_entries([]).expect("empty");
        assert_eq!(set.encode(), vec![0; 64]);
        assert_eq!(AvailabilityOfEntriesOfLedger::decode(&[0; 64]), Ok(set));
    }

    #[test]
    fn unsorted_or_negative_entries_are_rejected() {
        let result = AvailabilityOfEntriesOfLedger::from_sorted_entries([5, 3]);
        assert_eq!(
            result,
            Err(AvailabilityError::UnsortedEntries { entry_id: 3 })
        );
        assert!(AvailabilityOfEntriesOfLedger::from_sorted_entries([-1]).is_err());
    }

    #[test]
    fn hostile_headers_and_groups_are_rejected() {
        let mut bytes = vec![0u8; 64];
        bytes[4..8].copy_from_slice(&i32::MAX.to_be_bytes());
        assert!(matches!(
            AvailabilityOfEntriesOfLedger::decode(&bytes),
            Err(AvailabilityError::BadLength { .. })
        ));
        bytes[4..8].copy_from_slice(&(-1i32).to_be_bytes());
        assert!(matches!(
            AvailabilityOfEntriesOfLedger::decode(&bytes),
            Err(AvailabilityError::BadLength { .. })
        ));
        bytes[3] = 1;
        assert_eq!(
            AvailabilityOfEntriesOfLedger::decode(&bytes),
            Err(AvailabilityError::UnknownVersion(1))
        );

        let overlapping = AvailabilityOfEntriesOfLedger {
            groups: vec![
                SequenceGroup {
                    first_sequence_start: 0,
                    last_sequence_start: 0,
                    sequence_size: 5,
                    sequence_period: 0,
                },
                SequenceGroup {
                    first_sequence_start: 4,
                    last_sequence_start: 4,
                    sequence_size: 1,
                    sequence_period: 0,
                },
            ],
        };
        let result = AvailabilityOfEntriesOfLedger::decode(&overlapping.encode());
        assert_eq!(result, Err(AvailabilityError::BadGroup { index: 1 }));

        let overflowing = AvailabilityOfEntriesOfLedger {
            groups: vec![SequenceGroup {
                first_sequence_start: 0,
                last_sequence_start: i64::MAX,
                sequence_size: 2,
                sequence_period: 1,
            }],
        };
        let result = AvailabilityOfEntriesOfLedger::decode(&overflowing.encode());
        assert_eq!(result, Err(AvailabilityError::BadGroup { index: 0 }));
    }
}
