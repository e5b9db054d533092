#![allow(clippy::unwrap_used)]
//! Property tests for placement against brute-force oracles.
//!
//! Goal: every ensemble and replacement the crate returns satisfies the constraints, every error
//! names a constraint that truly cannot be met, strict placements are found whenever one exists,
//! and a fixed seed replays the same answer.
//! Method: generate small random topologies (regions x racks x bookies, some unmapped, some
//! excluded) and random quorum sizes and constraints; compute eligibility and targets
//! independently from the BookKeeper rules in spec §6.7; decide feasibility by enumerating every
//! rack sequence of length E (bookies in one rack are interchangeable for every rule), and
//! compare. Case counts are bounded to keep `cargo test -p placement` fast.

use std::collections::{BTreeMap, BTreeSet};

use placement::{
    Adherence, EnsemblePlacement, LoadHint, NetworkLocation, PlacementConstraints, PlacementError,
    PolicyKind, Quorums, RackConstraints, RackMapping, RegionConstraints, SpreadRule, Topology,
};
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

/// A generated scenario.
#[derive(Debug, Clone)]
struct Scenario {
    topology: Topology,
    constraints: PlacementConstraints,
    quorums: Quorums,
    excluded: Vec<String>,
    seed: u64,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let shape = (
        1usize..=3,
        1usize..=3,
        proptest::collection::vec(0usize..=4, 9),
        0usize..=2,
    );
    let quorum = (1usize..=5, 0usize..8, 0usize..8);
    let rack_settings = (1usize..=4, any::<bool>(), any::<bool>());
    let region_settings = (
        0u8..32,
        1usize..=3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    );
    let misc = (
        0u8..6,
        any::<bool>(),
        any::<u64>(),
        any::<u64>(),
        proptest::collection::vec(any::<(u8, u8)>(), 40),
    );
    (shape, quorum, rack_settings, region_settings, misc).prop_map(
        |(
            (regions, racks_per_region, bookies_per_rack, unmapped),
            (ensemble_size, write_raw, ack_raw),
            (min_racks, enforce_racks, enforce_fault_domains),
            (region_mask, min_regions, enforce_in_replace, validation, durability_disabled),
            (policy, load_aware, excluded_mask, seed, loads),
        )| {
            let mut mapping = RackMapping::default();
            let mut available = Vec::new();
            for region in 0..regions {
                for rack in 0..racks_per_region {
                    let count = bookies_per_rack[region * racks_per_region + rack];
                    for bookie in 0..count {
                        let id = format!("b{region}{rack}{bookie}:3181");
                        mapping.insert(
                            &id,
                            NetworkLocation::parse(&format!("/g{region}/k{rack}")).unwrap(),
                        );
                        available.push(id);
                    }
                }
            }
            for bookie in 0..unmapped {
                available.push(format!("u{bookie}:3181"));
            }
            let mut topology = Topology::new(mapping, available.clone());
            for (bookie, (in_flight, free)) in available.iter().zip(loads) {
                topology.set_load_hint(
                    bookie,
                    LoadHint {
                        free_disk_bytes: u64::from(free),
                        in_flight_requests: u64::from(in_flight % 4),
                    },
                );
            }
            let excluded: Vec<String> = available
                .iter()
                .enumerate()
                .filter(|(index, _)| excluded_mask & (1 << index) != 0 && index % 3 == 0)
                .map(|(_, bookie)| bookie.clone())
                .chain(std::iter::once("not-a-member:1".to_string()))
                .collect();
            let write_quorum = 1 + write_raw % ensemble_size;
            let ack_quorum = 1 + ack_raw % write_quorum;
            let regions_to_write = (0..4)
                .filter(|bit| region_mask < 16 && region_mask & (1 << bit) != 0)
                .map(|region| format!("g{region}"))
                .collect();
            let constraints = PlacementConstraints {
                policy: match policy {
                    0 => PolicyKind::Random,
                    1 | 2 => PolicyKind::RackAware,
                    _ => PolicyKind::RegionAware,
                },
                rack: RackConstraints {
                    min_racks_per_write_quorum: min_racks,
                    enforce_min_racks_per_write_quorum: enforce_racks,
                    enforce_min_fault_domains_for_write: enforce_fault_domains,
                },
                region: RegionConstraints {
                    regions_to_write,
                    min_regions_for_durability: min_regions,
                    enforce_durability_in_replace: enforce_in_replace,
                    enable_validation: validation,
                    durability_disabled,
                    disallowed_regions: if seed % 5 == 1 {
                        vec!["g1".to_string()]
                    } else {
                        Vec::new()
                    },
                },
                load_aware_tie_breaking: load_aware,
                local_location: (seed % 3 == 0).then(|| NetworkLocation::parse("/g0/k0").unwrap()),
                search_nodes_max: 200_000,
            };
            Scenario {
                topology,
                constraints,
                quorums: Quorums::new(ensemble_size, write_quorum, ack_quorum).unwrap(),
                excluded,
                seed,
            }
        },
    )
}

