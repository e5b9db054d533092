//! The cluster layout znode `/ledgers/LAYOUT` (spec §5.7).
//!
//! Text: `<layout format version>\n<ledger manager factory class>:<factory version>`, no trailing
//! newline. Format version 2 is the only one written since BookKeeper 4.2; clients read it to pick
//! the ledger manager (hierarchical for every cluster this crate creates).

use super::FormatError;

/// The layout format version this crate writes and reads.
pub const LAYOUT_FORMAT_VERSION: u32 = 2;
/// Factory class of the hierarchical ledger manager (the 4.16 default).
pub const HIERARCHICAL_FACTORY_CLASS: &str =
    "org.apache.bookkeeper.meta.HierarchicalLedgerManagerFactory";
/// Factory class of the long-hierarchical ledger manager.
pub const LONG_HIERARCHICAL_FACTORY_CLASS: &str =
    "org.apache.bookkeeper.meta.LongHierarchicalLedgerManagerFactory";

/// Decoded `LAYOUT` znode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Ledger manager factory class name.
    pub manager_factory_class: String,
    /// Ledger manager factory version.
    pub manager_version: u32,
}

impl Layout {
    /// The layout `bookkeeper shell initnewcluster` writes by default.
    pub fn hierarchical() -> Self {
        Self {
            manager_factory_class: HIERARCHICAL_FACTORY_CLASS.into(),
            manager_version: 1,
        }
    }

    /// The layout of a cluster created with `zk+longhierarchical://`.
    pub fn long_hierarchical() -> Self {
        Self {
            manager_factory_class: LONG_HIERARCHICAL_FACTORY_CLASS.into(),
            manager_version: 1,
        }
    }

    /// Encodes the znode text.
    pub fn encode(&self) -> Vec<u8> {
        format!(
            "{LAYOUT_FORMAT_VERSION}\n{}:{}",
            self.manager_factory_class, self.manager_version
        )
        .into_bytes()
    }

    /// Decodes the znode text.
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        let text = std::str::from_utf8(bytes).map_err(|_| FormatError::NotUtf8)?;
        let (version, rest) = text
            .split_once('\n')
            .ok_or_else(|| FormatError::BadHeader("no newline after the layout version".into()))?;
        if version.trim() != LAYOUT_FORMAT_VERSION.to_string() {
            return Err(FormatError::UnsupportedVersion(format!(
                "layout {version:?}"
            )));
        }
        let (class, manager_version) = rest.trim_end().rsplit_once(':').ok_or_else(|| {
            FormatError::bad_field("LAYOUT", "no ':' between factory class and version")
        })?;
        if class.is_empty() {
            return Err(FormatError::bad_field("LAYOUT", "empty factory class"));
        }
        let manager_version = manager_version.parse().map_err(|_| {
            FormatError::bad_field(
                "LAYOUT",
                format!("factory version {manager_version:?} is not a number"),
            )
        })?;
        Ok(Self {
            manager_factory_class: class.into(),
            manager_version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixture;

    #[test]
    fn fixture_layout_decodes_and_reencodes_byte_identical() {
        let bytes = fixture("ledgers__LAYOUT.bin");
        let layout = Layout::decode(&bytes).unwrap();
        assert_eq!(layout, Layout::hierarchical());
        assert_eq!(layout.encode(), bytes);
    }

    #[test]
    fn bad_layouts_are_errors() {
        for bad in [&b""[..], b"1\nx:1", b"2\nx", b"2\n:1", b"2\nx:y", b"\xff"] {
            assert!(
                Layout::decode(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
