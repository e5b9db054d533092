//! Byte layout of an entry log: the file header and the entry records (see
//! `docs/notes/ledger-store-format.md`).
//!
//! This module owns encoding and decoding only; it never does I/O and never panics on input.
//!
//! Invariants:
//! - Every multi-byte integer is big-endian.
//! - A record's CRC32C covers bytes 4.. of its header and its whole body, so a torn write, a bit
//!   flip, or a location pointing at the wrong place is detected on read.
//! - A record names its ledger, entry and log id, so a read can prove it got the record it asked for.

use crate::be::{i64_at, u32_at};

/// Magic at offset 0 of an entry log.
pub const LOG_MAGIC: [u8; 8] = *b"BKLSELOG";
/// Entry-log format version.
pub const LOG_VERSION: u32 = 1;
/// Bytes of the file header that carry data; the rest of the first aligned block is zero.
pub const LOG_HEADER_BYTES: usize = 32;
/// Magic at offset 28 of every record header ("ENTR").
pub const RECORD_MAGIC: u32 = 0x454E_5452;
/// Bytes of a record header.
pub const RECORD_HEADER_BYTES: usize = 32;

/// The decoded entry-log header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogHeader {
    /// The log id, also in the file name.
    pub log_id: u32,
    /// Offset of the first record (the write alignment when the log was created).
    pub first_record_offset_bytes: u32,
}

/// Encodes the 32-byte header.
pub fn encode_log_header(header: LogHeader) -> [u8; LOG_HEADER_BYTES] {
    let mut out = [0u8; LOG_HEADER_BYTES];
    out[0..8].copy_from_slice(&LOG_MAGIC);
    out[8..12].copy_from_slice(&LOG_VERSION.to_be_bytes());
    out[16..20].copy_from_slice(&header.log_id.to_be_bytes());
    out[20..24].copy_from_slice(&header.first_record_offset_bytes.to_be_bytes());
    let crc = header_crc(&out);
    out[12..16].copy_from_slice(&crc.to_be_bytes());
    out
}

/// CRC32C over bytes 0..12 and 16..32 of a 32-byte header (the CRC field itself excluded).
pub(crate) fn header_crc(header: &[u8; 32]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(&header[0..12]), &header[16..32])
}

/// Decodes and checks a header; `Err(reason)` names the first check that failed.
pub fn decode_log_header(bytes: &[u8]) -> Result<LogHeader, &'static str> {
    let header: [u8; LOG_HEADER_BYTES] = bytes
        .get(..LOG_HEADER_BYTES)
        .and_then(|slice| slice.try_into().ok())
        .ok_or("entry-log header truncated")?;
    if header[0..8] != LOG_MAGIC {
        return Err("bad entry-log magic");
    }
    if u32_at(&header, 12) != Some(header_crc(&header)) {
        return Err("entry-log header checksum mismatch");
    }
    if u32_at(&header, 8) != Some(LOG_VERSION) {
        return Err("unsupported entry-log version");
    }
    Ok(LogHeader {
        log_id: u32_at(&header, 16).ok_or("entry-log header truncated")?,
        first_record_offset_bytes: u32_at(&header, 20).ok_or("entry-log header truncated")?,
    })
}

/// The identity fields of a record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    pub body_bytes: u32,
    pub ledger_id: i64,
    pub entry_id: i64,
    pub log_id: u32,
}

impl RecordHeader {
    /// Header plus body, in bytes: what the record occupies in the log.
    pub fn record_bytes(&self) -> u64 {
        RECORD_HEADER_BYTES as u64 + u64::from(self.body_bytes)
    }
}

/// Appends one record (header, then body) to `out` (see [`encode_record_into`]; tests).
#[cfg(test)]
pub fn encode_record(out: &mut Vec<u8>, log_id: u32, ledger_id: i64, entry_id: i64, body: &[u8]) {
    let start = out.len();
    out.resize(start + RECORD_HEADER_BYTES + body.len(), 0);
    encode_record_into(&mut out[start..], log_id, ledger_id, entry_id, body);
}

/// Encodes one record into `out`, which must be exactly `RECORD_HEADER_BYTES + body.len()` bytes
/// long: CRC32C (of everything after it), body length, ledger, entry, log id, magic, body.
pub fn encode_record_into(out: &mut [u8], log_id: u32, ledger_id: i64, entry_id: i64, body: &[u8]) {
    debug_assert_eq!(out.len(), RECORD_HEADER_BYTES + body.len());
    let body_bytes = u32::try_from(body.len()).unwrap_or(u32::MAX);
    debug_assert_eq!(
        body_bytes as usize,
        body.len(),
        "bodies are bounded by entry_bytes_max"
    );
    let (header, rest) = out.split_at_mut(RECORD_HEADER_BYTES);
    header[4..8].copy_from_slice(&body_bytes.to_be_bytes());
    header[8..16].copy_from_slice(&ledger_id.to_be_bytes());
    header[16..24].copy_from_slice(&entry_id.to_be_bytes());
    header[24..28].copy_from_slice(&log_id.to_be_bytes());
    header[28..32].copy_from_slice(&RECORD_MAGIC.to_be_bytes());
    rest.copy_from_slice(body);
    let crc = crc32c::crc32c_append(crc32c::crc32c(&header[4..]), rest);
    header[0..4].copy_from_slice(&crc.to_be_bytes());
}