/// The rules of spec §6.7, restated independently of the crate's `requirement` module.
#[derive(Debug)]
struct Oracle {
    /// Eligible bookies (before removing ensemble members for a replacement).
    eligible: Vec<String>,
    rack_target: usize,
    region_target: usize,
    rack_hard: bool,
    region_min_regions_effective: usize,
}

fn oracle(scenario: &Scenario) -> Oracle {
    let constraints = &scenario.constraints;
    let topology = &scenario.topology;
    let non_random = constraints.policy != PolicyKind::Random;
    let region_aware = constraints.policy == PolicyKind::RegionAware;
    let eligible = topology
        .available()
        .filter(|bookie| !scenario.excluded.iter().any(|excluded| excluded == bookie))
        .filter(|bookie| {
            !(non_random
                && constraints.rack.enforce_min_racks_per_write_quorum
                && topology.is_in_default_rack(bookie))
        })
        .filter(|bookie| {
            !region_aware
                || !constraints
                    .region
                    .disallowed_regions
                    .iter()
                    .any(|region| region == topology.location_of(bookie).region())
        })
        .filter(|bookie| {
            !region_aware
                || constraints.region.regions_to_write.is_empty()
                || constraints
                    .region
                    .regions_to_write
                    .iter()
                    .any(|region| region == topology.location_of(bookie).region())
        })
        .map(str::to_string)
        .collect();
    let write_quorum = scenario.quorums.write_quorum();
    let rack_target = if non_random {
        constraints
            .rack
            .min_racks_per_write_quorum
            .min(write_quorum)
            .max(1)
    } else {
        1
    };
    let region_effective = if region_aware
        && !constraints.region.regions_to_write.is_empty()
        && !constraints.region.durability_disabled
    {
        constraints.region.min_regions_for_durability.max(1)
    } else {
        1
    };
    Oracle {
        eligible,
        rack_target,
        region_target: region_effective.min(write_quorum),
        rack_hard: non_random
            && constraints.rack.enforce_min_racks_per_write_quorum
            && rack_target > 1,
        region_min_regions_effective: region_effective,
    }
}

fn regions_of(topology: &Topology, bookies: &[String]) -> usize {
    bookies
        .iter()
        .map(|bookie| topology.location_of(bookie).region())
        .collect::<BTreeSet<_>>()
        .len()
}

/// Whether some arrangement of `bookies` meets the targets, by enumerating every rack sequence.
fn arrangement_exists(
    topology: &Topology,
    bookies: &[String],
    quorums: &Quorums,
    racks: usize,
    regions: usize,
) -> bool {
    let mut capacity: BTreeMap<&str, usize> = BTreeMap::new();
    for bookie in bookies {
        *capacity
            .entry(topology.location_of(bookie).rack())
            .or_default() += 1;
    }
    let rack_names: Vec<&str> = capacity.keys().copied().collect();
    let mut left: Vec<usize> = capacity.values().copied().collect();
    let mut sequence = Vec::new();
    enumerate(
        &rack_names,
        &mut left,
        &mut sequence,
        quorums,
        racks,
        regions,
    )
}

