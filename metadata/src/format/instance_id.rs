//! The cluster instance id `/ledgers/INSTANCEID` (spec §5.4): a random UUID as 36 ASCII bytes,
//! no newline. Every cookie of the cluster repeats it, so a bookie cannot join another cluster.

use super::FormatError;

/// A cluster instance id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InstanceId(String);

impl InstanceId {
    /// A new random (version 4) UUID, as `initnewcluster` creates.
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Encodes the znode bytes.
    pub fn encode(&self) -> Vec<u8> {
        self.0.as_bytes().to_vec()
    }

    /// Decodes the znode bytes: non-empty printable ASCII without whitespace (Java writes a UUID,
    /// but only compares the text, so any such string is accepted).
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        if bytes.is_empty() {
            return Err(FormatError::bad_field("INSTANCEID", "empty"));
        }
        if !bytes.iter().all(|b| b.is_ascii_graphic()) {
            return Err(FormatError::bad_field("INSTANCEID", "not printable ASCII"));
        }
        Ok(Self(String::from_utf8_lossy(bytes).into_owned()))
    }
}

impl std::fmt::Display for InstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixture;

    #[test]
    fn fixture_instance_id_round_trips() {
        let bytes = fixture("ledgers__INSTANCEID.bin");
        let id = InstanceId::decode(&bytes).unwrap();
        assert_eq!(id.as_str(), "6fcac568-044b-42da-8ba1-7e6c5a6fb19b");
        assert_eq!(id.encode(), bytes);
    }

    #[test]
    fn random_ids_are_uuid_text() {
        let id = InstanceId::random();
        assert_eq!(id.as_str().len(), 36);
        assert!(uuid::Uuid::parse_str(id.as_str()).is_ok());
        assert_ne!(id, InstanceId::random());
        assert!(InstanceId::decode(b"").is_err());
        assert!(InstanceId::decode(b"a b").is_err());
    }
}