/// Decodes the header fields of the record at the start of `bytes` without checking its CRC;
/// `None` if fewer than 32 bytes are given or the magic is wrong (padding, garbage).
pub fn peek_record_header(bytes: &[u8]) -> Option<RecordHeader> {
    if u32_at(bytes, 28)? != RECORD_MAGIC {
        return None;
    }
    Some(RecordHeader {
        body_bytes: u32_at(bytes, 4)?,
        ledger_id: i64_at(bytes, 8)?,
        entry_id: i64_at(bytes, 16)?,
        log_id: u32_at(bytes, 24)?,
    })
}

/// Decodes and fully checks the record at the start of `bytes`, returning its header and body.
pub fn decode_record(bytes: &[u8]) -> Result<(RecordHeader, &[u8]), &'static str> {
    let header = peek_record_header(bytes).ok_or("no record header (bad magic or truncated)")?;
    let end = usize::try_from(header.record_bytes()).map_err(|_| "record length overflows")?;
    let record = bytes.get(..end).ok_or("record truncated")?;
    let stored_crc = u32_at(record, 0).ok_or("record truncated")?;
    if crc32c::crc32c(&record[4..]) != stored_crc {
        return Err("record checksum mismatch");
    }
    Ok((header, &record[RECORD_HEADER_BYTES..]))
}

/// The LAC field of an entry body (offset 16, big-endian `i64`), if the body is long enough.
pub fn body_last_add_confirmed(body: &[u8]) -> Option<i64> {
    i64_at(body, 16)
}

/// Whether `bytes` starts with 32 zero bytes (padding between flushes).
pub fn is_padding(bytes: &[u8]) -> bool {
    bytes.len() >= RECORD_HEADER_BYTES && bytes[..RECORD_HEADER_BYTES].iter().all(|&b| b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_a_record_keeps_what_precedes_it_and_writes_the_in_place_bytes() {
        let body: Vec<u8> = (0..200u8).collect();
        let mut appended = vec![0xAA; 3];
        encode_record(&mut appended, 4, -2, 11, &body);
        let mut in_place = vec![0x55; RECORD_HEADER_BYTES + body.len()];
        encode_record_into(&mut in_place, 4, -2, 11, &body);
        assert_eq!(&appended[..3], &[0xAA; 3]);
        assert_eq!(&appended[3..], &in_place[..]);
    }

    #[test]
    fn record_round_trips_and_detects_every_single_bit_flip() {
        let body: Vec<u8> = (0..40u8).collect();
        let mut out = Vec::new();
        encode_record(&mut out, 7, 3, 9, &body);
        let (header, decoded) = decode_record(&out).unwrap();
        assert_eq!(
            header,
            RecordHeader {
                body_bytes: 40,
                ledger_id: 3,
                entry_id: 9,
                log_id: 7
            }
        );
        assert_eq!(decoded, &body[..]);
        for bit in 0..out.len() * 8 {
            let mut flipped = out.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let result = decode_record(&flipped);
            assert!(
                result.map(|(h, b)| (h, b.to_vec())) != Ok((header, body.clone())),
                "bit {bit}"
            );
        }
    }

    #[test]
    fn truncated_record_is_an_error_not_a_panic() {
        let mut out = Vec::new();
        encode_record(&mut out, 1, 1, 1, &[5u8; 64]);
        for len in 0..out.len() {
            assert!(decode_record(&out[..len]).is_err());
        }
    }

    #[test]
    fn header_round_trips_and_rejects_damage() {
        let header = LogHeader {
            log_id: 42,
            first_record_offset_bytes: 4096,
        };
        let bytes = encode_log_header(header);
        assert_eq!(decode_log_header(&bytes), Ok(header));
        let mut damaged = bytes;
        damaged[17] ^= 1;
        assert_eq!(
            decode_log_header(&damaged),
            Err("entry-log header checksum mismatch")
        );
        assert_eq!(decode_log_header(&[0u8; 32]), Err("bad entry-log magic"));
    }

    #[test]
    fn lac_is_read_from_offset_16_of_the_body() {
        let mut body = vec![0u8; 32];
        body[16..24].copy_from_slice(&(-1i64).to_be_bytes());
        assert_eq!(body_last_add_confirmed(&body), Some(-1));
        assert_eq!(body_last_add_confirmed(&body[..20]), None);
    }
}
