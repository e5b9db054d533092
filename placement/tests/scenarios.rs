#![allow(clippy::unwrap_used)]
//! Concrete placement scenarios: one behaviour per test, on hand-written topologies, with the
//! exact error messages operators will read.

use placement::{
    Adherence, EnsemblePlacement, LoadHint, PlacementConstraints, PlacementError, PolicyKind,
    Quorums, RackConstraints, RackMapping, RegionConstraints, SpreadRule, Topology,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

fn topology(mapping: &str, available: &[&str]) -> Topology {
    Topology::new(
        RackMapping::parse(mapping).unwrap(),
        available.iter().copied(),
    )
}

fn rack_aware(enforce: bool) -> PlacementConstraints {
    PlacementConstraints {
        policy: PolicyKind::RackAware,
        rack: RackConstraints {
            enforce_min_racks_per_write_quorum: enforce,
            ..RackConstraints::default()
        },
        ..PlacementConstraints::default()
    }
}

fn region_aware(regions: &[&str]) -> PlacementConstraints {
    PlacementConstraints {
        policy: PolicyKind::RegionAware,
        region: RegionConstraints {
            regions_to_write: regions.iter().map(|region| region.to_string()).collect(),
            ..RegionConstraints::default()
        },
        ..PlacementConstraints::default()
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| value.to_string()).collect()
}

fn racks_of(topology: &Topology, bookies: &[String]) -> Vec<String> {
    bookies
        .iter()
        .map(|bookie| topology.location_of(bookie).rack().to_string())
        .collect()
}

const SIX_IN_THREE_RACKS: &str =
    "a1 /dc/r1\na2 /dc/r1\nb1 /dc/r2\nb2 /dc/r2\nc1 /dc/r3\nc2 /dc/r3\n";
const SIX: [&str; 6] = ["a1", "a2", "b1", "b2", "c1", "c2"];

#[test]
fn rack_aware_ensemble_spans_two_racks_in_every_write_quorum() {
    let topology = topology(SIX_IN_THREE_RACKS, &SIX);
    let constraints = rack_aware(true);
    let placement = EnsemblePlacement::new(&topology, &constraints);
    for seed in 0..50 {
        let placed = placement
            .new_ensemble(5, 2, 2, &[], &mut StdRng::seed_from_u64(seed))
            .unwrap();
        assert_eq!(placed.adherence, Adherence::MeetsStrict);
        let racks = racks_of(&topology, &placed.value);
        for start in 0..5 {
            assert_ne!(
                racks[start],
                racks[(start + 1) % 5],
                "seed {seed}: {racks:?}"
            );
        }
    }
}

#[test]
fn enforced_rack_rule_with_one_rack_left_names_rack_bookies_and_exclusions() {
    let topology = topology(
        "b1 /r1\nb2 /r1\nb3 /r1\nb4 /r2\n",
        &["b1", "b2", "b3", "b4"],
    );
    let constraints = rack_aware(true);
    let placement = EnsemblePlacement::new(&topology, &constraints);
    let error = placement
        .new_ensemble(3, 3, 2, &strings(&["b4"]), &mut StdRng::seed_from_u64(1))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "need 2 racks per write quorum of 3, only 1 rack has available bookies: /r1 (bookies b1,b2,b3); excluded: b4"
    );
}

#[test]
fn unenforced_rack_rule_falls_back_to_one_rack_and_reports_fail() {
    let topology = topology(
        "b1 /r1\nb2 /r1\nb3 /r1\nb4 /r2\n",
        &["b1", "b2", "b3", "b4"],
    );
    let constraints = rack_aware(false);
    let placement = EnsemblePlacement::new(&topology, &constraints);
    let placed = placement
        .new_ensemble(3, 3, 2, &strings(&["b4"]), &mut StdRng::seed_from_u64(1))
        .unwrap();
    assert_eq!(placed.adherence, Adherence::Fail);
    let mut chosen = placed.value.clone();
    chosen.sort();
    assert_eq!(chosen, strings(&["b1", "b2", "b3"]));
}

