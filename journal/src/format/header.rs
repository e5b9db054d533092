//! The file header block at offset 0 of every journal file.
//!
//! Layout (little-endian), in the first 512 bytes of the first alignment block:
//! `0..8` magic, `8..12` format version, `12..16` alignment in bytes, `16..24` journal file id,
//! `24..28` CRC32C of bytes `0..24`; bytes `28..alignment` are zero and ignored by readers.
//! Records start at offset `alignment` (the header owns the whole first block so that no record
//! write ever rewrites the synced header block).
//!
//! Invariant: a header decodes only if magic, version, CRC and the file id named by the file
//! name all agree; an all-zero block means "the header never reached the disk".

/// Size of the meaningful part of the header block.
pub const HEADER_BYTES: usize = 512;
/// The eight magic bytes at offset 0 (`BKRSJNL` and a NUL), distinct from BookKeeper's `BKLG`.
pub const JOURNAL_MAGIC: [u8; 8] = *b"BKRSJNL\0";
/// The only format version this code writes and reads.
pub const JOURNAL_FORMAT_VERSION: u32 = 1;

const HEADER_CRC_OFFSET: usize = 24;

/// The decoded header of one journal file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    /// The journal file id (also the file name).
    pub journal_id: u64,
    /// The alignment, in bytes, of every group-commit write in this file; records start here.
    pub alignment_bytes: u32,
}

/// Why a header block did not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The block is all zeros (or absent): the header was never made durable.
    #[error("journal header block is empty")]
    Empty,
    /// The magic bytes are wrong: not one of our journal files.
    #[error("bad journal magic {found:02x?}")]
    BadMagic { found: Vec<u8> },
    /// A format version this code does not know.
    #[error("unsupported journal format version {version}")]
    UnsupportedVersion { version: u32 },
    /// The header CRC does not match: the header block is corrupt.
    #[error("journal header CRC mismatch (stored {stored:#010x}, computed {computed:#010x})")]
    CrcMismatch { stored: u32, computed: u32 },
    /// The alignment is not a power of two of at least 512 bytes.
    #[error("journal header alignment {alignment_bytes} is invalid")]
    BadAlignment { alignment_bytes: u32 },
}

impl FileHeader {
    /// Encodes the header into a zeroed block of `alignment_bytes` bytes.
    pub fn encode_block(&self) -> Vec<u8> {
        let mut block = vec![0u8; self.alignment_bytes as usize];
        block[0..8].copy_from_slice(&JOURNAL_MAGIC);
        block[8..12].copy_from_slice(&JOURNAL_FORMAT_VERSION.to_le_bytes());
        block[12..16].copy_from_slice(&self.alignment_bytes.to_le_bytes());
        block[16..24].copy_from_slice(&self.journal_id.to_le_bytes());
        let crc = crc32c::crc32c(&block[..HEADER_CRC_OFFSET]);
        block[24..28].copy_from_slice(&crc.to_le_bytes());
        block
    }

    /// Decodes a header from the first bytes of a file (at least [`HEADER_BYTES`] when present).
    pub fn decode(bytes: &[u8]) -> Result<FileHeader, HeaderError> {
        let head = bytes.get(..28).ok_or(HeaderError::Empty)?;
        if head.iter().all(|&byte| byte == 0) {
            return Err(HeaderError::Empty);
        }
        if head[0..8] != JOURNAL_MAGIC {
            return Err(HeaderError::BadMagic {
                found: head[0..8].to_vec(),
            });
        }
        let stored = u32::from_le_bytes([head[24], head[25], head[26], head[27]]);
        let computed = crc32c::crc32c(&head[..HEADER_CRC_OFFSET]);
        if stored != computed {
            return Err(HeaderError::CrcMismatch { stored, computed });
        }
        let version = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        if version != JOURNAL_FORMAT_VERSION {
            return Err(HeaderError::UnsupportedVersion { version });
        }
        let alignment_bytes = u32::from_le_bytes([head[12], head[13], head[14], head[15]]);
        if !alignment_bytes.is_power_of_two() || alignment_bytes < 512 {
            return Err(HeaderError::BadAlignment { alignment_bytes });
        }
        let mut id = [0u8; 8];
        id.copy_from_slice(&head[16..24]);
        Ok(FileHeader {
            journal_id: u64::from_le_bytes(id),
            alignment_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_fills_one_alignment_block() {
        let header = FileHeader {
            journal_id: 0x1234_5678_9abc,
            alignment_bytes: 4096,
        };
        let block = header.encode_block();
        assert_eq!(block.len(), 4096);
        assert_eq!(FileHeader::decode(&block), Ok(header));
    }

    #[test]
    fn zero_block_is_empty_not_corrupt() {
        assert_eq!(FileHeader::decode(&[0u8; 512]), Err(HeaderError::Empty));
        assert_eq!(FileHeader::decode(&[]), Err(HeaderError::Empty));
    }

    #[test]
    fn any_flipped_header_bit_is_detected() {
        let header = FileHeader {
            journal_id: 7,
            alignment_bytes: 512,
        };
        let block = header.encode_block();
        for bit in 0..28 * 8 {
            let mut damaged = block.clone();
            damaged[bit / 8] ^= 1 << (bit % 8);
            assert!(
                FileHeader::decode(&damaged).is_err(),
                "bit {bit} flip went unnoticed"
            );
        }
    }
}