fn enumerate(
    names: &[&str],
    left: &mut [usize],
    sequence: &mut Vec<usize>,
    quorums: &Quorums,
    racks: usize,
    regions: usize,
) -> bool {
    if sequence.len() == quorums.ensemble_size() {
        let located: Vec<&str> = sequence.iter().map(|&rack| names[rack]).collect();
        return windows_meet(&located, quorums, racks, regions);
    }
    for rack in 0..names.len() {
        if left[rack] == 0 {
            continue;
        }
        left[rack] -= 1;
        sequence.push(rack);
        let found = enumerate(names, left, sequence, quorums, racks, regions);
        sequence.pop();
        left[rack] += 1;
        if found {
            return true;
        }
    }
    false
}

/// `rack_paths[i]` is the rack of position i; the region is the first path component.
fn windows_meet(rack_paths: &[&str], quorums: &Quorums, racks: usize, regions: usize) -> bool {
    let size = rack_paths.len();
    (0..size).all(|start| {
        let window: Vec<&str> = (0..quorums.write_quorum())
            .map(|offset| rack_paths[(start + offset) % size])
            .collect();
        let distinct_racks = window.iter().collect::<BTreeSet<_>>().len();
        let distinct_regions = window
            .iter()
            .map(|rack| rack.trim_start_matches('/').split('/').next().unwrap())
            .collect::<BTreeSet<_>>()
            .len();
        distinct_racks >= racks && distinct_regions >= regions
    })
}

fn ensemble_meets(
    topology: &Topology,
    ensemble: &[String],
    quorums: &Quorums,
    racks: usize,
    regions: usize,
) -> bool {
    let paths: Vec<&str> = ensemble
        .iter()
        .map(|bookie| topology.location_of(bookie).rack())
        .collect();
    windows_meet(&paths, quorums, racks, regions)
}

/// Spread of the windows containing `index`: (min racks, min regions).
fn spread_at(
    topology: &Topology,
    ensemble: &[String],
    quorums: &Quorums,
    index: usize,
) -> (usize, usize) {
    let size = ensemble.len();
    let mut worst = (usize::MAX, usize::MAX);
    for start in 0..size {
        let positions: Vec<usize> = (0..quorums.write_quorum())
            .map(|offset| (start + offset) % size)
            .collect();
        if !positions.contains(&index) {
            continue;
        }
        let locations: Vec<_> = positions
            .iter()
            .map(|&position| topology.location_of(&ensemble[position]))
            .collect();
        let racks = locations
            .iter()
            .map(|location| location.rack())
            .collect::<BTreeSet<_>>()
            .len();
        let regions = locations
            .iter()
            .map(|location| location.region())
            .collect::<BTreeSet<_>>()
            .len();
        worst = (worst.0.min(racks), worst.1.min(regions));
    }
    worst
}

fn region_validation_fails(scenario: &Scenario, oracle: &Oracle) -> bool {
    if scenario.constraints.policy != PolicyKind::RegionAware {
        return false;
    }
    let min_regions = oracle.region_min_regions_effective;
    let write_quorum = scenario.quorums.write_quorum();
    let ack_quorum = scenario.quorums.ack_quorum();
    ack_quorum < min_regions
        || (scenario.constraints.region.enable_validation
            && ack_quorum <= write_quorum - write_quorum / min_regions)
}

fn new_ensemble(
    scenario: &Scenario,
    seed: u64,
) -> Result<placement::Placed<Vec<String>>, PlacementError> {
    let placement = EnsemblePlacement::new(&scenario.topology, &scenario.constraints);
    let quorums = &scenario.quorums;
    placement.new_ensemble(
        quorums.ensemble_size(),
        quorums.write_quorum(),
        quorums.ack_quorum(),
        &scenario.excluded,
        &mut StdRng::seed_from_u64(seed),
    )
}

