//! Placement configuration: which policy, and the BookKeeper client settings it honours
//! (spec §6.7 and §9).
//!
//! This module owns the configuration structs and their BookKeeper defaults. It holds no logic
//! beyond defaults; the private `requirement` module turns a configuration into per-window rules.
//! The search budget's default of 200 000 nodes costs roughly 0.25 s when fully spent on the
//! shared development host (about 1 µs per node); feasible placements usually need about E nodes.

use crate::location::NetworkLocation;

/// Which placement policy to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyKind {
    /// Any distinct, non-excluded writable bookies, chosen at random.
    Random,
    /// BookKeeper's `RackawareEnsemblePlacementPolicy` (its client default).
    #[default]
    RackAware,
    /// BookKeeper's `RegionAwareEnsemblePlacementPolicy`.
    RegionAware,
}

/// Rack settings (spec §6.7 "Rack-aware", §9 client defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RackConstraints {
    /// `minNumRacksPerWriteQuorum`: every write quorum should span `min(Qw, this)` racks.
    /// Default 2.
    pub min_racks_per_write_quorum: usize,
    /// `enforceMinNumRacksPerWriteQuorum`: fail instead of falling back when the rack spread cannot
    /// be met, and never place on a bookie in the default rack. Default false.
    pub enforce_min_racks_per_write_quorum: bool,
    /// `enforceMinNumFaultDomainsForWrite`: the client delays acks until the acked bookies span
    /// enough racks (see [`crate::EnsemblePlacement::acked_bookies_span_fault_domains`]).
    /// Default false.
    pub enforce_min_fault_domains_for_write: bool,
}

impl Default for RackConstraints {
    fn default() -> Self {
        Self {
            min_racks_per_write_quorum: 2,
            enforce_min_racks_per_write_quorum: false,
            enforce_min_fault_domains_for_write: false,
        }
    }
}

/// Region settings (spec §6.7 "Region-aware"); used only by [`PolicyKind::RegionAware`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionConstraints {
    /// `reppRegionsToWrite`: regions to place in (region names without `/`). Empty means every
    /// region, and then the durability rule below is inactive, as in BookKeeper.
    pub regions_to_write: Vec<String>,
    /// `reppMinimumRegionsForDurability`: every write quorum must span this many regions when
    /// `regions_to_write` is set. Default 2.
    pub min_regions_for_durability: usize,
    /// `reppEnableDurabilityEnforcementInReplace`: a replacement must keep the region spread.
    /// Default true.
    pub enforce_durability_in_replace: bool,
    /// `reppEnableValidation`: reject quorum sizes where one region's loss can leave a write
    /// quorum without an ack quorum. Default true.
    pub enable_validation: bool,
    /// The `reppDisableDurabilityFeatureName` feature: when true, the durability rule is off.
    /// Default false.
    pub durability_disabled: bool,
    /// Regions whose `reppDisallowBookiePlacementInRegionFeatureName` feature is on: no bookie
    /// there is chosen (for example while a region is being drained). Default empty.
    pub disallowed_regions: Vec<String>,
}

impl Default for RegionConstraints {
    fn default() -> Self {
        Self {
            regions_to_write: Vec::new(),
            min_regions_for_durability: 2,
            enforce_durability_in_replace: true,
            enable_validation: true,
            durability_disabled: false,
            disallowed_regions: Vec::new(),
        }
    }
}

/// Everything a placement decision depends on besides the topology, the quorum sizes, the
/// excluded bookies and the random seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementConstraints {
    /// The policy to run.
    pub policy: PolicyKind,
    /// Rack settings.
    pub rack: RackConstraints,
    /// Region settings.
    pub region: RegionConstraints,
    /// Among candidates the constraints rank equally, prefer fewer requests in flight and more
    /// free disk (see [`crate::load`]). Default false, matching BookKeeper.
    pub load_aware_tie_breaking: bool,
    /// The writer's own network location. When set (and not the default location), the first
    /// ensemble position prefers a bookie in this rack, as BookKeeper's rack-aware policy does for
    /// the local node; it is a preference only and never weakens a rule. Default none.
    pub local_location: Option<NetworkLocation>,
    /// Upper bound on search nodes per call, so a pathological topology costs bounded time and
    /// gets [`crate::PlacementError::SearchBudgetExhausted`] instead of hanging. Default 200 000.
    pub search_nodes_max: usize,
}

impl Default for PlacementConstraints {
    fn default() -> Self {
        Self {
            policy: PolicyKind::default(),
            rack: RackConstraints::default(),
            region: RegionConstraints::default(),
            load_aware_tie_breaking: false,
            local_location: None,
            search_nodes_max: 200_000,
        }
    }
}
