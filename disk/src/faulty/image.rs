//! The bytes of one simulated file (an inode): its *written* image, its *durable* image and the
//! dirty ranges that separate them.
//!
//! Invariants:
//! - `written` holds what reads return; `durable` holds what survives a power loss.
//! - Every byte where `written` and `durable` may differ lies in a range of `dirty` (or beyond
//!   `durable.len()`), except ranges dropped by a failed sync: those stay different forever, as
//!   Linux marks pages clean after an fsync error (the "fsyncgate" behaviour).
//! - Files never shrink: there is no truncate in the contract.

use super::rng::Xorshift;

/// Torn writes are modelled at this granularity: a sector either lands whole or not at all.
pub const SECTOR_BYTES: u64 = 512;

/// One simulated inode.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileImage {
    /// What reads see: every completed write.
    pub(crate) written: Vec<u8>,
    /// What survives a crash: the state after the last successful sync.
    pub(crate) durable: Vec<u8>,
    /// `(offset_bytes, len_bytes)` of writes completed since the last sync, in completion order.
    dirty: Vec<(u64, u64)>,
}

impl FileImage {
    /// A file whose written and durable images are both `bytes` (a file after a reboot).
    pub(crate) fn from_durable(bytes: Vec<u8>) -> Self {
        Self {
            written: bytes.clone(),
            durable: bytes,
            dirty: Vec::new(),
        }
    }

    pub(crate) fn len_bytes(&self) -> u64 {
        self.written.len() as u64
    }

    /// Applies a completed write to the written image and remembers it as dirty.
    pub(crate) fn write(&mut self, offset_bytes: u64, data: &[u8]) {
        let start = to_index(offset_bytes);
        let end = start + data.len();
        if self.written.len() < end {
            self.written.resize(end, 0);
        }
        self.written[start..end].copy_from_slice(data);
        self.dirty.push((offset_bytes, data.len() as u64));
    }

    /// Grows the written image with zeros so that it covers `end_bytes`.
    pub(crate) fn allocate(&mut self, end_bytes: u64) {
        let end = to_index(end_bytes);
        if self.written.len() < end {
            self.written.resize(end, 0);
        }
    }

    /// Reads up to `len_bytes` from the written image; short at end of file.
    pub(crate) fn read(&self, offset_bytes: u64, len_bytes: usize) -> Vec<u8> {
        let start = to_index(offset_bytes).min(self.written.len());
        let end = start.saturating_add(len_bytes).min(self.written.len());
        self.written[start..end].to_vec()
    }

    /// A successful sync: the size and every dirty range become durable.
    pub(crate) fn sync(&mut self) {
        self.durable.resize(self.written.len(), 0);
        for &(offset_bytes, len_bytes) in &self.dirty {
            let start = to_index(offset_bytes);
            let end = start + to_index(len_bytes);
            self.durable[start..end].copy_from_slice(&self.written[start..end]);
        }
        self.dirty.clear();
    }

    /// A successful durable write of `[offset_bytes, offset_bytes + len_bytes)` (`O_DSYNC`): that
    /// range, and the size up to its end, become durable; other dirty ranges stay dirty.
    pub(crate) fn sync_range(&mut self, offset_bytes: u64, len_bytes: u64) {
        let start = to_index(offset_bytes);
        let end = start + to_index(len_bytes);
        if self.durable.len() < end {
            self.durable.resize(end, 0);
        }
        self.durable[start..end].copy_from_slice(&self.written[start..end]);
        if let Some(index) = self
            .dirty
            .iter()
            .rposition(|&range| range == (offset_bytes, len_bytes))
        {
            self.dirty.remove(index);
        }
    }

    /// A failed sync: the dirty data is dropped from the durable image forever (later syncs do not
    /// bring it back), while reads keep returning it. The size still becomes durable, so dropped
    /// ranges past the old end read back as zeros after a crash.
    pub(crate) fn drop_dirty(&mut self) {
        self.dirty.clear();
    }

    /// The bytes that a power loss now would leave: the durable image, plus, with `rng`, a random
    /// subset of the sectors written since the last sync. A landed sector past the durable end
    /// extends the file, with zeros in any gap (the size reached the disk, that data did not).
    pub(crate) fn crash_bytes(&self, rng: Option<&mut Xorshift>) -> Vec<u8> {
        let mut bytes = self.durable.clone();
        let Some(rng) = rng else { return bytes };
        for &(offset_bytes, len_bytes) in &self.dirty {
            let end_bytes = offset_bytes + len_bytes;
            let mut sector_bytes = offset_bytes - offset_bytes % SECTOR_BYTES;
            while sector_bytes < end_bytes {
                let start = to_index(sector_bytes.max(offset_bytes));
                let end = to_index((sector_bytes + SECTOR_BYTES).min(end_bytes));
                if rng.next_bool() {
                    if bytes.len() < end {
                        bytes.resize(end, 0);
                    }
                    bytes[start..end].copy_from_slice(&self.written[start..end]);
                }
                sector_bytes += SECTOR_BYTES;
            }
        }
        bytes
    }
}

/// Converts a byte offset to an index. Offsets come from the caller's in-memory image, which
/// cannot exceed the address space, so the conversion only saturates for absurd inputs that the
/// capacity check has already refused.
fn to_index(bytes: u64) -> usize {
    usize::try_from(bytes).unwrap_or(usize::MAX)
}
