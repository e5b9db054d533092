//! [`LedgerState`] and the byte layout of the ledger state file (`ledgers.state`).
//!
//! Layout: magic `BKLSLSTA` (8), version u32, CRC32C u32 (over bytes 0..12 and 16..end of body),
//! ledger count u64, body length u64, then per ledger: ledger id i64, flags u8 (bit 0 fenced,
//! bit 1 explicit LAC present), master key (20), LAC i64, explicit-LAC length u32, explicit LAC.
//! Zero padding to the alignment follows. Big-endian.
//!
//! Invariant: decoding checks the CRC before trusting any length, and every length against the
//! bytes present; hostile input yields an error, never a panic.

use std::collections::BTreeMap;

use types::{EntryId, LedgerId, MasterKey, MASTER_KEY_LEN_BYTES};

use crate::be::{i64_at, u32_at, u64_at};

/// Magic of the ledger state file.
pub const STATE_MAGIC: [u8; 8] = *b"BKLSLSTA";
/// Version of the ledger state file.
pub const STATE_VERSION: u32 = 1;
/// Bytes of the state file header.
pub const STATE_HEADER_BYTES: usize = 32;

const FLAG_FENCED: u8 = 1;
const FLAG_EXPLICIT_LAC: u8 = 2;

/// What the store knows about one ledger besides its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerState {
    /// The first master key presented for the ledger.
    pub master_key: MasterKey,
    /// Whether the ledger is fenced (permanent).
    pub fenced: bool,
    /// The last explicit-LAC blob written (spec §2.4), if any.
    pub explicit_lac: Option<Vec<u8>>,
    /// The highest LAC field seen in added entries (-1 if none).
    pub last_add_confirmed: EntryId,
}

impl LedgerState {
    /// A fresh ledger with `master_key`.
    pub fn new(master_key: MasterKey) -> Self {
        Self {
            master_key,
            fenced: false,
            explicit_lac: None,
            last_add_confirmed: types::special_entry::INVALID,
        }
    }
}

/// Encodes every ledger's state.
pub fn encode(states: &BTreeMap<LedgerId, LedgerState>) -> Vec<u8> {
    let mut out = Vec::with_capacity(STATE_HEADER_BYTES + states.len() * 48);
    out.extend_from_slice(&STATE_MAGIC);
    out.extend_from_slice(&STATE_VERSION.to_be_bytes());
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&(states.len() as u64).to_be_bytes());
    out.extend_from_slice(&[0u8; 8]);
    for (&ledger_id, state) in states {
        let mut flags = 0;
        if state.fenced {
            flags |= FLAG_FENCED;
        }
        if state.explicit_lac.is_some() {
            flags |= FLAG_EXPLICIT_LAC;
        }
        let blob = state.explicit_lac.as_deref().unwrap_or(&[]);
        out.extend_from_slice(&ledger_id.to_be_bytes());
        out.push(flags);
        out.extend_from_slice(&state.master_key);
        out.extend_from_slice(&state.last_add_confirmed.to_be_bytes());
        out.extend_from_slice(&(blob.len() as u32).to_be_bytes());
        out.extend_from_slice(blob);
    }
    let body_len = (out.len() - STATE_HEADER_BYTES) as u64;
    out[24..32].copy_from_slice(&body_len.to_be_bytes());
    let crc = crc32c::crc32c_append(crc32c::crc32c(&out[0..12]), &out[16..]);
    out[12..16].copy_from_slice(&crc.to_be_bytes());
    out
}

/// Decodes a state file (trailing padding ignored).
pub fn decode(bytes: &[u8]) -> Result<BTreeMap<LedgerId, LedgerState>, &'static str> {
    if bytes.get(0..8) != Some(&STATE_MAGIC[..]) {
        return Err("bad ledger state magic");
    }
    let count = u64_at(bytes, 16).ok_or("state header truncated")?;
    let body_len = u64_at(bytes, 24).ok_or("state header truncated")?;
    let end = usize::try_from(body_len)
        .ok()
        .and_then(|len| len.checked_add(STATE_HEADER_BYTES))
        .ok_or("state body length overflows")?;
    let whole = bytes.get(..end).ok_or("state file truncated")?;
    let crc = crc32c::crc32c_append(crc32c::crc32c(&whole[0..12]), &whole[16..]);
    if u32_at(whole, 12) != Some(crc) {
        return Err("ledger state checksum mismatch");
    }
    if u32_at(whole, 8) != Some(STATE_VERSION) {
        return Err("unsupported ledger state version");
    }
    let mut states = BTreeMap::new();
    let mut offset = STATE_HEADER_BYTES;
    for _ in 0..count {
        let ledger_id = i64_at(whole, offset).ok_or("state record truncated")?;
        let flags = *whole.get(offset + 8).ok_or("state record truncated")?;
        let key_start = offset + 9;
        let master_key: MasterKey = whole
            .get(key_start..key_start + MASTER_KEY_LEN_BYTES)
            .and_then(|slice| slice.try_into().ok())
            .ok_or("state record truncated")?;
        let lac_at = key_start + MASTER_KEY_LEN_BYTES;
        let last_add_confirmed = i64_at(whole, lac_at).ok_or("state record truncated")?;
        let blob_len = u32_at(whole, lac_at + 8).ok_or("state record truncated")? as usize;
        let blob_start = lac_at + 12;
        let blob = whole
            .get(blob_start..blob_start + blob_len)
            .ok_or("state record truncated")?;
        states.insert(
            ledger_id,
            LedgerState {
                master_key,
                fenced: flags & FLAG_FENCED != 0,
                explicit_lac: (flags & FLAG_EXPLICIT_LAC != 0).then(|| blob.to_vec()),
                last_add_confirmed,
            },
        );
        offset = blob_start + blob_len;
    }
    if offset != end {
        return Err("state body length mismatch");
    }
    Ok(states)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn state_file_round_trips(
            ledgers in proptest::collection::btree_map(any::<i64>(), (any::<[u8; 20]>(), any::<bool>(), proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)), any::<i64>()), 0..20)
        ) {
            let states: BTreeMap<_, _> = ledgers
                .into_iter()
                .map(|(id, (master_key, fenced, explicit_lac, last_add_confirmed))| {
                    (id, LedgerState { master_key, fenced, explicit_lac, last_add_confirmed })
                })
                .collect();
            let mut bytes = encode(&states);
            bytes.resize(bytes.len() + 100, 0);
            prop_assert_eq!(decode(&bytes), Ok(states));
        }
    }

    #[test]
    fn damaged_state_file_is_rejected_without_panicking() {
        let mut states = BTreeMap::new();
        states.insert(3, LedgerState::new([7; 20]));
        let bytes = encode(&states);
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err());
        }
        for byte in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[byte] ^= 0x01;
            assert!(decode(&damaged).is_err(), "byte {byte}");
        }
    }
}
