//! CRC-32 (IEEE/zlib, as `java.util.zip.CRC32`) digest, stored as a big-endian `i64` whose upper
//! 32 bits are zero (§2.2; pitfall 4: 8 bytes, not 4).

/// The 8 stored bytes of the CRC-32 of the concatenation of `parts`.
pub(super) fn digest(parts: &[&[u8]]) -> [u8; 8] {
    let mut hasher = crc32fast::Hasher::new();
    for part in parts {
        hasher.update(part);
    }
    u64::from(hasher.finalize()).to_be_bytes()
}
