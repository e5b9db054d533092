//! CRC-32C (Castagnoli) digest, stored as a big-endian `i32` (§2.2).

/// The 4 stored bytes of the CRC-32C of the concatenation of `parts`.
pub(super) fn digest(parts: &[&[u8]]) -> [u8; 4] {
    let crc = parts
        .iter()
        .fold(0u32, |crc, part| crc32c::crc32c_append(crc, part));
    crc.to_be_bytes()
}
