//! Why a placement could not be made.
//!
//! This module owns [`PlacementError`] and the small summary types its variants carry. Every
//! variant names the constraint that failed and the facts that make it fail (the fault domains
//! with eligible bookies, and which bookies were excluded and why), so an operator can act on the
//! message alone.

use std::fmt;

use crate::write_set::QuorumError;

/// A kind of fault domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultDomain {
    /// A rack: the whole network location path.
    Rack,
    /// A region: the first component of the network location.
    Region,
}

impl fmt::Display for FaultDomain {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::Rack => "rack",
            Self::Region => "region",
        })
    }
}

/// A spread rule over the write-quorum windows of an ensemble.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpreadRule {
    /// Every write quorum spans at least this many racks.
    Racks(usize),
    /// Every write quorum spans at least this many regions.
    Regions(usize),
    /// Both at once.
    RacksAndRegions {
        /// Racks per write quorum.
        racks: usize,
        /// Regions per write quorum.
        regions: usize,
    },
}

impl fmt::Display for SpreadRule {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Racks(racks) => write!(formatter, "{racks} racks"),
            Self::Regions(regions) => write!(formatter, "{regions} regions"),
            Self::RacksAndRegions { racks, regions } => {
                write!(formatter, "{racks} racks and {regions} regions")
            }
        }
    }
}

/// One fault domain and the eligible bookies in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainGroup {
    /// Rack path or region name.
    pub name: String,
    /// Eligible bookies in the domain, in id order.
    pub bookies: Vec<String>,
}

/// Writable bookies that were not eligible, grouped by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclusions {
    /// Excluded by the caller, or already in the ensemble (for a replacement).
    pub excluded: Vec<String>,
    /// In the default rack while `enforceMinNumRacksPerWriteQuorum` is on.
    pub default_rack: Vec<String>,
    /// Outside `reppRegionsToWrite`.
    pub outside_regions: Vec<String>,
    /// In a region where placement is disallowed.
    pub disallowed_regions: Vec<String>,
}

impl fmt::Display for Exclusions {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            ("excluded", &self.excluded),
            (
                "in the default rack (ineligible while enforcing min racks)",
                &self.default_rack,
            ),
            ("outside regionsToWrite", &self.outside_regions),
            ("in a disallowed region", &self.disallowed_regions),
        ];
        for (label, bookies) in parts {
            if !bookies.is_empty() {
                write!(formatter, "; {label}: {}", list(bookies))?;
            }
        }
        Ok(())
    }
}

/// Bookies listed per message list; longer lists end with a count so messages stay readable on
/// large clusters (the error's fields keep every name).
pub const LISTED_BOOKIES_MAX: usize = 10;

/// Formats `items` as `a,b,c`, cut after [`LISTED_BOOKIES_MAX`] with `,... (+N more)`.
pub(crate) fn list(items: &[String]) -> String {
    if items.len() <= LISTED_BOOKIES_MAX {
        return items.join(",");
    }
    let shown = items[..LISTED_BOOKIES_MAX].join(",");
    format!("{shown},... (+{} more)", items.len() - LISTED_BOOKIES_MAX)
}

/// Formats groups as `/r1 (bookies b1,b2), /r2 (bookies b3)`.
pub(crate) fn describe_groups(groups: &[DomainGroup]) -> String {
    let described: Vec<String> = groups
        .iter()
        .map(|group| format!("{} (bookies {})", group.name, list(&group.bookies)))
        .collect();
    if described.is_empty() {
        "none".to_string()
    } else {
        described.join(", ")
    }
}

fn plural(count: usize, domain: &FaultDomain) -> String {
    if count == 1 {
        format!("{count} {domain} has")
    } else {
        format!("{count} {domain}s have")
    }
}

