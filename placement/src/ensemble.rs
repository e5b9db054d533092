//! Choosing a new ensemble (spec §6.1, §6.7).
//!
//! This module owns `new_ensemble`: eligible bookies are grouped by rack, the rack order and the
//! bookie order inside each rack are shuffled with the caller's RNG (then, with load-aware
//! tie-breaking, stably sorted by load), and [`crate::search`] finds a rack per position.
//! It first asks for the full targets; if they cannot be met and the rack target is not enforced,
//! it lowers the rack target step by step down to 1 (BookKeeper's "fall back to any rack") and
//! reports [`Adherence::Fail`]. Enforced targets are never lowered: their failure is an error that
//! names the rule and the bookies behind it.
//! Invariants: the result has E distinct eligible bookies; every enforced target holds in every
//! write-quorum window; `MeetsStrict` is reported only when every target holds.

use std::collections::{BTreeMap, BTreeSet};

use rand::seq::SliceRandom;
use rand::Rng;

use crate::adherence::{Adherence, Placed};
use crate::constraints::{PlacementConstraints, PolicyKind};
use crate::error::{FaultDomain, PlacementError, SpreadRule};
use crate::load::load_key;
use crate::requirement::{Operation, Requirement};
use crate::search::{find_spread, RackSlot, SearchOutcome, SpreadProblem};
use crate::topology::Topology;
use crate::write_set::Quorums;

/// Eligible bookies of one rack, in the order they will be used.
struct RackBookies {
    region: usize,
    bookies: Vec<String>,
}

/// Whether `rack` is the client's local rack; a local location equal to the default location
/// counts as unknown, as in BookKeeper ("or anywhere if local is default").
fn is_local(topology: &Topology, constraints: &PlacementConstraints, rack: &RackBookies) -> bool {
    let Some(local) = &constraints.local_location else {
        return false;
    };
    if local == topology.default_location() {
        return false;
    }
    rack.bookies
        .first()
        .is_some_and(|bookie| topology.location_of(bookie) == local)
}

pub(crate) fn new_ensemble<R: Rng + ?Sized>(
    topology: &Topology,
    constraints: &PlacementConstraints,
    quorums: &Quorums,
    excluded: &BTreeSet<&str>,
    rng: &mut R,
) -> Result<Placed<Vec<String>>, PlacementError> {
    let requirement = Requirement::derive(
        topology,
        constraints,
        quorums,
        excluded,
        &[],
        Operation::NewEnsemble,
    )?;
    let ensemble_size = quorums.ensemble_size();
    if requirement.candidates.len() < ensemble_size {
        return Err(PlacementError::NotEnoughBookies {
            needed: ensemble_size,
            candidates: requirement.candidates,
            exclusions: Box::new(requirement.exclusions),
        });
    }
    if constraints.policy == PolicyKind::Random {
        let mut candidates = requirement.candidates;
        order_bookies(topology, constraints, &mut candidates, rng);
        candidates.truncate(ensemble_size);
        return Ok(Placed {
            value: candidates,
            adherence: Adherence::MeetsStrict,
        });
    }
    check_domain_counts(topology, quorums, &requirement)?;
    let mut racks = rack_bookies(topology, constraints, &requirement, rng);
    let slots: Vec<RackSlot> = racks
        .iter()
        .map(|rack| RackSlot {
            region: rack.region,
            capacity: rack.bookies.len(),
            tie_key: rack_tie_key(topology, constraints, rack),
            local: is_local(topology, constraints, rack),
        })
        .collect();
    let sequence = search_with_fallback(&slots, constraints, quorums, &requirement, topology)?;
    let strict = sequence.rack_min == requirement.targets.rack_min && !requirement.region_degraded;
    let mut used = vec![0usize; racks.len()];
    let mut ensemble = Vec::with_capacity(ensemble_size);
    for rack in sequence.racks {
        // The search never uses a rack more often than its capacity, so the index is in bounds.
        let bookie = std::mem::take(&mut racks[rack].bookies[used[rack]]);
        used[rack] += 1;
        ensemble.push(bookie);
    }
    let adherence = if strict {
        Adherence::MeetsStrict
    } else {
        Adherence::Fail
    };
    Ok(Placed {
        value: ensemble,
        adherence,
    })
}

/// Shuffles `bookies`, then (with load-aware tie-breaking) stably sorts them by load.
pub(crate) fn order_bookies<R: Rng + ?Sized>(
    topology: &Topology,
    constraints: &PlacementConstraints,
    bookies: &mut [String],
    rng: &mut R,
) {
    bookies.shuffle(rng);
    if constraints.load_aware_tie_breaking {
        bookies.sort_by_key(|bookie| load_key(topology.load_hint(bookie)));
    }
}

fn rack_tie_key(
    topology: &Topology,
    constraints: &PlacementConstraints,
    rack: &RackBookies,
) -> crate::load::LoadKey {
    match (constraints.load_aware_tie_breaking, rack.bookies.first()) {
        (true, Some(best)) => load_key(topology.load_hint(best)),
        _ => load_key(None),
    }
}

