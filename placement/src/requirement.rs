//! Turns (policy configuration, quorum sizes, topology, exclusions) into what one placement call
//! must achieve: the eligible bookies, the spread targets per write-quorum window, and which of
//! those targets are hard (fail when unmet) rather than soft (fall back, BookKeeper style).
//!
//! This module owns the translation of BookKeeper's settings into rules (spec §6.7):
//! - rack target `min(Qw, minNumRacksPerWriteQuorum)`, hard only with
//!   `enforceMinNumRacksPerWriteQuorum`, which also makes default-rack bookies ineligible;
//! - region target `reppMinimumRegionsForDurability`, active only when `reppRegionsToWrite` is
//!   set and durability is not disabled; hard for new ensembles, and for replacements when
//!   `reppEnableDurabilityEnforcementInReplace` is on;
//! - with fewer than two eligible regions (counting, for a replacement, the regions of the
//!   members that stay) the region-aware policy degrades to rack-aware.

use std::collections::{BTreeMap, BTreeSet};

use crate::constraints::{PlacementConstraints, PolicyKind};
use crate::error::{DomainGroup, Exclusions, PlacementError};
use crate::topology::Topology;
use crate::write_set::Quorums;

/// Per-window spread targets that define "meets the policy" for a given configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpreadTargets {
    /// Racks every write quorum should span.
    pub rack_min: usize,
    /// Regions every write quorum should span (1 when the durability rule is inactive).
    pub region_min: usize,
}

impl SpreadTargets {
    /// The targets of `constraints` for `quorums`, ignoring availability.
    pub(crate) fn of(constraints: &PlacementConstraints, quorums: &Quorums) -> Self {
        let write_quorum = quorums.write_quorum();
        match constraints.policy {
            PolicyKind::Random => Self {
                rack_min: 1,
                region_min: 1,
            },
            PolicyKind::RackAware => Self {
                rack_min: rack_target(constraints, write_quorum),
                region_min: 1,
            },
            PolicyKind::RegionAware => Self {
                rack_min: rack_target(constraints, write_quorum),
                region_min: effective_min_regions(constraints).min(write_quorum).max(1),
            },
        }
    }
}

fn rack_target(constraints: &PlacementConstraints, write_quorum: usize) -> usize {
    constraints
        .rack
        .min_racks_per_write_quorum
        .min(write_quorum)
        .max(1)
}

/// `reppMinimumRegionsForDurability` as BookKeeper applies it: only with `reppRegionsToWrite`
/// set and the durability feature not disabled; otherwise 1.
pub(crate) fn effective_min_regions(constraints: &PlacementConstraints) -> usize {
    let region = &constraints.region;
    if region.regions_to_write.is_empty() || region.durability_disabled {
        1
    } else {
        region.min_regions_for_durability.max(1)
    }
}

/// Whether an operation is a new ensemble or a replacement; they harden region rules differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    NewEnsemble,
    Replace,
}

/// What one placement call must achieve.
#[derive(Debug, Clone)]
pub(crate) struct Requirement {
    /// Targets that define strict adherence.
    pub targets: SpreadTargets,
    /// Whether failing the rack target is an error.
    pub rack_hard: bool,
    /// Region target used in the search (1 when the region-aware policy degraded).
    pub region_min: usize,
    /// Whether failing `region_min` is an error.
    pub region_hard: bool,
    /// Whether region labels take part at all (false for rack-aware and degraded region-aware).
    pub use_regions: bool,
    /// The region-aware policy wanted a region spread but fewer than two regions are eligible,
    /// so the result cannot be strict.
    pub region_degraded: bool,
    /// Eligible bookies in id order.
    pub candidates: Vec<String>,
    /// Why the other writable bookies are not eligible.
    pub exclusions: Exclusions,
}

