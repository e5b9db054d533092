//! [`JournalConfig`]: every limit of one journal, with its unit in its name.
//!
//! Invariant: a config that passed [`JournalConfig::validate`] has a power-of-two alignment in
//! `512..=64 KiB`, a batch limit of at least one alignment block, and preallocation and file
//! size limits that are multiples of the alignment.

use crate::format::ALIGNMENT_BYTES_MAX;

/// The limits of one journal directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JournalConfig {
    /// Alignment of every group-commit write, in bytes (power of two, 512..=65536; at least the
    /// file's own `alignment_bytes()`, which wins if larger). Default 4096.
    pub alignment_bytes: usize,
    /// How long the writer waits for more records after the first one of a batch, in
    /// microseconds; 0 writes as soon as the writer is free. Default 0: pipelining already
    /// batches everything that arrives during the previous write and sync.
    pub group_wait_max_us: u64,
    /// A group-commit write (batch mark, records, padding) stays within this many bytes; a
    /// single larger record still goes alone. Default 1 MiB. With glommio, the journal's two
    /// write buffers come from the executor's registered `io_memory` when both fit its buddy
    /// allocator (`io_memory >= 2 * batch_bytes_max`, power-of-two sizes), which saves pinning
    /// the pages at every write.
    pub batch_bytes_max: usize,
    /// Group-commit writes on the device at once (at least 1): the next batch is written while
    /// earlier ones are still in flight, so the device never idles while a batch is encoded.
    /// Writes are published (and synced) in file order. Default 4 (measured against 2:
    /// docs/notes/journal-architecture.md).
    pub writes_in_flight_max: usize,
    /// A batch of at most this many bytes, started while every earlier write is durable and
    /// none is in flight, is written durable by itself (`DurableFile::write_buffer_durable_at`:
    /// `O_DSYNC` on `DmaFile`, one device operation) instead of a write and then an
    /// `fdatasync`. That is the light-load case (less CPU and latency per add); under load,
    /// writes overlap and one `fdatasync` covers several of them (more throughput). 0 never
    /// writes durable. Default 128 KiB (measurements: ARCHITECTURE.md, "Journal I/O engine").
    pub dsync_batch_bytes_max: usize,
    /// A file rolls over when the next batch would end beyond this size, in bytes.
    /// Default 1 GiB.
    pub file_bytes_max: u64,
    /// Preallocation step, in bytes: the file is extended by `allocate` this much at a time and
    /// the new range is overwritten with zeros once, so record writes are plain overwrites that
    /// need no metadata update (see `zero_fill.rs`). Default 16 MiB.
    pub preallocate_step_bytes: u64,
    /// Appends are refused with [`JournalError::Backpressure`](crate::JournalError::Backpressure)
    /// while this many record bytes wait to be written. Default 64 MiB.
    pub queued_bytes_max: usize,
    /// Appends are refused while this many records wait to be written. Default 100 000.
    pub queued_records_max: usize,
}

impl Default for JournalConfig {
    fn default() -> Self {
        Self {
            alignment_bytes: 4096,
            group_wait_max_us: 0,
            batch_bytes_max: 1 << 20,
            writes_in_flight_max: 4,
            dsync_batch_bytes_max: 128 << 10,
            file_bytes_max: 1 << 30,
            preallocate_step_bytes: 16 << 20,
            queued_bytes_max: 64 << 20,
            queued_records_max: 100_000,
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid journal config: {reason}")]
pub struct ConfigError {
    /// What is wrong, naming the field.
    pub reason: String,
}

impl JournalConfig {
    /// Checks the invariants listed in the module doc.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |reason: String| Err(ConfigError { reason });
        let alignment = self.alignment_bytes;
        if !alignment.is_power_of_two() || !(512..=ALIGNMENT_BYTES_MAX).contains(&alignment) {
            return fail(format!(
                "alignment_bytes {alignment} must be a power of two in 512..=65536"
            ));
        }
        if self.batch_bytes_max < alignment {
            return fail(format!(
                "batch_bytes_max {} is below alignment_bytes",
                self.batch_bytes_max
            ));
        }
        if !(1..=64).contains(&self.writes_in_flight_max) {
            return fail(format!(
                "writes_in_flight_max {} must be in 1..=64",
                self.writes_in_flight_max
            ));
        }
        if self.preallocate_step_bytes == 0
            || !self.preallocate_step_bytes.is_multiple_of(alignment as u64)
        {
            return fail(format!(
                "preallocate_step_bytes {} must be a positive multiple of alignment",
                self.preallocate_step_bytes
            ));
        }
        if self.file_bytes_max < 4 * alignment as u64 {
            return fail(format!(
                "file_bytes_max {} must be at least four alignment blocks",
                self.file_bytes_max
            ));
        }
        if self.queued_bytes_max == 0 || self.queued_records_max == 0 {
            return fail("queued_bytes_max and queued_records_max must be positive".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid() {
        assert_eq!(JournalConfig::default().validate(), Ok(()));
    }

    #[test]
    fn bad_alignment_and_limits_are_refused() {
        let base = JournalConfig::default();
        assert!(JournalConfig {
            alignment_bytes: 1000,
            ..base
        }
        .validate()
        .is_err());
        assert!(JournalConfig {
            alignment_bytes: 256,
            ..base
        }
        .validate()
        .is_err());
        assert!(JournalConfig {
            alignment_bytes: 1 << 17,
            ..base
        }
        .validate()
        .is_err());
        assert!(JournalConfig {
            batch_bytes_max: 100,
            ..base
        }
        .validate()
        .is_err());
        assert!(JournalConfig {
            preallocate_step_bytes: 4097,
            ..base
        }
        .validate()
        .is_err());
        assert!(JournalConfig {
            file_bytes_max: 4096,
            ..base
        }
        .validate()
        .is_err());
        assert!(JournalConfig {
            queued_records_max: 0,
            ..base
        }
        .validate()
        .is_err());
    }
}
