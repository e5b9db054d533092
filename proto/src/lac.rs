//! The explicit LAC blob carried by WRITE_LAC `body` and READ_LAC `lacBody` (§2.4).
//!
//! Layout: `i64 ledgerId, i64 lac`, then a digest covering those 16 bytes only.
//! Invariant: verification never panics on short input and never trusts the lac before the
//! digest matches.

use crate::digest::{DigestType, MacKey};
use crate::entry::{read_i64, DigestError};
use types::{EntryId, LedgerId};

/// Size of the covered LAC header in bytes.
pub const LAC_HEADER_BYTES: usize = 16;

/// A verified explicit LAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExplicitLac {
    /// The ledger.
    pub ledger_id: LedgerId,
    /// The last-add-confirmed the writer published.
    pub lac: EntryId,
}

/// Builds a LAC blob: `ledgerId, lac, digest(ledgerId ‖ lac)`.
pub fn make_lac_body(digest: DigestType, mac_key: &MacKey, lac: &ExplicitLac) -> Vec<u8> {
    let mut header = [0u8; LAC_HEADER_BYTES];
    header[..8].copy_from_slice(&lac.ledger_id.to_be_bytes());
    header[8..].copy_from_slice(&lac.lac.to_be_bytes());
    let value = digest.compute(mac_key, &[&header]);
    let mut body = Vec::with_capacity(LAC_HEADER_BYTES + value.as_bytes().len());
    body.extend_from_slice(&header);
    body.extend_from_slice(value.as_bytes());
    body
}

/// Verifies a LAC blob's digest and returns its contents.
///
/// Bytes after the digest are ignored, as BookKeeper's reader does.
pub fn verify_lac_body(
    digest: DigestType,
    mac_key: &MacKey,
    body: &[u8],
) -> Result<ExplicitLac, DigestError> {
    let body_bytes_min = LAC_HEADER_BYTES + digest.digest_bytes();
    let (Some(header), Some(stored)) = (
        body.get(..LAC_HEADER_BYTES),
        body.get(LAC_HEADER_BYTES..body_bytes_min),
    ) else {
        return Err(DigestError::TooShort {
            body_bytes: body.len(),
            body_bytes_min,
        });
    };
    let lac = ExplicitLac {
        ledger_id: read_i64(header, 0),
        lac: read_i64(header, 8),
    };
    if digest.compute(mac_key, &[header]).as_bytes() != stored {
        return Err(DigestError::Mismatch {
            ledger_id: lac.ledger_id,
            entry_id: lac.lac,
        });
    }
    Ok(lac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::DIGEST_TYPES_ALL;

    #[test]
    fn lac_blob_round_trips_for_every_digest_type() {
        let key = MacKey::from_password(b"pw");
        let lac = ExplicitLac {
            ledger_id: 9,
            lac: 41,
        };
        for digest in DIGEST_TYPES_ALL {
            let body = make_lac_body(digest, &key, &lac);
            assert_eq!(body.len(), LAC_HEADER_BYTES + digest.digest_bytes());
            assert_eq!(verify_lac_body(digest, &key, &body), Ok(lac));
        }
    }

    #[test]
    fn lac_digest_covers_only_the_first_sixteen_bytes() {
        let key = MacKey::from_password(b"pw");
        let body = make_lac_body(
            DigestType::Crc32c,
            &key,
            &ExplicitLac {
                ledger_id: 1,
                lac: 2,
            },
        );
        let crc = crc32c::crc32c(&body[..16]);
        assert_eq!(&body[16..], &crc.to_be_bytes());
    }

    #[test]
    fn corrupt_or_short_lac_blobs_are_rejected() {
        let key = MacKey::from_password(b"pw");
        let mut body = make_lac_body(
            DigestType::Crc32,
            &key,
            &ExplicitLac {
                ledger_id: 1,
                lac: 2,
            },
        );
        assert!(verify_lac_body(DigestType::Crc32, &key, &body[..23]).is_err());
        body[15] ^= 1;
        assert!(matches!(
            verify_lac_body(DigestType::Crc32, &key, &body),
            Err(DigestError::Mismatch { .. })
        ));
    }
}