fn check_new_ensemble(scenario: &Scenario) -> Result<(), TestCaseError> {
    let oracle = oracle(scenario);
    let topology = &scenario.topology;
    let quorums = &scenario.quorums;
    let result = new_ensemble(scenario, scenario.seed);
    if region_validation_fails(scenario, &oracle) {
        prop_assert!(
            matches!(result, Err(PlacementError::RegionValidation { .. })),
            "{result:?}"
        );
        return Ok(());
    }
    if oracle.eligible.len() < quorums.ensemble_size() {
        prop_assert!(
            matches!(result, Err(PlacementError::NotEnoughBookies { .. })),
            "{result:?}"
        );
        return Ok(());
    }
    let regions_apply = scenario.constraints.policy == PolicyKind::RegionAware
        && regions_of(topology, &oracle.eligible) >= 2;
    let region_hard = if regions_apply {
        oracle.region_target
    } else {
        1
    };
    let rack_hard = if oracle.rack_hard {
        oracle.rack_target
    } else {
        1
    };
    let hard_exists =
        arrangement_exists(topology, &oracle.eligible, quorums, rack_hard, region_hard);
    match result {
        Err(error) => {
            prop_assert!(
                !hard_exists,
                "placement failed although a valid ensemble exists: {error}"
            );
            let (racks, regions) = match &error {
                PlacementError::NotEnoughFaultDomains {
                    domain: placement::FaultDomain::Rack,
                    required,
                    ..
                } => (*required, 1),
                PlacementError::NotEnoughFaultDomains {
                    domain: placement::FaultDomain::Region,
                    required,
                    ..
                } => (1, *required),
                PlacementError::SpreadImpossible {
                    rule: SpreadRule::Racks(racks),
                    ..
                } => (*racks, 1),
                PlacementError::SpreadImpossible {
                    rule: SpreadRule::Regions(regions),
                    ..
                } => (1, *regions),
                PlacementError::SpreadImpossible {
                    rule: SpreadRule::RacksAndRegions { racks, regions },
                    ..
                } => (*racks, *regions),
                other => {
                    return Err(TestCaseError::fail(format!(
                        "unexpected error kind: {other}"
                    )))
                }
            };
            prop_assert!(
                !arrangement_exists(topology, &oracle.eligible, quorums, racks, regions),
                "error names a rule that can be met: {error}"
            );
        }
        Ok(placed) => {
            prop_assert!(hard_exists || scenario.constraints.policy == PolicyKind::Random);
            let ensemble = &placed.value;
            prop_assert_eq!(ensemble.len(), quorums.ensemble_size());
            prop_assert_eq!(
                ensemble.iter().collect::<BTreeSet<_>>().len(),
                ensemble.len(),
                "duplicate bookie"
            );
            for bookie in ensemble {
                prop_assert!(oracle.eligible.contains(bookie), "{bookie} is not eligible");
            }
            prop_assert!(
                ensemble_meets(topology, ensemble, quorums, rack_hard, region_hard),
                "hard rule broken: {ensemble:?}"
            );
            let region_strict = if regions_apply {
                oracle.region_target
            } else {
                1
            };
            let degraded = scenario.constraints.policy == PolicyKind::RegionAware
                && !regions_apply
                && oracle.region_target > 1;
            let strict_exists = !degraded
                && arrangement_exists(
                    topology,
                    &oracle.eligible,
                    quorums,
                    oracle.rack_target,
                    region_strict,
                );
            if scenario.constraints.policy != PolicyKind::Random {
                prop_assert_eq!(
                    placed.adherence == Adherence::MeetsStrict,
                    strict_exists,
                    "strict placement missed or claimed falsely: {:?}",
                    ensemble
                );
            }
            let placement = EnsemblePlacement::new(topology, &scenario.constraints);
            prop_assert_eq!(placement.adherence(quorums, ensemble), placed.adherence);
        }
    }
    Ok(())
}

