//! Network locations: BookKeeper's `/region/rack` paths (spec §6.7).
//!
//! This module owns the one validated string type that every other module compares.
//! Invariants: a [`NetworkLocation`] starts with `/`, has at least one component, and no
//! component is empty or contains whitespace. The region is the first component and the rack
//! is the whole path, so two racks with the same name in different regions are different racks.

use std::fmt;

/// The location BookKeeper's region-aware policy gives a bookie it cannot resolve.
pub const DEFAULT_LOCATION: &str = "/default-region/default-rack";

/// Why a string is not a network location.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    /// The string is empty.
    #[error("empty network location")]
    Empty,
    /// The string does not start with `/`.
    #[error("network location {0:?} must start with '/' (like /region/rack)")]
    NotAbsolute(String),
    /// A component between two `/` is empty (`//`, or a trailing `/`).
    #[error("network location {0:?} has an empty component")]
    EmptyComponent(String),
    /// A component contains whitespace.
    #[error("network location {0:?} contains whitespace")]
    Whitespace(String),
}

/// A validated `/`-separated network location such as `/eu-west/rack-7`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NetworkLocation {
    path: String,
}

impl NetworkLocation {
    /// Validates `path` as a location.
    pub fn parse(path: &str) -> Result<Self, LocationError> {
        if path.is_empty() {
            return Err(LocationError::Empty);
        }
        let Some(rest) = path.strip_prefix('/') else {
            return Err(LocationError::NotAbsolute(path.to_string()));
        };
        if rest.split('/').any(str::is_empty) {
            return Err(LocationError::EmptyComponent(path.to_string()));
        }
        if path.chars().any(char::is_whitespace) {
            return Err(LocationError::Whitespace(path.to_string()));
        }
        Ok(Self {
            path: path.to_string(),
        })
    }

    /// The default location for bookies the mapping does not know.
    pub fn default_location() -> Self {
        Self {
            path: DEFAULT_LOCATION.to_string(),
        }
    }

    /// The whole path; this is the rack identity.
    pub fn rack(&self) -> &str {
        &self.path
    }

    /// The first component (without the leading `/`); this is the region identity.
    pub fn region(&self) -> &str {
        let rest = &self.path[1..];
        rest.split('/').next().unwrap_or(rest)
    }
}

impl fmt::Display for NetworkLocation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_is_first_component_and_rack_is_full_path() {
        let location = NetworkLocation::parse("/eu/rack-1").unwrap();
        assert_eq!(location.region(), "eu");
        assert_eq!(location.rack(), "/eu/rack-1");
        let single = NetworkLocation::parse("/rack-9").unwrap();
        assert_eq!(single.region(), "rack-9");
        assert_eq!(single.rack(), "/rack-9");
    }

    #[test]
    fn default_location_is_default_region_default_rack() {
        let location = NetworkLocation::default_location();
        assert_eq!(location.region(), "default-region");
        assert_eq!(location.rack(), "/default-region/default-rack");
    }

    #[test]
    fn malformed_locations_are_rejected_with_reason() {
        assert_eq!(NetworkLocation::parse(""), Err(LocationError::Empty));
        assert!(matches!(
            NetworkLocation::parse("eu/r1"),
            Err(LocationError::NotAbsolute(_))
        ));
        assert!(matches!(
            NetworkLocation::parse("/"),
            Err(LocationError::EmptyComponent(_))
        ));
        assert!(matches!(
            NetworkLocation::parse("/eu//r1"),
            Err(LocationError::EmptyComponent(_))
        ));
        assert!(matches!(
            NetworkLocation::parse("/eu/r1/"),
            Err(LocationError::EmptyComponent(_))
        ));
        assert!(matches!(
            NetworkLocation::parse("/eu/r\t1"),
            Err(LocationError::Whitespace(_))
        ));
    }
}
