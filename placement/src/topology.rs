//! A snapshot of the cluster as placement sees it: which bookies are writable, where each one
//! lives, and optionally how loaded it is.
//!
//! This module owns [`Topology`]. It is a value: the caller builds a new one when the registry
//! changes, and placement never mutates it. Invariants: the available set is ordered (a
//! `BTreeSet`), so iteration order and therefore every seeded placement is deterministic; any
//! bookie, available or not, resolves to a location through the mapping.

use std::collections::{BTreeMap, BTreeSet};

use crate::load::LoadHint;
use crate::location::NetworkLocation;
use crate::mapping::RackMapping;

/// Writable bookies, their locations and optional load hints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topology {
    mapping: RackMapping,
    available: BTreeSet<String>,
    load_hints: BTreeMap<String, LoadHint>,
}

impl Topology {
    /// A topology of `available` bookies located through `mapping`.
    pub fn new<I, S>(mapping: RackMapping, available: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let available = available.into_iter().map(Into::into).collect();
        Self {
            mapping,
            available,
            load_hints: BTreeMap::new(),
        }
    }

    /// Records the latest load hint of `bookie`, replacing any earlier one.
    pub fn set_load_hint(&mut self, bookie: impl Into<String>, hint: LoadHint) {
        self.load_hints.insert(bookie.into(), hint);
    }

    /// The load hint of `bookie`, if one was recorded.
    pub fn load_hint(&self, bookie: &str) -> Option<&LoadHint> {
        self.load_hints.get(bookie)
    }

    /// The location of any bookie (the mapping's default when it is unmapped).
    pub fn location_of(&self, bookie: &str) -> &NetworkLocation {
        self.mapping.resolve(bookie)
    }

    /// The location given to unmapped bookies; BookKeeper calls it the default rack.
    pub fn default_location(&self) -> &NetworkLocation {
        self.mapping.default_location()
    }

    /// Whether `bookie` sits in the default rack.
    pub fn is_in_default_rack(&self, bookie: &str) -> bool {
        self.location_of(bookie) == self.default_location()
    }

    /// Writable bookies in id order.
    pub fn available(&self) -> impl Iterator<Item = &str> {
        self.available.iter().map(String::as_str)
    }

    /// Whether `bookie` is writable.
    pub fn is_available(&self, bookie: &str) -> bool {
        self.available.contains(bookie)
    }

    /// Number of writable bookies.
    pub fn available_len(&self) -> usize {
        self.available.len()
    }

    /// The mapping used to locate bookies.
    pub fn mapping(&self) -> &RackMapping {
        &self.mapping
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmapped_available_bookie_is_in_default_rack() {
        let mapping = RackMapping::parse("a /eu/r1\n").unwrap();
        let topology = Topology::new(mapping, ["a", "b"]);
        assert!(!topology.is_in_default_rack("a"));
        assert!(topology.is_in_default_rack("b"));
        assert_eq!(topology.available().collect::<Vec<_>>(), vec!["a", "b"]);
    }

    #[test]
    fn failed_bookie_keeps_its_location_after_leaving_the_available_set() {
        let mapping = RackMapping::parse("gone /eu/r7\n").unwrap();
        let topology = Topology::new(mapping, ["a"]);
        assert!(!topology.is_available("gone"));
        assert_eq!(topology.location_of("gone").rack(), "/eu/r7");
    }
}
