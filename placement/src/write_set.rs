//! Quorum sizes, round-robin write sets and the quorum arithmetic built on them (spec §6.2,
//! §6.4, §6.5).
//!
//! This module owns [`Quorums`] (E, Qw, Qa validated once) and the pure functions that say which
//! ensemble positions store an entry and when enough of them answered.
//! Invariants: `E >= Qw >= Qa >= 1` for every [`Quorums`] value; the write set of entry `e` is
//! `[(e + i) mod E for i in 0..Qw]` computed without overflow for every non-negative `i64` entry
//! id (BookKeeper's Java helper truncates `e + i` to 32 bits; we do not); nothing here panics on
//! caller input.

use types::EntryId;

/// Why quorum sizes or an entry id were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuorumError {
    /// The sizes break `E >= Qw >= Qa >= 1` (spec §6.1).
    #[error(
        "invalid quorum sizes E={ensemble_size} Qw={write_quorum} Qa={ack_quorum}: need E >= Qw >= Qa >= 1"
    )]
    InvalidSizes {
        /// Ensemble size E.
        ensemble_size: usize,
        /// Write quorum Qw.
        write_quorum: usize,
        /// Ack quorum Qa.
        ack_quorum: usize,
    },
    /// Negative entry ids are markers (spec §0), not entries, and have no write set.
    #[error("entry id {0} is negative and has no write set")]
    NegativeEntryId(EntryId),
}

/// Validated ensemble size E, write quorum Qw and ack quorum Qa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quorums {
    ensemble_size: usize,
    write_quorum: usize,
    ack_quorum: usize,
}

impl Quorums {
    /// Checks `E >= Qw >= Qa >= 1`.
    pub fn new(
        ensemble_size: usize,
        write_quorum: usize,
        ack_quorum: usize,
    ) -> Result<Self, QuorumError> {
        let valid = ack_quorum >= 1 && write_quorum >= ack_quorum && ensemble_size >= write_quorum;
        if !valid {
            return Err(QuorumError::InvalidSizes {
                ensemble_size,
                write_quorum,
                ack_quorum,
            });
        }
        Ok(Self {
            ensemble_size,
            write_quorum,
            ack_quorum,
        })
    }

    /// Ensemble size E.
    pub fn ensemble_size(&self) -> usize {
        self.ensemble_size
    }

    /// Write quorum Qw.
    pub fn write_quorum(&self) -> usize {
        self.write_quorum
    }

    /// Ack quorum Qa.
    pub fn ack_quorum(&self) -> usize {
        self.ack_quorum
    }

    /// Ensemble positions that store `entry_id` (spec §6.2).
    pub fn write_set(&self, entry_id: EntryId) -> Result<Vec<usize>, QuorumError> {
        let entry = u64::try_from(entry_id).map_err(|_| QuorumError::NegativeEntryId(entry_id))?;
        Ok(striped_positions(
            entry,
            self.ensemble_size,
            self.write_quorum,
        ))
    }

    /// Every distinct write set of the ensemble: window `i` is the write set of entry `i`,
    /// positions `i..i+Qw-1 (mod E)`. These are the windows placement constraints apply to.
    pub fn write_quorum_windows(&self) -> impl Iterator<Item = Vec<usize>> + '_ {
        (0..self.ensemble_size as u64)
            .map(|start| striped_positions(start, self.ensemble_size, self.write_quorum))
    }

    /// Whether Qa distinct members of `write_set` appear in `acked_positions` (spec §6.2).
    /// Positions outside the write set and repeated acks do not count.
    pub fn ack_quorum_met(&self, write_set: &[usize], acked_positions: &[usize]) -> bool {
        let acked_members = write_set
            .iter()
            .enumerate()
            .filter(|(index, position)| !write_set[..*index].contains(position))
            .filter(|(_, position)| acked_positions.contains(position))
            .count();
        acked_members >= self.ack_quorum
    }

    /// Read-LAC coverage (spec §6.4): true when, for every write-quorum window, fewer than Qa
    /// members have not answered. `answered[i]` is whether position `i` gave a valid answer;
    /// missing trailing entries count as unanswered.
    pub fn ensemble_covered(&self, answered: &[bool]) -> bool {
        self.write_quorum_windows().all(|window| {
            let unanswered = window
                .iter()
                .filter(|&&position| !answered.get(position).copied().unwrap_or(false))
                .count();
            unanswered < self.ack_quorum
        })
    }

    /// Recovery (spec §6.5): an entry is missing once `Qw - Qa + 1` members of its write set said
    /// it does not exist, because then no ack quorum can hold it.
    pub fn entry_missing(&self, negative_answers: usize) -> bool {
        negative_answers > self.write_quorum - self.ack_quorum
    }
}

