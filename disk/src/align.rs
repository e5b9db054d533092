//! Alignment arithmetic shared by every implementation's `write_at` check.
//!
//! Invariant: alignments are powers of two (the `DurableFile` contract), so a mask test is exact.

use crate::DiskError;

/// Whether `value` is a multiple of `alignment_bytes` (a power of two).
pub(crate) fn is_aligned(value: u64, alignment_bytes: usize) -> bool {
    debug_assert!(alignment_bytes.is_power_of_two());
    value & (alignment_bytes as u64 - 1) == 0
}

/// Fails with [`DiskError::Misaligned`] unless both `offset_bytes` and `len_bytes` are multiples
/// of `alignment_bytes`.
pub(crate) fn check_write_alignment(
    path: &str,
    offset_bytes: u64,
    len_bytes: usize,
    alignment_bytes: usize,
) -> Result<(), DiskError> {
    if is_aligned(offset_bytes, alignment_bytes) && is_aligned(len_bytes as u64, alignment_bytes) {
        return Ok(());
    }
    Err(DiskError::Misaligned {
        path: path.to_owned(),
        offset_bytes,
        len_bytes,
        alignment_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_lengths_must_both_be_multiples() {
        assert!(check_write_alignment("f", 4096, 512, 512).is_ok());
        assert!(check_write_alignment("f", 0, 0, 4096).is_ok());
        assert!(check_write_alignment("f", 512, 4096, 4096).is_err());
        assert!(check_write_alignment("f", 4096, 100, 4096).is_err());
    }
}
