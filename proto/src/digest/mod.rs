//! Entry digests (§2.2): which algorithm, how long its stored value is, and how it is computed.
//!
//! This module owns the digest algorithms only; where the digest sits in an entry body or a LAC
//! blob is decided by `entry` and `lac`.
//! Invariants:
//! - A digest is always computed over the covered bytes as one continuous stream, however they
//!   are split into parts.
//! - The stored length is fixed per type: CRC32 8, CRC32C 4, HMAC-SHA1 20, DUMMY 0 bytes.

mod crc32;
mod crc32c;
mod mac;

pub use mac::MacKey;

/// Longest stored digest (HMAC-SHA1).
pub const DIGEST_BYTES_MAX: usize = 20;

/// A ledger's digest type, with the numbers ledger metadata uses for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestType {
    /// CRC-32 (IEEE), stored as 8 bytes big-endian with the upper 32 bits zero.
    Crc32,
    /// HMAC-SHA1 keyed with `SHA1("mac" ‖ password)`, stored as 20 bytes.
    Hmac,
    /// CRC-32C (Castagnoli), stored as 4 bytes big-endian.
    Crc32c,
    /// No digest; 0 bytes.
    Dummy,
}

/// Every digest type.
pub const DIGEST_TYPES_ALL: [DigestType; 4] = [
    DigestType::Crc32,
    DigestType::Hmac,
    DigestType::Crc32c,
    DigestType::Dummy,
];

impl DigestType {
    /// Length of the stored digest in bytes.
    pub const fn digest_bytes(self) -> usize {
        match self {
            Self::Crc32 => 8,
            Self::Hmac => 20,
            Self::Crc32c => 4,
            Self::Dummy => 0,
        }
    }

    /// The value of this type in ledger metadata (`DigestType` proto enum).
    pub const fn metadata_value(self) -> i32 {
        match self {
            Self::Crc32 => 1,
            Self::Hmac => 2,
            Self::Crc32c => 3,
            Self::Dummy => 4,
        }
    }

    /// The type for a ledger-metadata value, or `None` if unknown.
    pub fn from_metadata_value(value: i32) -> Option<Self> {
        DIGEST_TYPES_ALL
            .into_iter()
            .find(|digest| digest.metadata_value() == value)
    }

    /// Computes the digest of the concatenation of `parts`.
    ///
    /// `mac_key` is used by [`DigestType::Hmac`] only.
    pub fn compute(self, mac_key: &MacKey, parts: &[&[u8]]) -> DigestValue {
        let mut value = DigestValue {
            bytes: [0; DIGEST_BYTES_MAX],
            len_bytes: self.digest_bytes(),
        };
        match self {
            Self::Crc32 => value.bytes[..8].copy_from_slice(&crc32::digest(parts)),
            Self::Crc32c => value.bytes[..4].copy_from_slice(&crc32c::digest(parts)),
            Self::Hmac => value.bytes.copy_from_slice(&mac_key.digest(parts)),
            Self::Dummy => {}
        }
        value
    }
}

/// A computed digest as stored on the wire (length depends on the type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestValue {
    bytes: [u8; DIGEST_BYTES_MAX],
    len_bytes: usize,
}

impl DigestValue {
    /// The stored digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len_bytes]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_the_same_however_the_input_is_split() {
        let key = MacKey::from_password(b"pw");
        for digest in DIGEST_TYPES_ALL {
            let whole = digest.compute(&key, &[b"hello world"]);
            let split = digest.compute(&key, &[b"hel", b"", b"lo world"]);
            assert_eq!(whole, split, "{digest:?}");
            assert_eq!(whole.as_bytes().len(), digest.digest_bytes());
        }
    }

    #[test]
    fn crc32_is_stored_as_eight_bytes_with_zero_upper_half() {
        let value = DigestType::Crc32.compute(&MacKey::from_password(b""), &[b"123456789"]);
        // CRC-32/ISO-HDLC check value.
        assert_eq!(value.as_bytes(), &[0, 0, 0, 0, 0xcb, 0xf4, 0x39, 0x26]);
    }

    #[test]
    fn crc32c_is_stored_as_four_bytes() {
        let value = DigestType::Crc32c.compute(&MacKey::from_password(b""), &[b"123456789"]);
        // CRC-32C/Castagnoli check value.
        assert_eq!(value.as_bytes(), &[0xe3, 0x06, 0x92, 0x83]);
    }

    #[test]
    fn metadata_values_round_trip() {
        for digest in DIGEST_TYPES_ALL {
            assert_eq!(
                DigestType::from_metadata_value(digest.metadata_value()),
                Some(digest)
            );
        }
        assert_eq!(DigestType::from_metadata_value(0), None);
    }
}
