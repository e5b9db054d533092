//! The checkpoint mark file (`lastMark`): where journal replay starts after a restart.
//!
//! BookKeeper keeps a 16-byte `lastMark` in every ledger directory's `current/` and starts replay
//! from the largest one (spec §3.5). We keep the same idea and the same names (`lastMark` with one
//! journal directory, `lastMark.<journal index>` with several), with our own bytes, documented in
//! docs/format.md:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `RBKM` |
//! | 4 | 4 | format version, u32 BE (1) |
//! | 8 | 8 | journal file id, u64 BE |
//! | 16 | 8 | offset in that journal file, u64 BE |
//! | 24 | 4 | CRC32C of bytes 0..24, u32 BE |
//! | 28 | .. | zeros up to the directory's write alignment |
//!
//! Invariants:
//! - A mark file is replaced atomically: written to `<name>.tmp`, synced, renamed over `<name>`,
//!   then the directory is synced. A crash at any point leaves either the old or the new mark.
//! - A mark is only ever written after the ledger store flushed everything below it (see
//!   `checkpoint`); this module does not know that, it only stores bytes durably.
//! - A missing mark means "replay from the start" ([`JournalPos::ZERO`]); a mark that fails its
//!   checksum is an error, never silently treated as zero, because replaying too little loses data.

use disk::{DiskError, DurableDir, DurableFile};
use types::JournalPos;

const MAGIC: &[u8; 4] = b"RBKM";
const VERSION: u32 = 1;
const PAYLOAD_LEN_BYTES: usize = 28;

/// Why a mark could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MarkError {
    /// The file layer failed.
    #[error("checkpoint mark {name}: {source}")]
    Disk { name: String, source: DiskError },
    /// The mark file exists but its bytes are not a valid mark.
    #[error("checkpoint mark {name} is corrupt: {reason}; refusing to guess where journal replay starts")]
    Corrupt { name: String, reason: &'static str },
}

/// The file name of the mark for journal directory `journal_index` out of `journal_count`.
pub fn mark_file_name(journal_index: usize, journal_count: usize) -> String {
    if journal_count <= 1 {
        "lastMark".to_string()
    } else {
        format!("lastMark.{journal_index}")
    }
}

/// Encodes a mark into one block of `alignment_bytes` (at least 512).
pub fn encode_mark(pos: JournalPos, alignment_bytes: usize) -> Vec<u8> {
    let mut block = vec![0u8; alignment_bytes.max(512)];
    block[0..4].copy_from_slice(MAGIC);
    block[4..8].copy_from_slice(&VERSION.to_be_bytes());
    block[8..16].copy_from_slice(&pos.journal_id.to_be_bytes());
    block[16..24].copy_from_slice(&pos.offset_bytes.to_be_bytes());
    let crc = crc32c::crc32c(&block[0..24]);
    block[24..28].copy_from_slice(&crc.to_be_bytes());
    block
}

/// Decodes a mark block; the error says what is wrong.
pub fn decode_mark(bytes: &[u8]) -> Result<JournalPos, &'static str> {
    let Some(payload) = bytes.get(..PAYLOAD_LEN_BYTES) else {
        return Err("shorter than 28 bytes");
    };
    if &payload[0..4] != MAGIC {
        return Err("bad magic");
    }
    let field = |range: std::ops::Range<usize>| -> [u8; 8] {
        let mut out = [0u8; 8];
        out.copy_from_slice(&payload[range]);
        out
    };
    let version = u32::from_be_bytes([payload[4], payload[5], payload[6], payload[7]]);
    if version != VERSION {
        return Err("unknown version");
    }
    let stored_crc = u32::from_be_bytes([payload[24], payload[25], payload[26], payload[27]]);
    if crc32c::crc32c(&payload[0..24]) != stored_crc {
        return Err("checksum mismatch");
    }
    Ok(JournalPos::new(
        u64::from_be_bytes(field(8..16)),
        u64::from_be_bytes(field(16..24)),
    ))
}

/// Reads the mark `name` from `dir`; [`JournalPos::ZERO`] if there is none.
pub async fn read_mark<D: DurableDir>(dir: &D, name: &str) -> Result<JournalPos, MarkError> {
    let disk_err = |source| MarkError::Disk {
        name: name.to_string(),
        source,
    };
    let file = match dir.open_file(name).await {
        Ok(file) => file,
        Err(DiskError::NotFound { .. }) => return Ok(JournalPos::ZERO),
        Err(source) => return Err(disk_err(source)),
    };
    let bytes = file.read_at(0, PAYLOAD_LEN_BYTES).await.map_err(disk_err)?;
    decode_mark(&bytes).map_err(|reason| MarkError::Corrupt {
        name: name.to_string(),
        reason,
    })
}

/// Durably replaces the mark `name` in `dir` with `pos` (temp file, sync, rename, directory sync).
pub async fn write_mark<D: DurableDir>(
    dir: &D,
    name: &str,
    pos: JournalPos,
) -> Result<(), MarkError> {
    let disk_err = |source| MarkError::Disk {
        name: name.to_string(),
        source,
    };
    let tmp_name = format!("{name}.tmp");
    // A temp file left by a crash mid-checkpoint is garbage: start it afresh.
    match dir.remove_file(&tmp_name).await {
        Ok(()) | Err(DiskError::NotFound { .. }) => {}
        Err(source) => return Err(disk_err(source)),
    }
    let file = dir.create_file(&tmp_name).await.map_err(disk_err)?;
    let block = encode_mark(pos, file.alignment_bytes());
    file.write_at(0, &block).await.map_err(disk_err)?;
    file.sync().await.map_err(disk_err)?;
    dir.rename_file(&tmp_name, name).await.map_err(disk_err)?;
    dir.sync_dir().await.map_err(disk_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mark_block_round_trips() {
        let pos = JournalPos::new(0x1a20188f971, 33284);
        let block = encode_mark(pos, 512);
        assert_eq!(block.len(), 512);
        assert_eq!(decode_mark(&block), Ok(pos));
    }

    #[test]
    fn mark_with_a_flipped_bit_is_rejected() {
        let mut block = encode_mark(JournalPos::new(3, 4096), 512);
        block[17] ^= 0x10;
        assert_eq!(decode_mark(&block), Err("checksum mismatch"));
        assert_eq!(decode_mark(&[0u8; 512]), Err("bad magic"));
        assert_eq!(decode_mark(&block[..10]), Err("shorter than 28 bytes"));
    }

    #[test]
    fn mark_names_follow_bookkeeper() {
        assert_eq!(mark_file_name(0, 1), "lastMark");
        assert_eq!(mark_file_name(2, 3), "lastMark.2");
    }
}
