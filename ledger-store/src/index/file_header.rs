//! The 32-byte header shared by index journals and index snapshots.
//!
//! Layout: magic (8), version u32, CRC32C u32 (over bytes 0..12 and 16..32), generation u64,
//! auxiliary u64 (journal: 0; snapshot: number of records). Big-endian.

use crate::be::{u32_at, u64_at};
use crate::entry_log::format::header_crc;

/// Magic of an index journal.
pub const JOURNAL_MAGIC: [u8; 8] = *b"BKLSIJNL";
/// Magic of an index snapshot.
pub const SNAPSHOT_MAGIC: [u8; 8] = *b"BKLSISNP";
/// Version of both index file formats.
pub const INDEX_VERSION: u32 = 1;
/// Bytes of the header.
pub const FILE_HEADER_BYTES: usize = 32;

/// Encodes a header.
pub fn encode(magic: [u8; 8], gen: u64, aux: u64) -> [u8; FILE_HEADER_BYTES] {
    let mut out = [0u8; FILE_HEADER_BYTES];
    out[0..8].copy_from_slice(&magic);
    out[8..12].copy_from_slice(&INDEX_VERSION.to_be_bytes());
    out[16..24].copy_from_slice(&gen.to_be_bytes());
    out[24..32].copy_from_slice(&aux.to_be_bytes());
    let crc = header_crc(&out);
    out[12..16].copy_from_slice(&crc.to_be_bytes());
    out
}

/// Decodes a header with the expected magic: `(generation, aux)`.
pub fn decode(bytes: &[u8], magic: [u8; 8]) -> Result<(u64, u64), &'static str> {
    let header: [u8; FILE_HEADER_BYTES] = bytes
        .get(..FILE_HEADER_BYTES)
        .and_then(|slice| slice.try_into().ok())
        .ok_or("index file header truncated")?;
    if header[0..8] != magic {
        return Err("bad index file magic");
    }
    if u32_at(&header, 12) != Some(header_crc(&header)) {
        return Err("index file header checksum mismatch");
    }
    if u32_at(&header, 8) != Some(INDEX_VERSION) {
        return Err("unsupported index file version");
    }
    let gen = u64_at(&header, 16).ok_or("index file header truncated")?;
    let aux = u64_at(&header, 24).ok_or("index file header truncated")?;
    Ok((gen, aux))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_checks_magic() {
        let bytes = encode(JOURNAL_MAGIC, 5, 0);
        assert_eq!(decode(&bytes, JOURNAL_MAGIC), Ok((5, 0)));
        assert_eq!(decode(&bytes, SNAPSHOT_MAGIC), Err("bad index file magic"));
        let mut damaged = bytes;
        damaged[20] ^= 4;
        assert!(decode(&damaged, JOURNAL_MAGIC).is_err());
    }
}
