//! [`LedgerKeys`]: a ledger's digest type, master key and MAC key, and the entry bodies built
//! and verified with them (spec §2).
//!
//! Invariant: an entry is returned to a reader only after its digest verified and its ledger
//! id (and entry id, except for LAC reads of entry -1) matched the request.

use bytes::Bytes;
use metadata::BookieId;
use proto::{make_entry_body, verify_entry_body, DigestType, EntryHeader, MacKey};
use types::{EntryId, LedgerId, MasterKey};

use crate::error::ClientError;

/// The proto digest type of a metadata digest type.
pub fn from_metadata(digest: metadata::DigestType) -> DigestType {
    match digest {
        metadata::DigestType::Crc32 => DigestType::Crc32,
        metadata::DigestType::Hmac => DigestType::Hmac,
        metadata::DigestType::Crc32c => DigestType::Crc32c,
        metadata::DigestType::Dummy => DigestType::Dummy,
    }
}

/// The metadata digest type of a proto digest type.
pub fn to_metadata(digest: DigestType) -> metadata::DigestType {
    match digest {
        DigestType::Crc32 => metadata::DigestType::Crc32,
        DigestType::Hmac => metadata::DigestType::Hmac,
        DigestType::Crc32c => metadata::DigestType::Crc32c,
        DigestType::Dummy => metadata::DigestType::Dummy,
    }
}

/// A verified entry as read from a bookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEntry {
    /// The entry id in the body.
    pub entry_id: EntryId,
    /// The writer's LAC when it wrote the entry.
    pub last_add_confirmed: EntryId,
    /// Cumulative ledger length after this entry.
    pub length: i64,
    /// The application payload.
    pub payload: Bytes,
    /// The whole stored body (digest included), for recovery write-back.
    pub body: Bytes,
}

/// Keys of one ledger.
#[derive(Clone)]
pub struct LedgerKeys {
    /// The ledger.
    pub ledger_id: LedgerId,
    /// Digest type of its entries.
    pub digest: DigestType,
    /// Master key sent with adds and fencing reads.
    pub master_key: MasterKey,
    mac_key: MacKey,
}

impl LedgerKeys {
    /// Keys for `ledger_id` with `digest` and the raw `password`.
    pub fn new(ledger_id: LedgerId, digest: DigestType, password: &[u8]) -> Self {
        Self {
            ledger_id,
            digest,
            master_key: proto::master_key(password),
            mac_key: MacKey::from_password(password),
        }
    }

    /// The body of entry `entry_id` carrying `payload` (§2.1).
    pub fn entry_body(
        &self,
        entry_id: EntryId,
        last_add_confirmed: EntryId,
        length: i64,
        payload: &[u8],
    ) -> Bytes {
        let header = EntryHeader {
            ledger_id: self.ledger_id,
            entry_id,
            last_add_confirmed,
            length,
        };
        Bytes::from(make_entry_body(
            self.digest,
            &self.mac_key,
            &header,
            payload,
        ))
    }

    /// Verifies a body read from `bookie` for entry `expected_entry` (`None` for an LAC read
    /// of entry -1, where any entry id is fine).
    pub fn verify(
        &self,
        bookie: &BookieId,
        expected_entry: Option<EntryId>,
        body: Bytes,
    ) -> Result<VerifiedEntry, ClientError> {
        let corrupt = |reason: String| ClientError::Corrupt {
            bookie: bookie.clone(),
            reason,
        };
        let parsed = verify_entry_body(self.digest, &self.mac_key, &body)
            .map_err(|error| corrupt(error.to_string()))?;
        let header = parsed.header;
        if header.ledger_id != self.ledger_id {
            return Err(corrupt(format!(
                "entry of ledger {} returned for ledger {}",
                header.ledger_id, self.ledger_id
            )));
        }
        if let Some(expected) = expected_entry {
            if header.entry_id != expected {
                return Err(corrupt(format!(
                    "entry {} returned for entry {expected}",
                    header.entry_id
                )));
            }
        }
        let payload_offset = body.len() - parsed.payload.len();
        Ok(VerifiedEntry {
            entry_id: header.entry_id,
            last_add_confirmed: header.last_add_confirmed,
            length: header.length,
            payload: body.slice(payload_offset..),
            body,
        })
    }

    /// Verifies an explicit LAC blob and returns the LAC in it.
    pub fn verify_lac(&self, bookie: &BookieId, blob: &[u8]) -> Result<EntryId, ClientError> {
        let lac =
            proto::lac::verify_lac_body(self.digest, &self.mac_key, blob).map_err(|error| {
                ClientError::Corrupt {
                    bookie: bookie.clone(),
                    reason: format!("explicit LAC: {error}"),
                }
            })?;
        Ok(lac.lac)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_built_entry_verifies_and_yields_its_payload() {
        let keys = LedgerKeys::new(5, DigestType::Crc32c, b"pw");
        let bookie = BookieId::parse("127.0.0.1:3181").unwrap();
        let body = keys.entry_body(2, 1, 30, b"hello");
        let entry = keys.verify(&bookie, Some(2), body).unwrap();
        assert_eq!(entry.payload.as_ref(), b"hello");
        assert_eq!(
            (entry.entry_id, entry.last_add_confirmed, entry.length),
            (2, 1, 30)
        );
    }

    #[test]
    fn a_wrong_entry_id_or_password_is_corrupt() {
        let keys = LedgerKeys::new(5, DigestType::Hmac, b"pw");
        let bookie = BookieId::parse("127.0.0.1:3181").unwrap();
        let body = keys.entry_body(2, 1, 30, b"hello");
        assert!(matches!(
            keys.verify(&bookie, Some(3), body.clone()),
            Err(ClientError::Corrupt { .. })
        ));
        let other = LedgerKeys::new(5, DigestType::Hmac, b"other");
        assert!(matches!(
            other.verify(&bookie, Some(2), body),
            Err(ClientError::Corrupt { .. })
        ));
    }
}