fn check_replace(scenario: &Scenario, index_raw: usize) -> Result<(), TestCaseError> {
    let oracle = oracle(scenario);
    let topology = &scenario.topology;
    let quorums = &scenario.quorums;
    if region_validation_fails(scenario, &oracle) {
        return Ok(());
    }
    // Any ensemble will do, adhering or not: take the first E available bookies.
    let ensemble: Vec<String> = topology
        .available()
        .take(quorums.ensemble_size())
        .map(str::to_string)
        .collect();
    if ensemble.len() < quorums.ensemble_size() {
        return Ok(());
    }
    let index = index_raw % ensemble.len();
    let placement = EnsemblePlacement::new(topology, &scenario.constraints);
    let mut rng = StdRng::seed_from_u64(scenario.seed);
    let result = placement.replace_bookie(quorums, &ensemble, index, &scenario.excluded, &mut rng);
    let candidates: Vec<String> = oracle
        .eligible
        .iter()
        .filter(|bookie| !ensemble.contains(bookie))
        .cloned()
        .collect();
    if candidates.is_empty() {
        prop_assert!(
            matches!(result, Err(PlacementError::NoReplacementCandidates { .. })),
            "{result:?}"
        );
        return Ok(());
    }
    let mut region_holders = candidates.clone();
    region_holders.extend(
        ensemble
            .iter()
            .enumerate()
            .filter(|&(position, _)| position != index)
            .map(|(_, member)| member.clone()),
    );
    let regions_apply = scenario.constraints.policy == PolicyKind::RegionAware
        && regions_of(topology, &region_holders) >= 2;
    let region_target = if regions_apply {
        oracle.region_target
    } else {
        1
    };
    let region_hard = if regions_apply && scenario.constraints.region.enforce_durability_in_replace
    {
        oracle.region_target
    } else {
        1
    };
    let rack_hard = if oracle.rack_hard {
        oracle.rack_target
    } else {
        1
    };
    let spread_with = |candidate: &String| {
        let mut trial = ensemble.clone();
        trial[index] = candidate.clone();
        spread_at(topology, &trial, quorums, index)
    };
    let meets = |spread: (usize, usize), racks: usize, regions: usize| {
        spread.0 >= racks && spread.1 >= regions
    };
    let hard_possible = candidates
        .iter()
        .any(|candidate| meets(spread_with(candidate), rack_hard, region_hard));
    let strict: Vec<&String> = candidates
        .iter()
        .filter(|candidate| meets(spread_with(candidate), oracle.rack_target, region_target))
        .collect();
    match result {
        Err(error) => {
            prop_assert!(
                !hard_possible,
                "replacement failed although a candidate meets the hard rules: {error}"
            );
            prop_assert!(
                matches!(error, PlacementError::ReplacementImpossible { .. }),
                "{error}"
            );
        }
        Ok(placed) => {
            let chosen = &placed.value;
            prop_assert!(candidates.contains(chosen), "{chosen} is not a candidate");
            if scenario.constraints.policy == PolicyKind::Random {
                return Ok(());
            }
            prop_assert!(
                meets(spread_with(chosen), rack_hard, region_hard),
                "hard rule broken by {chosen}"
            );
            let degraded = scenario.constraints.policy == PolicyKind::RegionAware
                && !regions_apply
                && oracle.region_target > 1;
            prop_assert_eq!(
                placed.adherence == Adherence::MeetsStrict,
                !strict.is_empty() && !degraded
            );
            if !strict.is_empty() {
                prop_assert!(
                    strict.contains(&chosen),
                    "a strict candidate existed but {chosen} is not one"
                );
                let failed_rack = topology.location_of(&ensemble[index]).rack();
                if strict
                    .iter()
                    .any(|candidate| topology.location_of(candidate).rack() == failed_rack)
                {
                    prop_assert_eq!(
                        topology.location_of(chosen).rack(),
                        failed_rack,
                        "same-rack replacement not preferred"
                    );
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn new_ensemble_meets_constraints_or_names_an_unmeetable_one(scenario in scenario()) {
        check_new_ensemble(&scenario)?;
    }

    #[test]
    fn replacement_meets_constraints_or_no_candidate_can(scenario in scenario(), index in 0usize..5) {
        check_replace(&scenario, index)?;
    }

    #[test]
    fn same_seed_gives_same_placement(scenario in scenario(), index in 0usize..5) {
        prop_assert_eq!(new_ensemble(&scenario, scenario.seed), new_ensemble(&scenario, scenario.seed));
        let placement = EnsemblePlacement::new(&scenario.topology, &scenario.constraints);
        let ensemble: Vec<String> =
            scenario.topology.available().take(scenario.quorums.ensemble_size()).map(str::to_string).collect();
        if ensemble.len() == scenario.quorums.ensemble_size() {
            let index = index % ensemble.len();
            let replace = |seed| {
                placement.replace_bookie(&scenario.quorums, &ensemble, index, &scenario.excluded, &mut StdRng::seed_from_u64(seed))
            };
            prop_assert_eq!(replace(scenario.seed), replace(scenario.seed));
        }
    }
}

/// Few racks with skewed capacities and E close to the number of bookies, where greedy choices
/// fail and only backtracking (or a proof of impossibility) gives the right answer.
fn tight_scenario() -> impl Strategy<Value = Scenario> {
    let racks = proptest::collection::vec((0usize..3, 1usize..=4), 2..=4);
    (
        racks,
        2usize..=6,
        0usize..8,
        2usize..=3,
        1usize..=2,
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |(racks, ensemble_raw, write_raw, min_racks, min_regions, region_aware, seed)| {
                let mut mapping = RackMapping::default();
                let mut available = Vec::new();
                for (rack, (region, capacity)) in racks.iter().enumerate() {
                    for bookie in 0..*capacity {
                        let id = format!("t{rack}-{bookie}:3181");
                        mapping.insert(
                            &id,
                            NetworkLocation::parse(&format!("/g{region}/k{rack}")).unwrap(),
                        );
                        available.push(id);
                    }
                }
                let ensemble_size = ensemble_raw.min(available.len());
                let write_quorum = (2 + write_raw % ensemble_size).min(ensemble_size);
                let constraints = PlacementConstraints {
                    policy: if region_aware {
                        PolicyKind::RegionAware
                    } else {
                        PolicyKind::RackAware
                    },
                    rack: RackConstraints {
                        min_racks_per_write_quorum: min_racks,
                        enforce_min_racks_per_write_quorum: true,
                        ..RackConstraints::default()
                    },
                    region: RegionConstraints {
                        regions_to_write: vec!["g0".into(), "g1".into(), "g2".into()],
                        min_regions_for_durability: min_regions,
                        enable_validation: false,
                        ..RegionConstraints::default()
                    },
                    ..PlacementConstraints::default()
                };
                Scenario {
                    topology: Topology::new(mapping, available),
                    constraints,
                    quorums: Quorums::new(ensemble_size, write_quorum, write_quorum).unwrap(),
                    excluded: Vec::new(),
                    seed,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn tight_topologies_are_placed_exactly_when_possible(scenario in tight_scenario()) {
        check_new_ensemble(&scenario)?;
    }

    #[test]
    fn tight_replacements_meet_constraints_or_no_candidate_can(scenario in tight_scenario(), index in 0usize..6) {
        check_replace(&scenario, index)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn write_set_matches_rotation_of_positions(entry in 0i64..=i64::MAX, ensemble_size in 1usize..40, write_raw in 0usize..40) {
        let write_quorum = 1 + write_raw % ensemble_size;
        // Independent formulation: rotate the positions left by (entry mod E) and take Qw.
        let mut positions: Vec<usize> = (0..ensemble_size).collect();
        positions.rotate_left((entry as u64 % ensemble_size as u64) as usize);
        positions.truncate(write_quorum);
        prop_assert_eq!(placement::write_set(entry, ensemble_size, write_quorum).unwrap(), positions);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Bad input (invalid sizes, indexes past the end, ensembles with duplicate or unknown
    /// bookies, a zero search budget) is answered with a value, never a panic.
    #[test]
    fn arbitrary_requests_never_panic(
        scenario in scenario(),
        sizes in (0usize..8, 0usize..8, 0usize..8),
        index in 0usize..10,
        members in proptest::collection::vec("[abu][0-9]{1,3}:3181|ghost", 0..8),
        zero_budget in any::<bool>(),
    ) {
        let mut constraints = scenario.constraints.clone();
        if zero_budget {
            constraints.search_nodes_max = 0;
        }
        let placement = EnsemblePlacement::new(&scenario.topology, &constraints);
        let mut rng = StdRng::seed_from_u64(scenario.seed);
        let _ = placement.new_ensemble(sizes.0, sizes.1, sizes.2, &scenario.excluded, &mut rng);
        if let Ok(quorums) = Quorums::new(sizes.0, sizes.1, sizes.2) {
            let _ = placement.replace_bookie(&quorums, &members, index, &scenario.excluded, &mut rng);
            let _ = placement.adherence(&quorums, &members);
            let _ = placement.acked_bookies_span_fault_domains(&quorums, &members);
            let _ = quorums.ensemble_covered(&[true, false]);
        }
    }
}