impl Requirement {
    /// Derives the requirement; `excluded` holds the caller's exclusions plus, for a replacement,
    /// the current ensemble, and `staying` holds the ensemble members that stay (for a
    /// replacement): their regions count as available, so a replacement cannot dodge the region
    /// rule just because the only candidates left are in one region.
    pub(crate) fn derive(
        topology: &Topology,
        constraints: &PlacementConstraints,
        quorums: &Quorums,
        excluded: &BTreeSet<&str>,
        staying: &[&str],
        operation: Operation,
    ) -> Result<Self, PlacementError> {
        if constraints.policy == PolicyKind::RegionAware {
            validate_region_quorums(constraints, quorums)?;
        }
        let targets = SpreadTargets::of(constraints, quorums);
        let rack_hard = constraints.policy != PolicyKind::Random
            && constraints.rack.enforce_min_racks_per_write_quorum
            && targets.rack_min > 1;
        let (candidates, exclusions) = eligible(topology, constraints, excluded);
        let regions: BTreeSet<&str> = candidates
            .iter()
            .map(String::as_str)
            .chain(staying.iter().copied())
            .map(|bookie| topology.location_of(bookie).region())
            .collect();
        let region_aware = constraints.policy == PolicyKind::RegionAware;
        let use_regions = region_aware && regions.len() >= 2;
        let region_degraded = region_aware && !use_regions && targets.region_min > 1;
        let region_min = if use_regions { targets.region_min } else { 1 };
        let region_hard = region_min > 1
            && (operation == Operation::NewEnsemble
                || constraints.region.enforce_durability_in_replace);
        Ok(Self {
            targets,
            rack_hard,
            region_min,
            region_hard,
            use_regions,
            region_degraded,
            candidates,
            exclusions,
        })
    }

    /// Eligible bookies grouped by rack (rack path order).
    pub(crate) fn rack_groups(&self, topology: &Topology) -> Vec<DomainGroup> {
        self.groups(|bookie| topology.location_of(bookie).rack().to_string())
    }

    /// Eligible bookies grouped by region (region name order).
    pub(crate) fn region_groups(&self, topology: &Topology) -> Vec<DomainGroup> {
        self.groups(|bookie| topology.location_of(bookie).region().to_string())
    }

    fn groups(&self, key: impl Fn(&str) -> String) -> Vec<DomainGroup> {
        let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for bookie in &self.candidates {
            grouped.entry(key(bookie)).or_default().push(bookie.clone());
        }
        grouped
            .into_iter()
            .map(|(name, bookies)| DomainGroup { name, bookies })
            .collect()
    }
}

fn eligible(
    topology: &Topology,
    constraints: &PlacementConstraints,
    excluded: &BTreeSet<&str>,
) -> (Vec<String>, Exclusions) {
    let skip_default_rack = constraints.policy != PolicyKind::Random
        && constraints.rack.enforce_min_racks_per_write_quorum;
    let regions_to_write = &constraints.region.regions_to_write;
    let region_aware = constraints.policy == PolicyKind::RegionAware;
    let filter_regions = region_aware && !regions_to_write.is_empty();
    let disallowed = &constraints.region.disallowed_regions;
    let mut candidates = Vec::new();
    let mut exclusions = Exclusions::default();
    for bookie in topology.available() {
        if excluded.contains(bookie) {
            exclusions.excluded.push(bookie.to_string());
        } else if skip_default_rack && topology.is_in_default_rack(bookie) {
            exclusions.default_rack.push(bookie.to_string());
        } else if filter_regions
            && !regions_to_write
                .iter()
                .any(|region| region == topology.location_of(bookie).region())
        {
            exclusions.outside_regions.push(bookie.to_string());
        } else if region_aware
            && disallowed
                .iter()
                .any(|region| region == topology.location_of(bookie).region())
        {
            exclusions.disallowed_regions.push(bookie.to_string());
        } else {
            candidates.push(bookie.to_string());
        }
    }
    (candidates, exclusions)
}

/// Region-aware validation (spec §6.7): `Qa >= minRegions`, and with validation on,
/// `Qa > Qw - floor(Qw / minRegions)` so a write quorum keeps an ack quorum outside any one region.
fn validate_region_quorums(
    constraints: &PlacementConstraints,
    quorums: &Quorums,
) -> Result<(), PlacementError> {
    let min_regions = effective_min_regions(constraints);
    let write_quorum = quorums.write_quorum();
    let ack_quorum = quorums.ack_quorum();
    let error = |reason| PlacementError::RegionValidation {
        write_quorum,
        ack_quorum,
        min_regions,
        reason,
    };
    if ack_quorum < min_regions {
        return Err(error(
            "Qa must be at least the minimum regions for durability",
        ));
    }
    if constraints.region.enable_validation
        && ack_quorum <= write_quorum - write_quorum / min_regions
    {
        return Err(error(
            "Qa must exceed Qw - floor(Qw / minRegions) so losing one region leaves an ack quorum",
        ));
    }
    Ok(())
}
