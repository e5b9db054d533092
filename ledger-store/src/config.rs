//! [`StoreConfig`]: every limit of the ledger store, with units in the names.
//!
//! Invariant (checked by [`StoreConfig::validate`]): an entry of `entry_bytes_max` bytes always
//! fits in one entry log, and entry-log offsets fit 32 bits (the packed location's low half).

use crate::entry_log::format::RECORD_HEADER_BYTES;
use crate::error::StoreError;

/// Limits of one ledger store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// Bytes of entry bodies both write-cache halves may hold together; each half gets half.
    /// Default 64 MiB.
    pub write_cache_bytes_max: u64,
    /// Bytes of entry bodies the read-ahead cache may hold. Default 16 MiB.
    pub read_cache_bytes_max: u64,
    /// Bytes read from an entry log after a read-cache miss (the entry plus read-ahead).
    /// Default 64 KiB.
    pub read_ahead_bytes_max: usize,
    /// Entries read ahead after a miss, at most (BookKeeper's readAheadCacheBatchSize). Default 100.
    pub read_ahead_entries_max: usize,
    /// An entry log rolls over before it would exceed this size; at most `u32::MAX`.
    /// Default 1 GiB.
    pub entry_log_bytes_max: u64,
    /// Bytes preallocated at a time ahead of the entry-log write position. Default 4 MiB.
    pub entry_log_prealloc_bytes: u64,
    /// Bytes buffered before an aligned write to the entry log. Default 1 MiB.
    pub write_buffer_bytes: usize,
    /// During a flush, the entry log is synced each time this many bytes were written since its
    /// last sync (BookKeeper's `flushEntrylogBytes`), so that no single sync has to push a whole
    /// write-cache half to the device: on a disk shared with the journal, one large sync holds
    /// up the journal's own syncs behind it. 0 syncs only at the end of the flush.
    /// Default 1 MiB.
    pub flush_entry_log_bytes: u64,
    /// Largest entry body accepted, in bytes. Default 5 MiB (BookKeeper's nettyMaxFrameSize).
    pub entry_bytes_max: usize,
    /// Index journal bytes (all generations) after which a flush writes an index snapshot.
    /// Default 64 MiB.
    pub index_journal_bytes_max: u64,
    /// Largest explicit-LAC blob accepted, in bytes. Default 1 KiB.
    pub explicit_lac_bytes_max: usize,
    /// Entries compaction copies per step (one log sync and one index batch per step; the gate is
    /// released and the pacing pause taken between steps). Default 1000.
    pub compaction_batch_entries: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            write_cache_bytes_max: 64 << 20,
            read_cache_bytes_max: 16 << 20,
            read_ahead_bytes_max: 64 << 10,
            read_ahead_entries_max: 100,
            entry_log_bytes_max: 1 << 30,
            entry_log_prealloc_bytes: 4 << 20,
            write_buffer_bytes: 1 << 20,
            flush_entry_log_bytes: 1 << 20,
            entry_bytes_max: 5 << 20,
            index_journal_bytes_max: 64 << 20,
            explicit_lac_bytes_max: 1024,
            compaction_batch_entries: 1000,
        }
    }
}

impl StoreConfig {
    /// Checks the invariants between the limits.
    pub fn validate(&self) -> Result<(), StoreError> {
        let fail = |message: &str| Err(StoreError::Config(message.to_owned()));
        if self.entry_log_bytes_max > u64::from(u32::MAX) {
            return fail("entry_log_bytes_max must fit 32 bits");
        }
        // The header block is at most 64 KiB (the largest alignment we accept).
        let one_entry_bytes = (64 << 10) + RECORD_HEADER_BYTES as u64 + self.entry_bytes_max as u64;
        if self.entry_log_bytes_max < one_entry_bytes {
            return fail("entry_log_bytes_max must hold the header block and one largest entry");
        }
        if self.write_cache_bytes_max < 2 * self.entry_bytes_max as u64 {
            return fail("write_cache_bytes_max must hold one largest entry per half");
        }
        if self.compaction_batch_entries == 0 {
            return fail("compaction_batch_entries must be positive");
        }
        if self.write_buffer_bytes == 0 || self.read_ahead_bytes_max < RECORD_HEADER_BYTES {
            return fail("write_buffer_bytes and read_ahead_bytes_max must be positive");
        }
        Ok(())
    }

    /// Bytes of entry bodies one write-cache half may hold.
    pub fn write_cache_half_bytes_max(&self) -> u64 {
        self.write_cache_bytes_max / 2
    }
}
