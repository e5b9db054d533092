//! The digest-protected entry body that clients send and bookies store verbatim (§2.1, §2.2).
//!
//! Layout: `i64 ledgerId, i64 entryId, i64 lastAddConfirmed, i64 ledgerLength` (32 bytes,
//! big-endian), then the digest (0/4/8/20 bytes by type), then the payload.
//! The digest covers the 32-byte header followed by the payload.
//! Invariants:
//! - Parsing never panics and never reads outside the given slice; a body shorter than
//!   `32 + digest length` is an error.
//! - Offset 24 is the cumulative ledger length after this entry, not the payload length
//!   (pitfall 3); this module never derives it from the payload.

use crate::digest::{DigestType, MacKey};
use types::{EntryId, LedgerId};

/// Size of the entry metadata header in bytes.
pub const ENTRY_HEADER_BYTES: usize = 32;

const _: () = assert!(ENTRY_HEADER_BYTES == 4 * std::mem::size_of::<i64>());

/// The 32-byte metadata header at the start of every entry body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryHeader {
    /// Ledger the entry belongs to.
    pub ledger_id: LedgerId,
    /// Entry id within the ledger.
    pub entry_id: EntryId,
    /// The writer's last-add-confirmed when it sent this entry (-1 if none).
    pub last_add_confirmed: EntryId,
    /// Cumulative ledger length in bytes after this entry (not this entry's payload length).
    pub length: i64,
}

impl EntryHeader {
    /// The header's 32 big-endian bytes.
    pub fn to_bytes(&self) -> [u8; ENTRY_HEADER_BYTES] {
        let mut out = [0u8; ENTRY_HEADER_BYTES];
        out[0..8].copy_from_slice(&self.ledger_id.to_be_bytes());
        out[8..16].copy_from_slice(&self.entry_id.to_be_bytes());
        out[16..24].copy_from_slice(&self.last_add_confirmed.to_be_bytes());
        out[24..32].copy_from_slice(&self.length.to_be_bytes());
        out
    }

    /// Parses the header at the start of `body` without looking at the digest.
    ///
    /// This is all a bookie needs: it stores bodies verbatim and only peeks at the ids and LAC.
    pub fn parse(body: &[u8]) -> Result<Self, DigestError> {
        let too_short = || DigestError::TooShort {
            body_bytes: body.len(),
            body_bytes_min: ENTRY_HEADER_BYTES,
        };
        let header = body.get(..ENTRY_HEADER_BYTES).ok_or_else(too_short)?;
        Ok(Self {
            ledger_id: read_i64(header, 0),
            entry_id: read_i64(header, 8),
            last_add_confirmed: read_i64(header, 16),
            length: read_i64(header, 24),
        })
    }
}

/// Reads a big-endian `i64` at `offset`; the caller guarantees 8 bytes are there.
pub(crate) fn read_i64(bytes: &[u8], offset: usize) -> i64 {
    let mut word = [0u8; 8];
    if let Some(source) = bytes.get(offset..offset + 8) {
        word.copy_from_slice(source);
    }
    i64::from_be_bytes(word)
}

/// Why a body or LAC blob failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// Shorter than the fixed header plus the digest.
    #[error("body of {body_bytes} bytes is shorter than the minimum {body_bytes_min}")]
    TooShort {
        /// Actual length.
        body_bytes: usize,
        /// Minimum length for the digest type.
        body_bytes_min: usize,
    },
    /// The stored digest differs from the recomputed one.
    #[error("digest mismatch for ledger {ledger_id} entry {entry_id}")]
    Mismatch {
        /// Ledger id read from the body.
        ledger_id: LedgerId,
        /// Entry id (or LAC, for a LAC blob) read from the body.
        entry_id: EntryId,
    },
}

/// A verified entry body, borrowing the payload from the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedEntry<'body> {
    /// The metadata header.
    pub header: EntryHeader,
    /// The stored digest bytes.
    pub digest: &'body [u8],
    /// The application payload.
    pub payload: &'body [u8],
}

/// Builds an entry body: header, digest of `header ‖ payload`, payload.
///
/// `mac_key` is used only for [`DigestType::Hmac`].
pub fn make_entry_body(
    digest: DigestType,
    mac_key: &MacKey,
    header: &EntryHeader,
    payload: &[u8],
) -> Vec<u8> {
    let header_bytes = header.to_bytes();
    let value = digest.compute(mac_key, &[&header_bytes, payload]);
    let mut body = Vec::with_capacity(ENTRY_HEADER_BYTES + value.as_bytes().len() + payload.len());
    body.extend_from_slice(&header_bytes);
    body.extend_from_slice(value.as_bytes());
    body.extend_from_slice(payload);
    body
}