/// Why [`crate::EnsemblePlacement`] could not place or replace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlacementError {
    /// The quorum sizes are invalid.
    #[error(transparent)]
    Quorum(#[from] QuorumError),
    /// Region-aware validation rejected the quorum sizes (spec §6.7).
    #[error(
        "region-aware validation: Qw={write_quorum} Qa={ack_quorum} with {min_regions} regions for durability: {reason}"
    )]
    RegionValidation {
        /// Write quorum Qw.
        write_quorum: usize,
        /// Ack quorum Qa.
        ack_quorum: usize,
        /// Effective `reppMinimumRegionsForDurability`.
        min_regions: usize,
        /// Which rule failed.
        reason: &'static str,
    },
    /// Fewer eligible bookies than needed.
    #[error("need {needed} bookies, only {} eligible: {}{exclusions}", candidates.len(), if candidates.is_empty() { "none".to_string() } else { list(candidates) })]
    NotEnoughBookies {
        /// How many were needed.
        needed: usize,
        /// The eligible bookies.
        candidates: Vec<String>,
        /// The writable bookies that were not eligible.
        exclusions: Box<Exclusions>,
    },
    /// Fewer fault domains with eligible bookies than every write quorum must span.
    #[error("need {required} {domain}s per write quorum of {write_quorum}, only {} available bookies: {}{exclusions}", plural(groups.len(), domain), describe_groups(groups))]
    NotEnoughFaultDomains {
        /// Rack or region.
        domain: FaultDomain,
        /// Domains each write quorum must span.
        required: usize,
        /// Write quorum Qw.
        write_quorum: usize,
        /// The domains that have eligible bookies.
        groups: Vec<DomainGroup>,
        /// The writable bookies that were not eligible.
        exclusions: Box<Exclusions>,
    },
    /// Enough domains exist, but an exhaustive search proved no arrangement gives every write
    /// quorum the required spread (for example one rack holds most of the eligible bookies).
    #[error("no ensemble of {ensemble_size} bookies gives every write quorum of {write_quorum} at least {rule}: eligible bookies are {}{exclusions}", describe_groups(groups))]
    SpreadImpossible {
        /// The rule that cannot be met.
        rule: SpreadRule,
        /// Ensemble size E.
        ensemble_size: usize,
        /// Write quorum Qw.
        write_quorum: usize,
        /// Eligible bookies by rack.
        groups: Vec<DomainGroup>,
        /// The writable bookies that were not eligible.
        exclusions: Box<Exclusions>,
    },
    /// The search hit `search_nodes_max` before finding an ensemble or proving none exists.
    #[error("gave up after {nodes_max} search steps looking for an ensemble of {ensemble_size} where every write quorum of {write_quorum} spans {rule}")]
    SearchBudgetExhausted {
        /// The rule being searched for.
        rule: SpreadRule,
        /// Ensemble size E.
        ensemble_size: usize,
        /// Write quorum Qw.
        write_quorum: usize,
        /// The budget that ran out.
        nodes_max: usize,
    },
    /// The ensemble or index passed to a replacement does not fit the quorum sizes.
    #[error("invalid replacement request: {reason}")]
    InvalidReplacement {
        /// What is wrong.
        reason: String,
    },
    /// No eligible bookie is left to replace position `index`.
    #[error("cannot replace position {index} ({failed}): no eligible bookie{exclusions}")]
    NoReplacementCandidates {
        /// Position being replaced.
        index: usize,
        /// The bookie being replaced.
        failed: String,
        /// The writable bookies that were not eligible.
        exclusions: Box<Exclusions>,
    },
    /// Every eligible replacement would leave a write quorum containing `index` short of the rule.
    #[error("cannot replace position {index} ({failed}): no candidate keeps {rule} in every write quorum of {write_quorum} containing it; candidates: {}{exclusions}", list(candidates))]
    ReplacementImpossible {
        /// Position being replaced.
        index: usize,
        /// The bookie being replaced.
        failed: String,
        /// The rule no candidate meets.
        rule: SpreadRule,
        /// Write quorum Qw.
        write_quorum: usize,
        /// Eligible candidates, each as `bookie@location`.
        candidates: Vec<String>,
        /// The writable bookies that were not eligible.
        exclusions: Box<Exclusions>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_enough_racks_message_names_rack_bookies_and_exclusions() {
        let error = PlacementError::NotEnoughFaultDomains {
            domain: FaultDomain::Rack,
            required: 2,
            write_quorum: 3,
            groups: vec![DomainGroup {
                name: "/r1".into(),
                bookies: vec!["b1".into(), "b2".into(), "b3".into()],
            }],
            exclusions: Box::new(Exclusions {
                excluded: vec!["b4".into()],
                ..Exclusions::default()
            }),
        };
        assert_eq!(
            error.to_string(),
            "need 2 racks per write quorum of 3, only 1 rack has available bookies: /r1 (bookies b1,b2,b3); excluded: b4"
        );
    }

    #[test]
    fn long_bookie_lists_are_cut_with_a_count() {
        let bookies: Vec<String> = (0..13).map(|index| format!("b{index}")).collect();
        assert_eq!(
            list(&bookies),
            "b0,b1,b2,b3,b4,b5,b6,b7,b8,b9,... (+3 more)"
        );
        assert_eq!(list(&bookies[..2]), "b0,b1");
    }
}
