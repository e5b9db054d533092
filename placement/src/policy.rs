//! [`EnsemblePlacement`]: the entry point that binds a topology snapshot to a configuration.
//!
//! This module owns the public calls and nothing else; the work lives in [`crate::ensemble`],
//! [`crate::replace`] and [`crate::adherence`]. Every call is a pure function of
//! (topology, constraints, arguments, RNG state): the same seed gives the same answer.

use std::collections::BTreeSet;

use rand::Rng;

use crate::adherence::{acked_span_fault_domains, ensemble_adherence, Adherence, Placed};
use crate::constraints::PlacementConstraints;
use crate::error::PlacementError;
use crate::topology::Topology;
use crate::write_set::Quorums;
use crate::{ensemble, replace};

/// Placement over one topology snapshot with one configuration.
#[derive(Debug, Clone, Copy)]
pub struct EnsemblePlacement<'a> {
    topology: &'a Topology,
    constraints: &'a PlacementConstraints,
}

impl<'a> EnsemblePlacement<'a> {
    /// Binds `topology` and `constraints`.
    pub fn new(topology: &'a Topology, constraints: &'a PlacementConstraints) -> Self {
        Self {
            topology,
            constraints,
        }
    }

    /// Chooses E distinct bookies for a new ledger, none of them in `excluded`, in ensemble
    /// position order. Randomness comes only from `rng`.
    pub fn new_ensemble<R: Rng + ?Sized>(
        &self,
        ensemble_size: usize,
        write_quorum: usize,
        ack_quorum: usize,
        excluded: &[String],
        rng: &mut R,
    ) -> Result<Placed<Vec<String>>, PlacementError> {
        let quorums = Quorums::new(ensemble_size, write_quorum, ack_quorum)?;
        let excluded: BTreeSet<&str> = excluded.iter().map(String::as_str).collect();
        ensemble::new_ensemble(self.topology, self.constraints, &quorums, &excluded, rng)
    }

    /// Chooses a bookie to take position `index_to_replace` of `ensemble` (of size E), never one in
    /// `excluded` or already in the ensemble.
    pub fn replace_bookie<R: Rng + ?Sized>(
        &self,
        quorums: &Quorums,
        ensemble: &[String],
        index_to_replace: usize,
        excluded: &[String],
        rng: &mut R,
    ) -> Result<Placed<String>, PlacementError> {
        let excluded: BTreeSet<&str> = excluded.iter().map(String::as_str).collect();
        replace::replace_bookie(
            self.topology,
            self.constraints,
            quorums,
            ensemble,
            index_to_replace,
            &excluded,
            rng,
        )
    }

    /// Whether `ensemble` meets the policy strictly (BookKeeper's adherence check, used by the
    /// auditor's placement check).
    pub fn adherence(&self, quorums: &Quorums, ensemble: &[String]) -> Adherence {
        let members: Vec<&str> = ensemble.iter().map(String::as_str).collect();
        ensemble_adherence(self.topology, self.constraints, quorums, &members)
    }

    /// With `enforceMinNumFaultDomainsForWrite`, whether the bookies that acked an entry span
    /// `min(Qw, minNumRacksPerWriteQuorum)` racks; the client holds the ack back until they do.
    /// Always true when the flag is off.
    pub fn acked_bookies_span_fault_domains(&self, quorums: &Quorums, acked: &[String]) -> bool {
        let members: Vec<&str> = acked.iter().map(String::as_str).collect();
        acked_span_fault_domains(self.topology, self.constraints, quorums, &members)
    }
}
