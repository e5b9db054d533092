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
//! - [`write_set`]: quorum sizes and round-robin striping, with the ack and coverage arithmetic.
//! - [`constraints`]: the policy and BookKeeper's settings with their defaults.
//! - [`EnsemblePlacement`]: new ensembles, replacements, adherence checks.
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
