//! Big-endian field access on byte slices that never panics on short input.
//!
//! Every decoder of on-disk bytes reads through these helpers, so a truncated or hostile buffer
//! yields `None` instead of a panic.

/// The `N` bytes at `offset`, if present.
fn array_at<const N: usize>(bytes: &[u8], offset: usize) -> Option<[u8; N]> {
    let end = offset.checked_add(N)?;
    bytes.get(offset..end)?.try_into().ok()
}

/// Big-endian `u32` at `offset`.
pub(crate) fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    array_at(bytes, offset).map(u32::from_be_bytes)
}

/// Big-endian `u64` at `offset`.
pub(crate) fn u64_at(bytes: &[u8], offset: usize) -> Option<u64> {
    array_at(bytes, offset).map(u64::from_be_bytes)
}

/// Big-endian `i64` at `offset`.
pub(crate) fn i64_at(bytes: &[u8], offset: usize) -> Option<i64> {
    array_at(bytes, offset).map(i64::from_be_bytes)
}

/// The smallest multiple of `alignment` (a power of two) that is at least `value`.
pub(crate) fn align_up(value: u64, alignment: u64) -> u64 {
    debug_assert!(alignment.is_power_of_two());
    value.div_ceil(alignment) * alignment
}

/// Appends zeros to `buffer` until its length is a multiple of `alignment`.
pub(crate) fn pad_to(buffer: &mut Vec<u8>, alignment: usize) {
    let target = align_up(buffer.len() as u64, alignment as u64) as usize;
    buffer.resize(target, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_input_reads_as_none_instead_of_panicking() {
        assert_eq!(u32_at(&[1, 2, 3], 0), None);
        assert_eq!(u64_at(&[0; 8], 1), None);
        assert_eq!(i64_at(&[0; 8], usize::MAX), None);
        assert_eq!(u32_at(&[0, 0, 1, 2], 0), Some(0x0102));
    }

    #[test]
    fn align_up_rounds_to_the_next_multiple() {
        assert_eq!(align_up(0, 512), 0);
        assert_eq!(align_up(1, 512), 512);
        assert_eq!(align_up(512, 512), 512);
        let mut buffer = vec![1u8; 513];
        pad_to(&mut buffer, 512);
        assert_eq!(buffer.len(), 1024);
    }
}
