//! Replacing one bookie of an ensemble (spec §6.3, §6.7 "Replace bookie").
//!
//! This module owns `replace_bookie`. Every eligible bookie (writable, not excluded, not already
//! in the ensemble) is scored by the worst rack and region spread of the write quorums that
//! contain the replaced position once it sits there. Among candidates meeting every target, the
//! preference is BookKeeper's: the failed bookie's rack, then (region-aware) its region, then a
//! rack the rest of the ensemble does not use, then any; ties are broken by load (when enabled)
//! and then by the seeded RNG. If no candidate meets every target, the best one meeting the hard
//! targets is returned with [`Adherence::Fail`]; if none meets the hard targets, the error names
//! the rule and lists the candidates.
//! Invariants: the replacement is eligible and not in the ensemble; hard targets hold in every
//! window containing the replaced position.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use rand::Rng;

use crate::adherence::{Adherence, Placed, WindowSpread};
use crate::constraints::{PlacementConstraints, PolicyKind};
use crate::ensemble::order_bookies;
use crate::error::{PlacementError, SpreadRule};
use crate::location::NetworkLocation;
use crate::requirement::{Operation, Requirement};
use crate::topology::Topology;
use crate::window_scorer::WindowScorer;
use crate::write_set::Quorums;

/// A candidate with its score.
struct Scored {
    bookie: String,
    spread: WindowSpread,
    tier: usize,
}

pub(crate) fn replace_bookie<R: Rng + ?Sized>(
    topology: &Topology,
    constraints: &PlacementConstraints,
    quorums: &Quorums,
    ensemble: &[String],
    index: usize,
    excluded: &BTreeSet<&str>,
    rng: &mut R,
) -> Result<Placed<String>, PlacementError> {
    check_request(quorums, ensemble, index)?;
    let failed = &ensemble[index];
    let mut unavailable = excluded.clone();
    unavailable.extend(ensemble.iter().map(String::as_str));
    let staying: Vec<&str> = ensemble
        .iter()
        .enumerate()
        .filter(|&(position, _)| position != index)
        .map(|(_, member)| member.as_str())
        .collect();
    let requirement = Requirement::derive(
        topology,
        constraints,
        quorums,
        &unavailable,
        &staying,
        Operation::Replace,
    )?;
    if requirement.candidates.is_empty() {
        return Err(PlacementError::NoReplacementCandidates {
            index,
            failed: failed.clone(),
            exclusions: Box::new(requirement.exclusions),
        });
    }
    let mut candidates = requirement.candidates.clone();
    order_bookies(topology, constraints, &mut candidates, rng);
    if constraints.policy == PolicyKind::Random {
        let bookie = candidates.swap_remove(0);
        return Ok(Placed {
            value: bookie,
            adherence: Adherence::MeetsStrict,
        });
    }
    let locations: Vec<&NetworkLocation> = ensemble
        .iter()
        .map(|member| topology.location_of(member))
        .collect();
    let scorer = WindowScorer::new(quorums, &locations, index);
    let failed_location = topology.location_of(failed);
    let scored: Vec<Scored> = candidates
        .into_iter()
        .map(|bookie| score(topology, constraints, &scorer, failed_location, bookie))
        .collect();
    if let Some((choice, adherence)) = select(&requirement, &scored) {
        return Ok(Placed {
            value: choice.bookie.clone(),
            adherence,
        });
    }
    let rule = failed_rule(&requirement, &scored);
    Err(PlacementError::ReplacementImpossible {
        index,
        failed: failed.clone(),
        rule,
        write_quorum: quorums.write_quorum(),
        candidates: scored
            .iter()
            .map(|candidate| {
                format!(
                    "{}@{}",
                    candidate.bookie,
                    topology.location_of(&candidate.bookie)
                )
            })
            .collect(),
        exclusions: Box::new(requirement.exclusions),
    })
}

/// The preferred candidate and its adherence, or `None` when no candidate meets the hard targets.
fn select<'s>(requirement: &Requirement, scored: &'s [Scored]) -> Option<(&'s Scored, Adherence)> {
    let region_target = if requirement.use_regions {
        requirement.region_min
    } else {
        1
    };
    let meets_all = |spread: &WindowSpread| {
        spread.racks >= requirement.targets.rack_min && spread.regions >= region_target
    };
    let meets_hard = |spread: &WindowSpread| {
        (!requirement.rack_hard || spread.racks >= requirement.targets.rack_min)
            && (!requirement.region_hard || spread.regions >= requirement.region_min)
    };
    // Candidates are already in seeded random (and, if enabled, load) order, and `min_by_key`
    // keeps the first of equal keys, so ties go to that order.
    let strict = scored
        .iter()
        .filter(|candidate| meets_all(&candidate.spread))
        .min_by_key(|candidate| candidate.tier);
    if let Some(choice) = strict {
        let adherence = if requirement.region_degraded {
            Adherence::Fail
        } else {
            Adherence::MeetsStrict
        };
        return Some((choice, adherence));
    }
    scored
        .iter()
        .filter(|candidate| meets_hard(&candidate.spread))
        .min_by_key(|candidate| {
            (
                Reverse(candidate.spread.regions),
                Reverse(candidate.spread.racks),
                candidate.tier,
            )
        })
        .map(|choice| (choice, Adherence::Fail))
}

fn check_request(
    quorums: &Quorums,
    ensemble: &[String],
    index: usize,
) -> Result<(), PlacementError> {
    if ensemble.len() != quorums.ensemble_size() {
        return Err(PlacementError::InvalidReplacement {
            reason: format!(
                "ensemble has {} bookies but E={}",
                ensemble.len(),
                quorums.ensemble_size()
            ),
        });
    }
    for (position, member) in ensemble.iter().enumerate() {
        if ensemble[..position].contains(member) {
            return Err(PlacementError::InvalidReplacement {
                reason: format!("ensemble lists {member} twice"),
            });
        }
    }
    if index >= ensemble.len() {
        return Err(PlacementError::InvalidReplacement {
            reason: format!(
                "index {index} is outside the ensemble of {}",
                ensemble.len()
            ),
        });
    }
    Ok(())
}

/// Scores `bookie` as the replacement at `index`.
fn score(
    topology: &Topology,
    constraints: &PlacementConstraints,
    scorer: &WindowScorer<'_>,
    failed_location: &NetworkLocation,
    bookie: String,
) -> Scored {
    let location = topology.location_of(&bookie);
    let spread = scorer.score(location);
    let tier = if location.rack() == failed_location.rack() {
        0
    } else if constraints.policy == PolicyKind::RegionAware
        && location.region() == failed_location.region()
    {
        1
    } else if !scorer.rest_uses_rack(location.rack()) {
        2
    } else {
        3
    };
    Scored {
        bookie,
        spread,
        tier,
    }
}

/// Names the hard rule no candidate meets: the one that fails on its own, or both.
fn failed_rule(requirement: &Requirement, scored: &[Scored]) -> SpreadRule {
    let racks = requirement.targets.rack_min;
    let regions = requirement.region_min;
    let rack_reachable = scored
        .iter()
        .any(|candidate| candidate.spread.racks >= racks);
    let region_reachable = scored
        .iter()
        .any(|candidate| candidate.spread.regions >= regions);
    match (requirement.rack_hard, requirement.region_hard) {
        (true, true) if !region_reachable => SpreadRule::Regions(regions),
        (true, true) if !rack_reachable => SpreadRule::Racks(racks),
        (true, true) => SpreadRule::RacksAndRegions { racks, regions },
        (false, true) => SpreadRule::Regions(regions),
        _ => SpreadRule::Racks(racks),
    }
}