#[test]
fn dominant_rack_that_cannot_alternate_is_reported_as_spread_impossible() {
    // Window of 2 needs 2 racks, so /r1 can hold at most 2 of the 5 positions.
    let topology = topology(
        "a /r1\nb /r1\nc /r1\nd /r1\ne /r2\nf /r3\n",
        &["a", "b", "c", "d", "e", "f"],
    );
    let constraints = rack_aware(true);
    let placement = EnsemblePlacement::new(&topology, &constraints);
    let error = placement
        .new_ensemble(5, 2, 2, &strings(&["f"]), &mut StdRng::seed_from_u64(3))
        .unwrap_err();
    assert!(
        matches!(
            error,
            PlacementError::SpreadImpossible {
                rule: SpreadRule::Racks(2),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "no ensemble of 5 bookies gives every write quorum of 2 at least 2 racks: eligible bookies are \
         /r1 (bookies a,b,c,d), /r2 (bookies e); excluded: f"
    );
}

#[test]
fn enforcement_makes_default_rack_bookies_ineligible() {
    let topology = topology("a /r1\nb /r2\n", &["a", "b", "unmapped"]);
    let constraints = rack_aware(true);
    let placement = EnsemblePlacement::new(&topology, &constraints);
    let error = placement
        .new_ensemble(3, 2, 2, &[], &mut StdRng::seed_from_u64(0))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "need 3 bookies, only 2 eligible: a,b; in the default rack (ineligible while enforcing min racks): unmapped"
    );
    let lenient = rack_aware(false);
    let placed = EnsemblePlacement::new(&topology, &lenient).new_ensemble(
        3,
        2,
        2,
        &[],
        &mut StdRng::seed_from_u64(0),
    );
    assert_eq!(placed.unwrap().value.len(), 3);
}

#[test]
fn random_policy_ignores_racks() {
    let topology = topology("a /r1\nb /r1\nc /r1\n", &["a", "b", "c"]);
    let constraints = PlacementConstraints {
        policy: PolicyKind::Random,
        ..rack_aware(true)
    };
    let placed = EnsemblePlacement::new(&topology, &constraints)
        .new_ensemble(3, 3, 2, &[], &mut StdRng::seed_from_u64(9))
        .unwrap();
    assert_eq!(placed.adherence, Adherence::MeetsStrict);
}

#[test]
fn replacement_prefers_the_failed_bookies_rack() {
    let topology = topology(SIX_IN_THREE_RACKS, &SIX);
    let constraints = rack_aware(true);
    let placement = EnsemblePlacement::new(&topology, &constraints);
    let quorums = Quorums::new(3, 2, 2).unwrap();
    let ensemble = strings(&["a1", "b1", "c1"]);
    for seed in 0..20 {
        let placed = placement
            .replace_bookie(
                &quorums,
                &ensemble,
                1,
                &[],
                &mut StdRng::seed_from_u64(seed),
            )
            .unwrap();
        assert_eq!(placed.value, "b2");
        assert_eq!(placed.adherence, Adherence::MeetsStrict);
    }
}

#[test]
fn replacement_moves_to_an_unused_rack_when_the_failed_rack_is_empty() {
    let topology = topology(
        "a1 /r1\nb1 /r2\nc1 /r3\nd1 /r4\nd2 /r1\n",
        &["a1", "b1", "c1", "d1", "d2"],
    );
    let constraints = rack_aware(true);
    let placement = EnsemblePlacement::new(&topology, &constraints);
    let quorums = Quorums::new(3, 3, 2).unwrap();
    let ensemble = strings(&["a1", "b1", "c1"]);
    // b1's rack /r2 has no other bookie; /r4 is unused by the rest, /r1 is used by a1.
    let placed = placement
        .replace_bookie(&quorums, &ensemble, 1, &[], &mut StdRng::seed_from_u64(4))
        .unwrap();
    assert_eq!(placed.value, "d1");
}

#[test]
fn enforced_replacement_that_would_collapse_racks_is_refused_with_candidates() {
    let topology = topology("a1 /r1\na2 /r1\nb1 /r2\n", &["a1", "a2", "b1"]);
    let constraints = rack_aware(true);
    let placement = EnsemblePlacement::new(&topology, &constraints);
    let quorums = Quorums::new(2, 2, 2).unwrap();
    let ensemble = strings(&["a1", "b1"]);
    let error = placement
        .replace_bookie(&quorums, &ensemble, 1, &[], &mut StdRng::seed_from_u64(0))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot replace position 1 (b1): no candidate keeps 2 racks in every write quorum of 2 containing it; \
         candidates: a2@/r1; excluded: a1,b1"
    );
    let lenient = rack_aware(false);
    let placed = EnsemblePlacement::new(&topology, &lenient)
        .replace_bookie(&quorums, &ensemble, 1, &[], &mut StdRng::seed_from_u64(0))
        .unwrap();
    assert_eq!(
        (placed.value.as_str(), placed.adherence),
        ("a2", Adherence::Fail)
    );
}

