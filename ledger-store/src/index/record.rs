//! Index records and batches: the 32-byte records that the index journal and the index snapshot
//! are made of, and the CRC-protected batch that groups them.
//!
//! Pure encoding and decoding; never panics on input.
//!
//! Invariants:
//! - A batch is valid only if its magic and its CRC32C (over header bytes 8..32 and the payload)
//!   match; a batch is applied whole or not at all.
//! - A put names the record size of the entry, so usage per entry log can be rebuilt at restart
//!   without reading the entry logs.

use types::{EntryLocation, LedgerId};

use crate::be::{i64_at, u32_at, u64_at};

/// Magic of a batch header ("LSIB").
pub const BATCH_MAGIC: u32 = 0x4C53_4942;
/// Bytes of a batch header.
pub const BATCH_HEADER_BYTES: usize = 32;
/// Bytes of one record.
pub const RECORD_BYTES: usize = 32;

const KIND_PUT: u8 = 1;
const KIND_DELETE_LEDGER: u8 = 2;
const KIND_USAGE: u8 = 3;

/// One change to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexRecord {
    /// Entry `(ledger_id, entry_id)` lives at `location`; its record takes `record_bytes` there.
    Put {
        ledger_id: LedgerId,
        entry_id: i64,
        location: EntryLocation,
        record_bytes: u32,
    },
    /// Every entry of `ledger_id` is gone.
    DeleteLedger { ledger_id: LedgerId },
    /// Snapshot only: ledger `ledger_id` has `bytes` of live records in log `log_id`.
    Usage {
        log_id: u32,
        ledger_id: LedgerId,
        bytes: u64,
    },
}

impl IndexRecord {
    fn encode(&self, out: &mut Vec<u8>) {
        let (kind, size, ledger_id, middle, last) = match *self {
            IndexRecord::Put {
                ledger_id,
                entry_id,
                location,
                record_bytes,
            } => (
                KIND_PUT,
                record_bytes,
                ledger_id,
                entry_id,
                location.packed(),
            ),
            IndexRecord::DeleteLedger { ledger_id } => (KIND_DELETE_LEDGER, 0, ledger_id, 0, 0),
            IndexRecord::Usage {
                log_id,
                ledger_id,
                bytes,
            } => (KIND_USAGE, 0, ledger_id, i64::from(log_id), bytes),
        };
        out.extend_from_slice(&[kind, 0, 0, 0]);
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(&ledger_id.to_be_bytes());
        out.extend_from_slice(&middle.to_be_bytes());
        out.extend_from_slice(&last.to_be_bytes());
    }

    fn decode(bytes: &[u8]) -> Result<Self, &'static str> {
        let kind = *bytes.first().ok_or("index record truncated")?;
        let size = u32_at(bytes, 4).ok_or("index record truncated")?;
        let ledger_id = i64_at(bytes, 8).ok_or("index record truncated")?;
        let middle = i64_at(bytes, 16).ok_or("index record truncated")?;
        let last = u64_at(bytes, 24).ok_or("index record truncated")?;
        match kind {
            KIND_PUT => Ok(IndexRecord::Put {
                ledger_id,
                entry_id: middle,
                location: EntryLocation::from_packed(last).ok_or("put with location 0")?,
                record_bytes: size,
            }),
            KIND_DELETE_LEDGER => Ok(IndexRecord::DeleteLedger { ledger_id }),
            KIND_USAGE => Ok(IndexRecord::Usage {
                log_id: u32::try_from(middle).map_err(|_| "usage log id out of range")?,
                ledger_id,
                bytes: last,
            }),
            _ => Err("unknown index record kind"),
        }
    }
}

/// The header fields of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    /// Monotonic sequence number of the flush (or compaction step) that wrote the batch.
    pub seq: u64,
    /// The lowest entry-log id not yet handed out when the batch was written.
    pub next_log_id: u32,
}

/// Appends one batch (header and records, unpadded) to `out`.
pub fn encode_batch(out: &mut Vec<u8>, header: BatchHeader, records: &[IndexRecord]) {
    let start = out.len();
    let count = u32::try_from(records.len()).unwrap_or(u32::MAX);
    debug_assert_eq!(
        count as usize,
        records.len(),
        "batches are split below u32::MAX records"
    );
    out.extend_from_slice(&BATCH_MAGIC.to_be_bytes());
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&header.seq.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&header.next_log_id.to_be_bytes());
    out.extend_from_slice(&[0u8; 8]);
    for record in records {
        record.encode(out);
    }
    let crc = crc32c::crc32c(&out[start + 8..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_be_bytes());
}

/// Decodes the batch at the start of `bytes`: its header, records, and encoded length.
pub fn decode_batch(bytes: &[u8]) -> Result<(BatchHeader, Vec<IndexRecord>, usize), &'static str> {
    if u32_at(bytes, 0) != Some(BATCH_MAGIC) {
        return Err("no batch magic");
    }
    let count = u32_at(bytes, 16).ok_or("batch header truncated")? as usize;
    let len = count
        .checked_mul(RECORD_BYTES)
        .and_then(|payload| payload.checked_add(BATCH_HEADER_BYTES))
        .ok_or("batch length overflows")?;
    let batch = bytes.get(..len).ok_or("batch truncated")?;
    if u32_at(batch, 4) != Some(crc32c::crc32c(&batch[8..])) {
        return Err("batch checksum mismatch");
    }
    let header = BatchHeader {
        seq: u64_at(batch, 8).ok_or("batch header truncated")?,
        next_log_id: u32_at(batch, 20).ok_or("batch header truncated")?,
    };
    let records = batch[BATCH_HEADER_BYTES..]
        .chunks_exact(RECORD_BYTES)
        .map(IndexRecord::decode)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((header, records, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<IndexRecord> {
        vec![
            IndexRecord::DeleteLedger { ledger_id: 4 },
            IndexRecord::Put {
                ledger_id: 1,
                entry_id: 2,
                location: EntryLocation::new(3, 512).unwrap(),
                record_bytes: 96,
            },
            IndexRecord::Usage {
                log_id: 3,
                ledger_id: 1,
                bytes: 96,
            },
        ]
    }

    #[test]
    fn batch_round_trips() {
        let mut out = Vec::new();
        let header = BatchHeader {
            seq: 9,
            next_log_id: 4,
        };
        encode_batch(&mut out, header, &sample());
        assert_eq!(out.len(), BATCH_HEADER_BYTES + 3 * RECORD_BYTES);
        assert_eq!(decode_batch(&out), Ok((header, sample(), out.len())));
    }

    #[test]
    fn damaged_or_truncated_batch_is_rejected() {
        let mut out = Vec::new();
        encode_batch(
            &mut out,
            BatchHeader {
                seq: 1,
                next_log_id: 1,
            },
            &sample(),
        );
        for len in 0..out.len() {
            assert!(decode_batch(&out[..len]).is_err());
        }
        for byte in 0..out.len() {
            let mut damaged = out.clone();
            damaged[byte] ^= 0x10;
            assert!(decode_batch(&damaged).is_err(), "byte {byte}");
        }
    }
}