/// Checks the digest of an entry body and splits it into header, digest and payload.
///
/// This checks the digest only; comparing the ids with the requested ones is the caller's job
/// (the entry id legitimately differs when reading entry -1).
pub fn verify_entry_body<'body>(
    digest: DigestType,
    mac_key: &MacKey,
    body: &'body [u8],
) -> Result<ParsedEntry<'body>, DigestError> {
    let body_bytes_min = ENTRY_HEADER_BYTES + digest.digest_bytes();
    if body.len() < body_bytes_min {
        return Err(DigestError::TooShort {
            body_bytes: body.len(),
            body_bytes_min,
        });
    }
    let header = EntryHeader::parse(body)?;
    let (covered_header, rest) = body.split_at(ENTRY_HEADER_BYTES);
    let (stored, payload) = rest.split_at(digest.digest_bytes());
    let expected = digest.compute(mac_key, &[covered_header, payload]);
    if expected.as_bytes() != stored {
        return Err(DigestError::Mismatch {
            ledger_id: header.ledger_id,
            entry_id: header.entry_id,
        });
    }
    Ok(ParsedEntry {
        header,
        digest: stored,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::DIGEST_TYPES_ALL;

    fn spec_header() -> EntryHeader {
        EntryHeader {
            ledger_id: 1,
            entry_id: 0,
            last_add_confirmed: -1,
            length: 5,
        }
    }

    #[test]
    fn spec_worked_crc32c_body_matches_byte_for_byte() {
        let body = make_entry_body(
            DigestType::Crc32c,
            &MacKey::from_password(b""),
            &spec_header(),
            b"hello",
        );
        assert_eq!(
            hex::encode(&body),
            "00000000000000010000000000000000ffffffffffffffff0000000000000005e3a5f74d68656c6c6f"
        );
    }

    #[test]
    fn every_digest_type_verifies_what_it_made() {
        let key = MacKey::from_password(b"secret");
        for digest in DIGEST_TYPES_ALL {
            let body = make_entry_body(digest, &key, &spec_header(), b"payload");
            let parsed = verify_entry_body(digest, &key, &body).expect("own body verifies");
            assert_eq!(parsed.header, spec_header());
            assert_eq!(parsed.payload, b"payload");
            assert_eq!(parsed.digest.len(), digest.digest_bytes());
        }
    }

    #[test]
    fn a_flipped_bit_anywhere_outside_a_dummy_digest_is_a_mismatch() {
        let key = MacKey::from_password(b"secret");
        for digest in [DigestType::Crc32, DigestType::Crc32c, DigestType::Hmac] {
            let body = make_entry_body(digest, &key, &spec_header(), b"payload");
            for index in 0..body.len() {
                let mut corrupt = body.clone();
                corrupt[index] ^= 0x10;
                assert!(
                    matches!(
                        verify_entry_body(digest, &key, &corrupt),
                        Err(DigestError::Mismatch { .. })
                    ),
                    "{digest:?} byte {index}"
                );
            }
        }
    }

    #[test]
    fn hmac_with_the_wrong_password_is_a_mismatch() {
        let body = make_entry_body(
            DigestType::Hmac,
            &MacKey::from_password(b"a"),
            &spec_header(),
            b"x",
        );
        let result = verify_entry_body(DigestType::Hmac, &MacKey::from_password(b"b"), &body);
        assert!(matches!(
            result,
            Err(DigestError::Mismatch {
                ledger_id: 1,
                entry_id: 0
            })
        ));
    }

    #[test]
    fn short_bodies_are_rejected_not_sliced() {
        let key = MacKey::from_password(b"");
        for digest in DIGEST_TYPES_ALL {
            let minimum = ENTRY_HEADER_BYTES + digest.digest_bytes();
            for len in 0..minimum {
                assert_eq!(
                    verify_entry_body(digest, &key, &vec![0; len]),
                    Err(DigestError::TooShort {
                        body_bytes: len,
                        body_bytes_min: minimum
                    })
                );
            }
        }
        assert!(EntryHeader::parse(&[0; 31]).is_err());
    }
}