/// Write set of entry `entry_id` for ensemble size `ensemble_size` and write quorum
/// `write_quorum`: `[(e + i) mod E for i in 0..Qw]` (spec §6.2).
pub fn write_set(
    entry_id: EntryId,
    ensemble_size: usize,
    write_quorum: usize,
) -> Result<Vec<usize>, QuorumError> {
    // Qa does not affect the write set; 1 is the weakest value that keeps the sizes valid.
    Quorums::new(ensemble_size, write_quorum, 1)?.write_set(entry_id)
}

/// The formula itself, in 128-bit arithmetic so `e + i` cannot overflow for any inputs.
fn striped_positions(entry: u64, ensemble_size: usize, write_quorum: usize) -> Vec<usize> {
    let modulus = ensemble_size as u128;
    (0..write_quorum as u128)
        .map(|offset| ((u128::from(entry) + offset) % modulus) as usize)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_set_follows_round_robin_formula() {
        assert_eq!(write_set(0, 3, 2).unwrap(), vec![0, 1]);
        assert_eq!(write_set(2, 3, 2).unwrap(), vec![2, 0]);
        assert_eq!(write_set(7, 5, 3).unwrap(), vec![2, 3, 4]);
        assert_eq!(write_set(9, 5, 5).unwrap(), vec![4, 0, 1, 2, 3]);
    }

    #[test]
    fn write_set_uses_64_bit_entry_ids_without_truncation() {
        // 2^31 + 1: a 32-bit cast would go negative and the Java helper would misplace it.
        let entry: EntryId = (1 << 31) + 1;
        assert_eq!(write_set(entry, 3, 2).unwrap(), vec![0, 1]);
        assert_eq!(write_set(i64::MAX, 10, 3).unwrap(), vec![7, 8, 9]);
    }

    #[test]
    fn invalid_sizes_and_negative_entries_are_errors() {
        assert!(matches!(
            write_set(0, 0, 0),
            Err(QuorumError::InvalidSizes { .. })
        ));
        assert!(matches!(
            write_set(0, 2, 3),
            Err(QuorumError::InvalidSizes { .. })
        ));
        assert_eq!(write_set(-1, 3, 2), Err(QuorumError::NegativeEntryId(-1)));
        assert!(Quorums::new(3, 2, 3).is_err());
        assert!(Quorums::new(3, 3, 3).is_ok());
    }

    #[test]
    fn ack_quorum_counts_distinct_write_set_members_only() {
        let quorums = Quorums::new(5, 3, 2).unwrap();
        let set = quorums.write_set(4).unwrap();
        assert_eq!(set, vec![4, 0, 1]);
        assert!(!quorums.ack_quorum_met(&set, &[4, 4, 2, 3]));
        assert!(quorums.ack_quorum_met(&set, &[4, 1]));
    }

    #[test]
    fn coverage_needs_fewer_than_qa_unanswered_in_every_window() {
        let quorums = Quorums::new(3, 2, 2).unwrap();
        // One unanswered bookie leaves every window with at most 1 < Qa unanswered.
        assert!(quorums.ensemble_covered(&[true, false, true]));
        // Two adjacent unanswered bookies leave window [1, 2] with 2 unanswered.
        assert!(!quorums.ensemble_covered(&[true, false, false]));
        assert!(!quorums.ensemble_covered(&[true]));
    }

    #[test]
    fn entry_is_missing_after_qw_minus_qa_plus_one_negative_answers() {
        let quorums = Quorums::new(3, 3, 2).unwrap();
        assert!(!quorums.entry_missing(1));
        assert!(quorums.entry_missing(2));
    }

    #[test]
    fn windows_are_the_write_sets_of_the_first_e_entries() {
        let quorums = Quorums::new(4, 3, 2).unwrap();
        let windows: Vec<_> = quorums.write_quorum_windows().collect();
        assert_eq!(
            windows,
            vec![vec![0, 1, 2], vec![1, 2, 3], vec![2, 3, 0], vec![3, 0, 1]]
        );
    }
}