#[test]
fn replacement_rejects_index_outside_ensemble() {
    let topology = topology(SIX_IN_THREE_RACKS, &SIX);
    let constraints = rack_aware(false);
    let quorums = Quorums::new(3, 2, 2).unwrap();
    let error = EnsemblePlacement::new(&topology, &constraints)
        .replace_bookie(
            &quorums,
            &strings(&["a1", "b1", "c1"]),
            3,
            &[],
            &mut StdRng::seed_from_u64(0),
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid replacement request: index 3 is outside the ensemble of 3"
    );
    let error = EnsemblePlacement::new(&topology, &constraints)
        .replace_bookie(
            &quorums,
            &strings(&["a1", "b1", "a1"]),
            0,
            &[],
            &mut StdRng::seed_from_u64(0),
        )
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid replacement request: ensemble lists a1 twice"
    );
}

#[test]
fn region_aware_write_quorums_span_two_regions() {
    let mapping = "e1 /eu/r1\ne2 /eu/r2\ne3 /eu/r1\nu1 /us/r1\nu2 /us/r2\nu3 /us/r1\n";
    let topology = topology(mapping, &["e1", "e2", "e3", "u1", "u2", "u3"]);
    let constraints = region_aware(&["eu", "us"]);
    let placement = EnsemblePlacement::new(&topology, &constraints);
    for seed in 0..30 {
        let placed = placement
            .new_ensemble(4, 2, 2, &[], &mut StdRng::seed_from_u64(seed))
            .unwrap();
        assert_eq!(placed.adherence, Adherence::MeetsStrict);
        let regions: Vec<&str> = placed
            .value
            .iter()
            .map(|bookie| topology.location_of(bookie).region())
            .collect();
        for start in 0..4 {
            assert_ne!(
                regions[start],
                regions[(start + 1) % 4],
                "seed {seed}: {regions:?}"
            );
        }
    }
}

#[test]
fn region_aware_validation_rejects_ack_quorum_one_region_can_block() {
    let topology = topology("e1 /eu/r1\nu1 /us/r1\nu2 /us/r2\n", &["e1", "u1", "u2"]);
    let constraints = region_aware(&["eu", "us"]);
    let error = EnsemblePlacement::new(&topology, &constraints)
        .new_ensemble(3, 3, 2, &[], &mut StdRng::seed_from_u64(0))
        .unwrap_err();
    assert!(
        matches!(error, PlacementError::RegionValidation { .. }),
        "{error:?}"
    );
}

#[test]
fn region_aware_with_one_region_left_degrades_to_rack_aware() {
    let topology = topology(
        "e1 /eu/r1\ne2 /eu/r2\ne3 /eu/r3\nu1 /us/r1\n",
        &["e1", "e2", "e3", "u1"],
    );
    let constraints = region_aware(&["eu", "us"]);
    let placed = EnsemblePlacement::new(&topology, &constraints)
        .new_ensemble(3, 2, 2, &strings(&["u1"]), &mut StdRng::seed_from_u64(0))
        .unwrap();
    // Every write quorum still spans two racks, but the region rule could not be honoured.
    assert_eq!(placed.adherence, Adherence::Fail);
    let racks = racks_of(&topology, &placed.value);
    for start in 0..3 {
        assert_ne!(racks[start], racks[(start + 1) % 3]);
    }
}

#[test]
fn region_aware_with_too_few_regions_for_durability_names_regions() {
    let mapping = "e1 /eu/r1\nu1 /us/r1\na1 /ap/r1\n";
    let topology = topology(mapping, &["e1", "u1", "a1"]);
    let mut constraints = region_aware(&["eu", "us", "ap"]);
    constraints.region.min_regions_for_durability = 3;
    let error = EnsemblePlacement::new(&topology, &constraints)
        .new_ensemble(3, 3, 3, &strings(&["a1"]), &mut StdRng::seed_from_u64(0))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "need 3 bookies, only 2 eligible: e1,u1; excluded: a1"
    );
    let topology = Topology::new(
        RackMapping::parse("e1 /eu/r1\ne2 /eu/r2\nu1 /us/r1\na1 /ap/r1\n").unwrap(),
        ["e1", "e2", "u1", "a1"],
    );
    let error = EnsemblePlacement::new(&topology, &constraints)
        .new_ensemble(3, 3, 3, &strings(&["a1"]), &mut StdRng::seed_from_u64(0))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "need 3 regions per write quorum of 3, only 2 regions have available bookies: eu (bookies e1,e2), us (bookies u1); excluded: a1"
    );
}

