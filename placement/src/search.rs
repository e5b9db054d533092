//! Exhaustive, budgeted search for a rack sequence whose write-quorum windows meet spread targets.
//!
//! This module owns the combinatorial core of new-ensemble placement. Bookies in one rack are
//! interchangeable for every rule we check (rules look only at racks and regions), so the search
//! assigns a rack to each ensemble position and the caller picks bookies inside racks afterwards.
//!
//! Method: depth-first over positions `0..E`, trying racks in preference order (the local rack
//! first for position 0, then fewest conflicts with the positions that share a window, then the
//! caller's tie key, then most bookies left),
//! pruning a branch when some window containing the new position can no longer reach its target
//! (distinct domains so far + unassigned positions < target). Untouched racks with the same
//! region and capacity are interchangeable, so only the first of them is tried at each node.
//!
//! Invariants: a `Found` sequence uses each rack at most `capacity` times and every cyclic window
//! of `write_quorum` positions spans at least `rack_min` racks and `region_min` regions;
//! `Impossible` is returned only after the whole (symmetry-reduced) space was explored; the number
//! of nodes visited never exceeds `nodes_max`. The search is deterministic: randomness enters only
//! through the order of `racks`, which the caller shuffles with its seeded RNG.

use std::cmp::Reverse;

use crate::load::LoadKey;

/// One rack as the search sees it.
#[derive(Debug, Clone)]
pub(crate) struct RackSlot {
    /// Index of the rack's region (all zero when regions do not matter).
    pub region: usize,
    /// Eligible bookies in the rack.
    pub capacity: usize,
    /// Tie key among equally preferred racks (load of the rack's best bookie, or constant).
    pub tie_key: LoadKey,
    /// Whether this is the client's local rack, preferred for position 0 (BookKeeper places the
    /// first bookie near the writer).
    pub local: bool,
}

/// The question asked of the search.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SpreadProblem {
    pub ensemble_size: usize,
    pub write_quorum: usize,
    pub rack_min: usize,
    pub region_min: usize,
    pub nodes_max: usize,
}

/// The search's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SearchOutcome {
    /// Rack index (into the caller's slice) per ensemble position.
    Found(Vec<usize>),
    /// No arrangement exists.
    Impossible,
    /// `nodes_max` ran out first.
    BudgetExhausted,
}

struct Search<'a> {
    racks: &'a [RackSlot],
    problem: SpreadProblem,
    remaining: Vec<usize>,
    assigned: Vec<usize>,
    nodes: usize,
}

/// Searches for a rack per position meeting `problem`'s targets.
pub(crate) fn find_spread(racks: &[RackSlot], problem: SpreadProblem) -> SearchOutcome {
    let total: usize = racks.iter().map(|rack| rack.capacity).sum();
    if total < problem.ensemble_size
        || problem.write_quorum == 0
        || problem.write_quorum > problem.ensemble_size
    {
        return SearchOutcome::Impossible;
    }
    let mut search = Search {
        racks,
        problem,
        remaining: racks.iter().map(|rack| rack.capacity).collect(),
        assigned: Vec::with_capacity(problem.ensemble_size),
        nodes: 0,
    };
    match search.extend() {
        Step::Found => SearchOutcome::Found(search.assigned),
        Step::Dead => SearchOutcome::Impossible,
        Step::OutOfBudget => SearchOutcome::BudgetExhausted,
    }
}

enum Step {
    Found,
    Dead,
    OutOfBudget,
}

