//! Ensemble placement: which bookies store a ledger, and which position of an ensemble stores
//! an entry (spec §6.1-6.3, §6.7).
//!
//! The crate is pure: no async, no clock, and no I/O except [`script_mapping`], which runs an
//! operator's topology script the way BookKeeper's `ScriptBasedMapping` does. Everything else is
//! a function of (topology snapshot, constraints, arguments, RNG state), so a fixed seed replays
//! a decision exactly.
//!
//! Map:
//! - [`location`], [`mapping`], [`topology`], [`load`]: where bookies are and how busy they are.
//! - [`mod@write_set`]: quorum sizes and round-robin striping, with the ack and coverage arithmetic.
//! - [`constraints`]: the policy and BookKeeper's settings with their defaults.
//! - [`EnsemblePlacement`]: new ensembles, replacements, adherence checks.
//!
//! ```
//! use placement::{EnsemblePlacement, PlacementConstraints, Quorums, RackMapping, Topology};
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mapping = RackMapping::parse("a:3181 /eu/r1\nb:3181 /eu/r2\nc:3181 /eu/r3\nd:3181 /eu/r1\n")?;
//! let topology = Topology::new(mapping, ["a:3181", "b:3181", "c:3181", "d:3181"]);
//! let constraints = PlacementConstraints::default(); // rack-aware, BookKeeper defaults
//! let placement = EnsemblePlacement::new(&topology, &constraints);
//! let mut rng = StdRng::seed_from_u64(7);
//! let ensemble = placement.new_ensemble(3, 2, 2, &[], &mut rng)?.value;
//! // Position 1 failed: pick a replacement outside the ensemble.
//! let quorums = Quorums::new(3, 2, 2)?;
//! let replacement = placement.replace_bookie(&quorums, &ensemble, 1, &[], &mut rng)?.value;
//! assert!(!ensemble.contains(&replacement));
//! // Entry 4 is stored at positions (4 + i) mod 3 for i in 0..2.
//! assert_eq!(quorums.write_set(4)?, vec![1, 2]);
//! # Ok(())
//! # }
//! ```
//!
//! Invariants: a returned ensemble has E distinct, writable, non-excluded bookies; every
//! enforced rule holds in every write-quorum window; a rule that cannot be met is a typed
//! [`PlacementError`] naming it, never a panic and never a silently weaker placement unless the
//! rule is a non-enforced one, in which case the result says [`Adherence::Fail`].

#![deny(unsafe_code)]

mod adherence;
pub mod constraints;
mod ensemble;
mod error;
pub mod load;
pub mod location;
pub mod mapping;
mod policy;
mod replace;
mod requirement;
pub mod script_mapping;
mod search;
pub mod topology;
mod window_scorer;
pub mod write_set;

pub use adherence::{Adherence, Placed};
pub use constraints::{PlacementConstraints, PolicyKind, RackConstraints, RegionConstraints};
pub use error::{
    DomainGroup, Exclusions, FaultDomain, PlacementError, SpreadRule, LISTED_BOOKIES_MAX,
};
pub use load::LoadHint;
pub use location::{LocationError, NetworkLocation, DEFAULT_LOCATION};
pub use mapping::{MappingParseError, RackMapping};
pub use policy::EnsemblePlacement;
pub use topology::Topology;
pub use write_set::{write_set, QuorumError, Quorums};