/// Fails fast, with the domains listed, when fewer domains than a hard target have bookies.
fn check_domain_counts(
    topology: &Topology,
    quorums: &Quorums,
    requirement: &Requirement,
) -> Result<(), PlacementError> {
    let write_quorum = quorums.write_quorum();
    let rack_groups = requirement.rack_groups(topology);
    if requirement.rack_hard && rack_groups.len() < requirement.targets.rack_min {
        return Err(PlacementError::NotEnoughFaultDomains {
            domain: FaultDomain::Rack,
            required: requirement.targets.rack_min,
            write_quorum,
            groups: rack_groups,
            exclusions: Box::new(requirement.exclusions.clone()),
        });
    }
    let region_groups = requirement.region_groups(topology);
    if requirement.region_hard && region_groups.len() < requirement.region_min {
        return Err(PlacementError::NotEnoughFaultDomains {
            domain: FaultDomain::Region,
            required: requirement.region_min,
            write_quorum,
            groups: region_groups,
            exclusions: Box::new(requirement.exclusions.clone()),
        });
    }
    Ok(())
}

/// Groups eligible bookies by rack, in seeded random order.
fn rack_bookies<R: Rng + ?Sized>(
    topology: &Topology,
    constraints: &PlacementConstraints,
    requirement: &Requirement,
    rng: &mut R,
) -> Vec<RackBookies> {
    let mut regions: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_rack: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
    for bookie in &requirement.candidates {
        let location = topology.location_of(bookie);
        let next_region = regions.len();
        let region = *regions.entry(location.region()).or_insert(next_region);
        let region = if requirement.use_regions { region } else { 0 };
        by_rack
            .entry(location.rack())
            .or_insert_with(|| (region, Vec::new()))
            .1
            .push(bookie.clone());
    }
    let mut racks: Vec<RackBookies> = by_rack
        .into_values()
        .map(|(region, bookies)| RackBookies { region, bookies })
        .collect();
    racks.shuffle(rng);
    for rack in &mut racks {
        order_bookies(topology, constraints, &mut rack.bookies, rng);
    }
    racks
}

struct RackSequence {
    racks: Vec<usize>,
    rack_min: usize,
}

/// Searches at the full rack target, then (only when racks are not enforced) at lower ones.
fn search_with_fallback(
    slots: &[RackSlot],
    constraints: &PlacementConstraints,
    quorums: &Quorums,
    requirement: &Requirement,
    topology: &Topology,
) -> Result<RackSequence, PlacementError> {
    let region_min = if requirement.region_hard {
        requirement.region_min
    } else {
        1
    };
    let full = requirement.targets.rack_min;
    let lowest = if requirement.rack_hard { full } else { 1 };
    let mut last = SearchOutcome::Impossible;
    for rack_min in (lowest..=full).rev() {
        last = find_spread(slots, problem(constraints, quorums, rack_min, region_min));
        if let SearchOutcome::Found(racks) = last {
            return Ok(RackSequence { racks, rack_min });
        }
    }
    let rule = match (requirement.rack_hard, requirement.region_hard) {
        (true, true) => diagnose_both(slots, constraints, quorums, requirement),
        (true, false) => SpreadRule::Racks(full),
        (false, _) => SpreadRule::Regions(region_min),
    };
    let ensemble_size = quorums.ensemble_size();
    let write_quorum = quorums.write_quorum();
    Err(match last {
        SearchOutcome::BudgetExhausted => PlacementError::SearchBudgetExhausted {
            rule,
            ensemble_size,
            write_quorum,
            nodes_max: constraints.search_nodes_max,
        },
        _ => PlacementError::SpreadImpossible {
            rule,
            ensemble_size,
            write_quorum,
            groups: match rule {
                SpreadRule::Regions(_) => requirement.region_groups(topology),
                _ => requirement.rack_groups(topology),
            },
            exclusions: Box::new(requirement.exclusions.clone()),
        },
    })
}

/// With both targets hard and unmet together, names the one that fails alone, if any.
fn diagnose_both(
    slots: &[RackSlot],
    constraints: &PlacementConstraints,
    quorums: &Quorums,
    requirement: &Requirement,
) -> SpreadRule {
    let racks = requirement.targets.rack_min;
    let regions = requirement.region_min;
    if find_spread(slots, problem(constraints, quorums, 1, regions)) == SearchOutcome::Impossible {
        SpreadRule::Regions(regions)
    } else if find_spread(slots, problem(constraints, quorums, racks, 1))
        == SearchOutcome::Impossible
    {
        SpreadRule::Racks(racks)
    } else {
        SpreadRule::RacksAndRegions { racks, regions }
    }
}

fn problem(
    constraints: &PlacementConstraints,
    quorums: &Quorums,
    rack_min: usize,
    region_min: usize,
) -> SpreadProblem {
    SpreadProblem {
        ensemble_size: quorums.ensemble_size(),
        write_quorum: quorums.write_quorum(),
        rack_min,
        region_min,
        nodes_max: constraints.search_nodes_max,
    }
}
