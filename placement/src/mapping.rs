//! The bookie-to-location mapping (BookKeeper's DNS-to-switch mapping, spec §6.7).
//!
//! This module owns [`RackMapping`] and the parser for the mapping file format: one
//! `bookie location` pair per line, `#` starts a comment, blank lines are ignored.
//! It never reads files itself (the caller passes the text), so the crate stays free of I/O.
//! Invariants: every stored location is a valid [`NetworkLocation`]; a bookie is mapped at most
//! once; a bookie the mapping does not know resolves to the mapping's default location.

use std::collections::BTreeMap;

use crate::location::{LocationError, NetworkLocation};

/// Why a mapping file could not be parsed; every variant names its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingParseError {
    /// A line holds a bookie id but no location.
    #[error("line {line}: bookie {bookie:?} has no location (expected `bookie /region/rack`)")]
    MissingLocation {
        /// 1-based line number.
        line: usize,
        /// The bookie id found on the line.
        bookie: String,
    },
    /// A line holds more than two fields.
    #[error("line {line}: unexpected extra field {extra:?} (expected `bookie /region/rack`)")]
    ExtraField {
        /// 1-based line number.
        line: usize,
        /// The first unexpected field.
        extra: String,
    },
    /// The location field is not a valid network location.
    #[error("line {line}: {source}")]
    InvalidLocation {
        /// 1-based line number.
        line: usize,
        /// What is wrong with the location.
        source: LocationError,
    },
    /// The bookie was already mapped on an earlier line.
    #[error("line {line}: bookie {bookie:?} is already mapped on line {first_line}")]
    DuplicateBookie {
        /// 1-based line number of the repeat.
        line: usize,
        /// The repeated bookie id.
        bookie: String,
        /// 1-based line number of the first mapping.
        first_line: usize,
    },
}

/// Bookie id -> network location, with a default for bookies it does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RackMapping {
    locations: BTreeMap<String, NetworkLocation>,
    default_location: NetworkLocation,
}

impl Default for RackMapping {
    fn default() -> Self {
        Self::new(NetworkLocation::default_location())
    }
}

impl RackMapping {
    /// An empty mapping whose unknown bookies resolve to `default_location`.
    pub fn new(default_location: NetworkLocation) -> Self {
        Self {
            locations: BTreeMap::new(),
            default_location,
        }
    }

    /// Parses the mapping file format; unknown bookies resolve to
    /// `/default-region/default-rack`.
    pub fn parse(text: &str) -> Result<Self, MappingParseError> {
        let mut mapping = Self::default();
        let mut first_lines: BTreeMap<String, usize> = BTreeMap::new();
        for (index, raw_line) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw_line.split('#').next().unwrap_or("");
            let mut fields = content.split_whitespace();
            let Some(bookie) = fields.next() else {
                continue;
            };
            let Some(location_text) = fields.next() else {
                return Err(MappingParseError::MissingLocation {
                    line,
                    bookie: bookie.to_string(),
                });
            };
            if let Some(extra) = fields.next() {
                return Err(MappingParseError::ExtraField {
                    line,
                    extra: extra.to_string(),
                });
            }
            let location = NetworkLocation::parse(location_text)
                .map_err(|source| MappingParseError::InvalidLocation { line, source })?;
            if let Some(&first_line) = first_lines.get(bookie) {
                return Err(MappingParseError::DuplicateBookie {
                    line,
                    bookie: bookie.to_string(),
                    first_line,
                });
            }
            first_lines.insert(bookie.to_string(), line);
            mapping.locations.insert(bookie.to_string(), location);
        }
        Ok(mapping)
    }

    /// Maps `bookie` to `location`, replacing any earlier mapping.
    pub fn insert(&mut self, bookie: impl Into<String>, location: NetworkLocation) {
        self.locations.insert(bookie.into(), location);
    }

    /// The location of `bookie`, or the default location when it is not mapped.
    pub fn resolve(&self, bookie: &str) -> &NetworkLocation {
        self.locations.get(bookie).unwrap_or(&self.default_location)
    }

    /// Whether `bookie` has an explicit mapping.
    pub fn contains(&self, bookie: &str) -> bool {
        self.locations.contains_key(bookie)
    }

    /// The location given to unmapped bookies.
    pub fn default_location(&self) -> &NetworkLocation {
        &self.default_location
    }

    /// Number of explicitly mapped bookies.
    pub fn len(&self) -> usize {
        self.locations.len()
    }

    /// Whether no bookie is explicitly mapped.
    pub fn is_empty(&self) -> bool {
        self.locations.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_comments_and_blank_lines() {
        let text = "# cluster A\n\n127.0.0.1:3181 /eu/r1\n127.0.0.2:3181\t/eu/r2   # trailing\n";
        let mapping = RackMapping::parse(text).unwrap();
        assert_eq!(mapping.len(), 2);
        assert_eq!(mapping.resolve("127.0.0.1:3181").rack(), "/eu/r1");
        assert_eq!(mapping.resolve("127.0.0.2:3181").rack(), "/eu/r2");
    }

    #[test]
    fn unknown_bookie_resolves_to_default_region_default_rack() {
        let mapping = RackMapping::parse("a /eu/r1\n").unwrap();
        assert_eq!(
            mapping.resolve("zzz:3181").rack(),
            "/default-region/default-rack"
        );
        assert!(!mapping.contains("zzz:3181"));
    }

    #[test]
    fn missing_location_names_its_line() {
        let error = RackMapping::parse("a /eu/r1\n\nb\n").unwrap_err();
        assert_eq!(
            error,
            MappingParseError::MissingLocation {
                line: 3,
                bookie: "b".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "line 3: bookie \"b\" has no location (expected `bookie /region/rack`)"
        );
    }

    #[test]
    fn extra_field_names_its_line() {
        let error = RackMapping::parse("a /eu/r1 /eu/r2\n").unwrap_err();
        assert_eq!(
            error,
            MappingParseError::ExtraField {
                line: 1,
                extra: "/eu/r2".into()
            }
        );
    }

    #[test]
    fn invalid_location_names_its_line_and_reason() {
        let error = RackMapping::parse("# x\na eu/r1\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 2: network location \"eu/r1\" must start with '/' (like /region/rack)"
        );
    }

    #[test]
    fn duplicate_bookie_names_both_lines() {
        let error = RackMapping::parse("a /eu/r1\nb /eu/r1\na /eu/r2\n").unwrap_err();
        assert_eq!(
            error,
            MappingParseError::DuplicateBookie {
                line: 3,
                bookie: "a".into(),
                first_line: 1
            }
        );
    }
}
