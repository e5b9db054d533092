//! Fast scoring of replacement candidates: the worst rack and region spread of the write-quorum
//! windows that contain one ensemble position, with a candidate placed there.
//!
//! This module owns the precomputation that makes scoring every candidate cheap: the ensemble's
//! racks and regions are interned to small integers once, and each candidate costs
//! O(Qw * Qw_windows) integer operations instead of string lookups and set allocations.
//! Invariant: `score` agrees with [`crate::adherence::worst_spread`] on the trial ensemble
//! (checked by a unit test below).

use std::collections::BTreeMap;

use crate::adherence::WindowSpread;
use crate::location::NetworkLocation;
use crate::write_set::Quorums;

/// Interned locations of an ensemble and the windows containing one position.
pub(crate) struct WindowScorer<'a> {
    rack_ids: BTreeMap<&'a str, usize>,
    region_ids: BTreeMap<&'a str, usize>,
    /// `(rack id, region id)` per position; the scored position's entry is replaced per call.
    members: Vec<(usize, usize)>,
    /// Positions of each window containing `position`.
    windows: Vec<Vec<usize>>,
    position: usize,
}

impl<'a> WindowScorer<'a> {
    /// Prepares scoring for `position` of an ensemble whose members sit at `locations`.
    pub(crate) fn new(
        quorums: &Quorums,
        locations: &[&'a NetworkLocation],
        position: usize,
    ) -> Self {
        let mut rack_ids = BTreeMap::new();
        let mut region_ids = BTreeMap::new();
        let members = locations
            .iter()
            .map(|location| {
                (
                    intern(&mut rack_ids, location.rack()),
                    intern(&mut region_ids, location.region()),
                )
            })
            .collect();
        let size = quorums.ensemble_size();
        let width = quorums.write_quorum();
        let starts: Vec<usize> = if width < size {
            (0..width)
                .map(|back| (position + size - back) % size)
                .collect()
        } else {
            vec![0]
        };
        let windows = starts
            .into_iter()
            .map(|start| (0..width).map(|offset| (start + offset) % size).collect())
            .collect();
        Self {
            rack_ids,
            region_ids,
            members,
            windows,
            position,
        }
    }

    /// Worst spread over the windows containing the position, with `candidate` placed there.
    pub(crate) fn score(&self, candidate: &NetworkLocation) -> WindowSpread {
        // Unknown racks or regions get an id no member has.
        let rack = self
            .rack_ids
            .get(candidate.rack())
            .copied()
            .unwrap_or(usize::MAX);
        let region = self
            .region_ids
            .get(candidate.region())
            .copied()
            .unwrap_or(usize::MAX);
        let mut worst = WindowSpread {
            racks: usize::MAX,
            regions: usize::MAX,
        };
        let mut seen_racks: Vec<usize> = Vec::new();
        let mut seen_regions: Vec<usize> = Vec::new();
        for window in &self.windows {
            seen_racks.clear();
            seen_regions.clear();
            for &position in window {
                let (member_rack, member_region) = if position == self.position {
                    (rack, region)
                } else {
                    self.members[position]
                };
                if !seen_racks.contains(&member_rack) {
                    seen_racks.push(member_rack);
                }
                if !seen_regions.contains(&member_region) {
                    seen_regions.push(member_region);
                }
            }
            worst.racks = worst.racks.min(seen_racks.len());
            worst.regions = worst.regions.min(seen_regions.len());
        }
        worst
    }

    /// Whether any member other than the scored position sits in `rack`.
    pub(crate) fn rest_uses_rack(&self, rack: &str) -> bool {
        let Some(&id) = self.rack_ids.get(rack) else {
            return false;
        };
        self.members
            .iter()
            .enumerate()
            .any(|(position, &(member_rack, _))| position != self.position && member_rack == id)
    }
}

fn intern<'a>(ids: &mut BTreeMap<&'a str, usize>, key: &'a str) -> usize {
    let next = ids.len();
    *ids.entry(key).or_insert(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adherence::worst_spread;
    use crate::mapping::RackMapping;
    use crate::topology::Topology;

    #[test]
    fn score_matches_worst_spread_of_trial_ensemble() {
        let mapping =
            RackMapping::parse("a /eu/r1\nb /eu/r2\nc /us/r1\nd /us/r2\nx /ap/r9\ny /eu/r1\n")
                .unwrap();
        let topology = Topology::new(mapping, ["a", "b", "c", "d", "x", "y"]);
        let ensemble = ["a", "b", "c", "d"];
        for (write_quorum, position) in [(2, 0), (3, 1), (4, 3), (3, 3)] {
            let quorums = Quorums::new(4, write_quorum, 1).unwrap();
            let locations: Vec<&NetworkLocation> = ensemble
                .iter()
                .map(|bookie| topology.location_of(bookie))
                .collect();
            let scorer = WindowScorer::new(&quorums, &locations, position);
            for candidate in ["x", "y", "d"] {
                let mut trial = ensemble;
                trial[position] = candidate;
                let expected = worst_spread(&topology, &quorums, &trial, Some(position));
                assert_eq!(
                    scorer.score(topology.location_of(candidate)),
                    expected,
                    "Qw={write_quorum} {candidate}@{position}"
                );
            }
        }
    }
}
