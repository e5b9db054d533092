//! Whether an ensemble meets the placement policy (BookKeeper's `isEnsembleAdheringToPlacementPolicy`
//! and `areAckedBookiesAdheringToPlacementPolicy`, spec §6.7).
//!
//! This module owns [`Adherence`], [`Placed`] and the window measurements shared by new-ensemble
//! and replacement code. It only reads the topology; it never chooses bookies.

use std::collections::BTreeSet;

use crate::constraints::{PlacementConstraints, PolicyKind};
use crate::requirement::SpreadTargets;
use crate::topology::Topology;
use crate::write_set::Quorums;

/// How well a placement meets the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adherence {
    /// Every write quorum meets every spread target, and (when enforcing racks) no bookie is in
    /// the default rack.
    MeetsStrict,
    /// A non-enforced target was missed; BookKeeper falls back to such placements rather than
    /// failing, and the auditor reports them.
    Fail,
}

/// A placement decision and how well it meets the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed<T> {
    /// The chosen ensemble (or replacement bookie).
    pub value: T,
    /// Whether it meets the policy strictly: for a new ensemble, every write quorum; for a
    /// replacement, every write quorum containing the replaced position (the others are as the
    /// caller's ensemble left them; check them with [`crate::EnsemblePlacement::adherence`]).
    pub adherence: Adherence,
}

/// Distinct racks and regions in one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct WindowSpread {
    pub racks: usize,
    pub regions: usize,
}

/// Distinct racks and regions among `bookies`.
pub(crate) fn spread_of<'a>(
    topology: &Topology,
    bookies: impl IntoIterator<Item = &'a str>,
) -> WindowSpread {
    let mut racks = BTreeSet::new();
    let mut regions = BTreeSet::new();
    for bookie in bookies {
        let location = topology.location_of(bookie);
        racks.insert(location.rack());
        regions.insert(location.region());
    }
    WindowSpread {
        racks: racks.len(),
        regions: regions.len(),
    }
}

/// The worst spread over the write-quorum windows of `ensemble` that contain `position`
/// (all windows when `position` is `None`). Racks and regions are minimised independently.
pub(crate) fn worst_spread(
    topology: &Topology,
    quorums: &Quorums,
    ensemble: &[&str],
    position: Option<usize>,
) -> WindowSpread {
    let size = quorums.ensemble_size();
    let width = quorums.write_quorum();
    let starts: Vec<usize> = match position {
        // The windows containing `position` start at most Qw - 1 positions before it; with
        // Qw == E they are all the same window.
        Some(position) if width < size => (0..width)
            .map(|back| (position + size - back) % size)
            .collect(),
        Some(_) => vec![0],
        None => (0..size).collect(),
    };
    let mut worst = WindowSpread {
        racks: usize::MAX,
        regions: usize::MAX,
    };
    for start in starts {
        let members =
            (0..width).filter_map(|offset| ensemble.get((start + offset) % size).copied());
        let spread = spread_of(topology, members);
        worst.racks = worst.racks.min(spread.racks);
        worst.regions = worst.regions.min(spread.regions);
    }
    worst
}

/// Adherence of `ensemble` to `constraints` for `quorums`; `Fail` unless it has E distinct bookies.
pub(crate) fn ensemble_adherence(
    topology: &Topology,
    constraints: &PlacementConstraints,
    quorums: &Quorums,
    ensemble: &[&str],
) -> Adherence {
    // An ensemble of the wrong size, or with a bookie twice, cannot meet any policy.
    let distinct: BTreeSet<&str> = ensemble.iter().copied().collect();
    if ensemble.len() != quorums.ensemble_size() || distinct.len() != ensemble.len() {
        return Adherence::Fail;
    }
    if constraints.policy == PolicyKind::Random {
        return Adherence::MeetsStrict;
    }
    let targets = SpreadTargets::of(constraints, quorums);
    let worst = worst_spread(topology, quorums, ensemble, None);
    let in_default_rack = constraints.rack.enforce_min_racks_per_write_quorum
        && ensemble
            .iter()
            .any(|bookie| topology.is_in_default_rack(bookie));
    if worst.racks >= targets.rack_min && worst.regions >= targets.region_min && !in_default_rack {
        Adherence::MeetsStrict
    } else {
        Adherence::Fail
    }
}

/// With `enforceMinNumFaultDomainsForWrite` on, whether the acked bookies of an entry span
/// `min(Qw, minNumRacksPerWriteQuorum)` racks, so the client may complete the add. Always true
/// when the flag is off or the policy is random.
pub(crate) fn acked_span_fault_domains(
    topology: &Topology,
    constraints: &PlacementConstraints,
    quorums: &Quorums,
    acked: &[&str],
) -> bool {
    if constraints.policy == PolicyKind::Random
        || !constraints.rack.enforce_min_fault_domains_for_write
    {
        return true;
    }
    let targets = SpreadTargets::of(constraints, quorums);
    spread_of(topology, acked.iter().copied()).racks >= targets.rack_min
}