#[test]
fn load_aware_tie_breaking_prefers_idle_bookies_and_is_off_by_default() {
    // Goal: with hints on, the idle bookie of each rack is always chosen; with hints off, the
    // busy ones are chosen for some seeds (BookKeeper's load-blind behaviour).
    let mut topology = topology(SIX_IN_THREE_RACKS, &SIX);
    for (bookie, in_flight) in [
        ("a1", 900),
        ("a2", 1),
        ("b1", 2),
        ("b2", 800),
        ("c1", 700),
        ("c2", 3),
    ] {
        topology.set_load_hint(
            bookie,
            LoadHint {
                free_disk_bytes: 1 << 30,
                in_flight_requests: in_flight,
            },
        );
    }
    let mut constraints = rack_aware(true);
    let blind = EnsemblePlacement::new(&topology, &constraints);
    let busy_chosen = (0..40)
        .filter(|&seed| {
            let placed = blind
                .new_ensemble(3, 2, 2, &[], &mut StdRng::seed_from_u64(seed))
                .unwrap();
            placed
                .value
                .iter()
                .any(|bookie| ["a1", "b2", "c1"].contains(&bookie.as_str()))
        })
        .count();
    assert!(busy_chosen > 0);
    constraints.load_aware_tie_breaking = true;
    let aware = EnsemblePlacement::new(&topology, &constraints);
    for seed in 0..40 {
        let mut chosen = aware
            .new_ensemble(3, 2, 2, &[], &mut StdRng::seed_from_u64(seed))
            .unwrap()
            .value;
        chosen.sort();
        assert_eq!(chosen, strings(&["a2", "b1", "c2"]), "seed {seed}");
    }
}

#[test]
fn load_never_overrides_the_rack_rule() {
    // The only idle bookies share a rack; load-aware placement must still spread racks.
    let mut topology = topology(SIX_IN_THREE_RACKS, &SIX);
    for bookie in SIX {
        let in_flight = if bookie.starts_with('a') { 0 } else { 1000 };
        topology.set_load_hint(
            bookie,
            LoadHint {
                free_disk_bytes: 0,
                in_flight_requests: in_flight,
            },
        );
    }
    let constraints = PlacementConstraints {
        load_aware_tie_breaking: true,
        ..rack_aware(true)
    };
    let placed = EnsemblePlacement::new(&topology, &constraints)
        .new_ensemble(3, 3, 3, &[], &mut StdRng::seed_from_u64(0))
        .unwrap();
    let mut racks = racks_of(&topology, &placed.value);
    racks.sort();
    racks.dedup();
    assert!(racks.len() >= 2);
}

#[test]
fn acked_bookies_must_span_racks_only_when_fault_domain_enforcement_is_on() {
    let topology = topology(SIX_IN_THREE_RACKS, &SIX);
    let quorums = Quorums::new(3, 3, 2).unwrap();
    let mut constraints = rack_aware(false);
    let same_rack = strings(&["a1", "a2"]);
    assert!(EnsemblePlacement::new(&topology, &constraints)
        .acked_bookies_span_fault_domains(&quorums, &same_rack));
    constraints.rack.enforce_min_fault_domains_for_write = true;
    let placement = EnsemblePlacement::new(&topology, &constraints);
    assert!(!placement.acked_bookies_span_fault_domains(&quorums, &same_rack));
    assert!(placement.acked_bookies_span_fault_domains(&quorums, &strings(&["a1", "b1"])));
}

#[test]
fn exhausted_search_budget_is_a_typed_error() {
    let mapping: String = (0..12)
        .map(|bookie| format!("a{bookie} /r1\n"))
        .chain(["z /r2\n".to_string()])
        .collect();
    let available: Vec<String> = (0..12)
        .map(|bookie| format!("a{bookie}"))
        .chain(["z".to_string()])
        .collect();
    let topology = Topology::new(RackMapping::parse(&mapping).unwrap(), available);
    let constraints = PlacementConstraints {
        search_nodes_max: 5,
        ..rack_aware(true)
    };
    let error = EnsemblePlacement::new(&topology, &constraints)
        .new_ensemble(10, 3, 2, &[], &mut StdRng::seed_from_u64(0))
        .unwrap_err();
    assert!(
        matches!(
            error,
            PlacementError::SearchBudgetExhausted { nodes_max: 5, .. }
        ),
        "{error:?}"
    );
}

#[test]
fn invalid_quorum_sizes_are_typed_errors() {
    let topology = topology(SIX_IN_THREE_RACKS, &SIX);
    let constraints = rack_aware(false);
    let error = EnsemblePlacement::new(&topology, &constraints)
        .new_ensemble(2, 3, 2, &[], &mut StdRng::seed_from_u64(0))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid quorum sizes E=2 Qw=3 Qa=2: need E >= Qw >= Qa >= 1"
    );
}

