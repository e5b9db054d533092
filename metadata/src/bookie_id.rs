//! The bookie identifier (spec §5.4): `host:port` or a free-form `bookieId` from the configuration.
//!
//! Invariant: a [`BookieId`] is non-empty, uses only the characters `[a-zA-Z0-9:._-]` and is not
//! `readonly` (that name is taken by the `/ledgers/available/readonly` znode).
//! It is therefore always a valid single ZooKeeper path component and a valid redb key part.

use std::fmt;

/// Longest bookie id we accept, in bytes; ZooKeeper paths have no hard limit but ids are short.
pub const BOOKIE_ID_BYTES_MAX: usize = 255;

/// A validated bookie identifier.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BookieId(String);

/// Why a string is not a bookie id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BookieIdError {
    /// The id is empty.
    #[error("bookie id is empty")]
    Empty,
    /// The id is longer than [`BOOKIE_ID_BYTES_MAX`].
    #[error("bookie id is {len_bytes} bytes long, more than {BOOKIE_ID_BYTES_MAX}")]
    TooLong {
        /// Length of the rejected id.
        len_bytes: usize,
    },
    /// The id contains a character outside `[a-zA-Z0-9:._-]`.
    #[error("bookie id {id:?} contains {character:?}; allowed are [a-zA-Z0-9:._-]")]
    BadCharacter {
        /// The rejected id.
        id: String,
        /// The first offending character.
        character: char,
    },
    /// The id is the reserved name `readonly`.
    #[error("bookie id may not be \"readonly\"")]
    Reserved,
}

impl BookieId {
    /// Validates `id` as a bookie id.
    pub fn parse(id: &str) -> Result<Self, BookieIdError> {
        if id.is_empty() {
            return Err(BookieIdError::Empty);
        }
        if id.len() > BOOKIE_ID_BYTES_MAX {
            return Err(BookieIdError::TooLong {
                len_bytes: id.len(),
            });
        }
        if let Some(character) = id
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '_' | '-')))
        {
            return Err(BookieIdError::BadCharacter {
                id: id.to_owned(),
                character,
            });
        }
        if id == "readonly" {
            return Err(BookieIdError::Reserved);
        }
        Ok(Self(id.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BookieId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for BookieId {
    type Err = BookieIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_and_free_form_ids_are_accepted() {
        assert_eq!(
            BookieId::parse("127.0.0.1:3181").unwrap().as_str(),
            "127.0.0.1:3181"
        );
        assert!(BookieId::parse("bookie-1_a.example").is_ok());
    }

    #[test]
    fn ids_that_are_not_one_path_component_are_rejected() {
        assert_eq!(BookieId::parse(""), Err(BookieIdError::Empty));
        assert_eq!(BookieId::parse("readonly"), Err(BookieIdError::Reserved));
        assert!(matches!(
            BookieId::parse("a/b"),
            Err(BookieIdError::BadCharacter { character: '/', .. })
        ));
        assert!(matches!(
            BookieId::parse(&"a".repeat(256)),
            Err(BookieIdError::TooLong { .. })
        ));
    }
}