impl Search<'_> {
    fn extend(&mut self) -> Step {
        let position = self.assigned.len();
        if position == self.problem.ensemble_size {
            return Step::Found;
        }
        let mut tried_fresh: Vec<(usize, usize)> = Vec::new();
        for rack in self.preference_order(position) {
            let slot = &self.racks[rack];
            let fresh = self.remaining[rack] == slot.capacity;
            if fresh {
                // An untouched rack is interchangeable with an untouched rack of the same region
                // and capacity that was already explored from this node.
                if tried_fresh.contains(&(slot.region, slot.capacity)) {
                    continue;
                }
                tried_fresh.push((slot.region, slot.capacity));
            }
            self.nodes += 1;
            if self.nodes > self.problem.nodes_max {
                return Step::OutOfBudget;
            }
            self.assigned.push(rack);
            self.remaining[rack] -= 1;
            if self.windows_still_reachable(position) {
                match self.extend() {
                    Step::Dead => {}
                    other => return other,
                }
            }
            self.remaining[rack] += 1;
            self.assigned.pop();
        }
        Step::Dead
    }

    /// Racks with bookies left, most preferred first; ties keep the caller's (shuffled) order.
    fn preference_order(&self, position: usize) -> Vec<usize> {
        let neighbours = self.assigned_neighbours(position);
        let mut order: Vec<usize> = (0..self.racks.len())
            .filter(|&rack| self.remaining[rack] > 0)
            .collect();
        order.sort_by_key(|&rack| {
            let slot = &self.racks[rack];
            let region_conflicts = neighbours
                .iter()
                .filter(|&&other| self.racks[other].region == slot.region)
                .count();
            let rack_conflicts = neighbours.iter().filter(|&&other| other == rack).count();
            let remote_first_bookie = position == 0 && !slot.local;
            (
                remote_first_bookie,
                region_conflicts,
                rack_conflicts,
                slot.tie_key,
                Reverse(self.remaining[rack]),
            )
        });
        order
    }

    /// Racks at assigned positions that share a write-quorum window with `position`.
    fn assigned_neighbours(&self, position: usize) -> Vec<usize> {
        let size = self.problem.ensemble_size;
        let reach = self.problem.write_quorum - 1;
        (0..self.assigned.len())
            .filter(|&other| {
                let forward = (other + size - position) % size;
                let backward = (position + size - other) % size;
                forward <= reach || backward <= reach
            })
            .map(|other| self.assigned[other])
            .collect()
    }

    /// Whether every window containing the just-assigned `position` can still meet its targets.
    fn windows_still_reachable(&self, position: usize) -> bool {
        let size = self.problem.ensemble_size;
        let width = self.problem.write_quorum;
        // With Qw == E every window is the whole ensemble, so one check suffices.
        let window_count = if width == size { 1 } else { width };
        (0..window_count).all(|back| {
            let start = (position + size - back) % size;
            self.window_reachable(start)
        })
    }

    fn window_reachable(&self, start: usize) -> bool {
        let size = self.problem.ensemble_size;
        let mut racks: Vec<usize> = Vec::with_capacity(self.problem.write_quorum);
        let mut regions: Vec<usize> = Vec::with_capacity(self.problem.write_quorum);
        let mut unassigned = 0;
        for offset in 0..self.problem.write_quorum {
            match self.assigned.get((start + offset) % size) {
                Some(&rack) => {
                    if !racks.contains(&rack) {
                        racks.push(rack);
                    }
                    let region = self.racks[rack].region;
                    if !regions.contains(&region) {
                        regions.push(region);
                    }
                }
                None => unassigned += 1,
            }
        }
        racks.len() + unassigned >= self.problem.rack_min
            && regions.len() + unassigned >= self.problem.region_min
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(capacities: &[(usize, usize)]) -> Vec<RackSlot> {
        capacities
            .iter()
            .map(|&(region, capacity)| RackSlot {
                region,
                capacity,
                tie_key: (false, 0, Reverse(0)),
                local: false,
            })
            .collect()
    }

    fn problem(
        ensemble_size: usize,
        write_quorum: usize,
        rack_min: usize,
        region_min: usize,
    ) -> SpreadProblem {
        SpreadProblem {
            ensemble_size,
            write_quorum,
            rack_min,
            region_min,
            nodes_max: 100_000,
        }
    }

    #[test]
    fn dominant_rack_that_would_sit_next_to_itself_is_impossible() {
        // Five positions, windows of two, two racks each: rack 0 can fill at most 2 of 5
        // positions without two neighbours sharing it, and rack 1 has only one bookie.
        let racks = slots(&[(0, 4), (0, 1)]);
        assert_eq!(
            find_spread(&racks, problem(5, 2, 2, 1)),
            SearchOutcome::Impossible
        );
    }

    #[test]
    fn tight_capacities_are_still_found_by_backtracking() {
        let racks = slots(&[(0, 2), (0, 2), (0, 1)]);
        let SearchOutcome::Found(sequence) = find_spread(&racks, problem(5, 2, 2, 1)) else {
            panic!("expected an arrangement");
        };
        for start in 0..5 {
            assert_ne!(sequence[start], sequence[(start + 1) % 5]);
        }
    }

    #[test]
    fn region_target_spreads_windows_over_regions() {
        let racks = slots(&[(0, 3), (0, 3), (1, 1), (1, 1)]);
        let SearchOutcome::Found(sequence) = find_spread(&racks, problem(4, 2, 2, 2)) else {
            panic!("expected an arrangement");
        };
        for start in 0..4 {
            assert_ne!(
                racks[sequence[start]].region,
                racks[sequence[(start + 1) % 4]].region
            );
        }
    }

    #[test]
    fn budget_is_a_hard_limit() {
        let racks = slots(&[(0, 30), (0, 1)]);
        let tiny = SpreadProblem {
            nodes_max: 3,
            ..problem(20, 3, 2, 1)
        };
        assert_eq!(find_spread(&racks, tiny), SearchOutcome::BudgetExhausted);
    }
}