#[test]
fn first_bookie_prefers_the_writers_local_rack_without_weakening_rules() {
    let topology = topology(SIX_IN_THREE_RACKS, &SIX);
    let constraints = PlacementConstraints {
        local_location: Some(placement::NetworkLocation::parse("/dc/r2").unwrap()),
        ..rack_aware(true)
    };
    let placement = EnsemblePlacement::new(&topology, &constraints);
    for seed in 0..30 {
        let placed = placement
            .new_ensemble(3, 2, 2, &[], &mut StdRng::seed_from_u64(seed))
            .unwrap();
        assert_eq!(
            topology.location_of(&placed.value[0]).rack(),
            "/dc/r2",
            "seed {seed}"
        );
        assert_eq!(placed.adherence, Adherence::MeetsStrict);
    }
    // A local rack with no eligible bookie is simply not preferred.
    let placed = placement
        .new_ensemble(
            4,
            2,
            2,
            &strings(&["b1", "b2"]),
            &mut StdRng::seed_from_u64(0),
        )
        .unwrap();
    assert_eq!(placed.adherence, Adherence::MeetsStrict);
}

#[test]
fn replacement_keeps_region_durability_even_when_candidates_are_in_one_region() {
    // Goal: the last us bookie fails and only eu bookies are left; a replacement in eu would leave
    // a write quorum inside one region, so with durability enforcement in replace it is refused,
    // and without it the best eu bookie is used and reported as Fail.
    let mapping = "e1 /eu/r1\ne2 /eu/r2\ne3 /eu/r3\nu1 /us/r1\nu2 /us/r2\n";
    let topology = topology(mapping, &["e1", "e2", "e3", "u1", "u2"]);
    let quorums = Quorums::new(4, 2, 2).unwrap();
    let ensemble = strings(&["e1", "u1", "e2", "u2"]);
    let mut constraints = region_aware(&["eu", "us"]);
    let error = EnsemblePlacement::new(&topology, &constraints)
        .replace_bookie(&quorums, &ensemble, 1, &[], &mut StdRng::seed_from_u64(0))
        .unwrap_err();
    assert!(
        matches!(
            error,
            PlacementError::ReplacementImpossible {
                rule: SpreadRule::Regions(2),
                ..
            }
        ),
        "{error:?}"
    );
    constraints.region.enforce_durability_in_replace = false;
    let placed = EnsemblePlacement::new(&topology, &constraints)
        .replace_bookie(&quorums, &ensemble, 1, &[], &mut StdRng::seed_from_u64(0))
        .unwrap();
    assert_eq!(
        (placed.value.as_str(), placed.adherence),
        ("e3", Adherence::Fail)
    );
}

#[test]
fn disallowed_region_gets_no_bookies_and_is_named_in_errors() {
    let mapping = "e1 /eu/r1\ne2 /eu/r2\nu1 /us/r1\nu2 /us/r2\na1 /ap/r1\na2 /ap/r2\n";
    let topology = topology(mapping, &["e1", "e2", "u1", "u2", "a1", "a2"]);
    let mut constraints = region_aware(&["eu", "us", "ap"]);
    constraints.region.disallowed_regions = vec!["us".to_string()];
    let placement = EnsemblePlacement::new(&topology, &constraints);
    for seed in 0..20 {
        let placed = placement
            .new_ensemble(4, 2, 2, &[], &mut StdRng::seed_from_u64(seed))
            .unwrap();
        assert!(
            placed.value.iter().all(|bookie| !bookie.starts_with('u')),
            "{:?}",
            placed.value
        );
        assert_eq!(placed.adherence, Adherence::MeetsStrict);
    }
    let error = placement
        .new_ensemble(5, 2, 2, &[], &mut StdRng::seed_from_u64(0))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "need 5 bookies, only 4 eligible: a1,a2,e1,e2; in a disallowed region: u1,u2"
    );
}

#[test]
fn ensembles_of_wrong_size_or_with_repeats_do_not_adhere() {
    let topology = topology(SIX_IN_THREE_RACKS, &SIX);
    let constraints = rack_aware(false);
    let placement = EnsemblePlacement::new(&topology, &constraints);
    let quorums = Quorums::new(3, 2, 2).unwrap();
    assert_eq!(
        placement.adherence(&quorums, &strings(&["a1", "b1", "c1"])),
        Adherence::MeetsStrict
    );
    assert_eq!(
        placement.adherence(&quorums, &strings(&["a1", "b1"])),
        Adherence::Fail
    );
    assert_eq!(
        placement.adherence(&quorums, &strings(&["a1", "b1", "a1"])),
        Adherence::Fail
    );
}
