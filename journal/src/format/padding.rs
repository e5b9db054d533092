//! Padding math: every group-commit write ends on an alignment boundary.
//!
//! A batch that ends at `pos` with `gap = (alignment - pos % alignment) % alignment` is followed
//! by one padding frame (kind [`Kind::Padding`](super::Kind::Padding), zero payload) of exactly
//! `gap` bytes when `gap >= 9` (the smallest frame), of `gap + alignment` bytes when
//! `1 <= gap <= 8` (it spills into the next block), and by nothing when `gap == 0`.
//!
//! Invariant: `pos + padding_record_bytes(pos, alignment)` is a multiple of `alignment`, and the
//! padding is either zero bytes or a whole frame, so a reader never meets a partial frame.

use super::record::frame_bytes;

/// The size of the padding frame that moves `pos_bytes` to the next multiple of
/// `alignment_bytes` (0 when already aligned).
pub fn padding_record_bytes(pos_bytes: u64, alignment_bytes: usize) -> usize {
    let alignment = alignment_bytes as u64;
    let gap = ((alignment - pos_bytes % alignment) % alignment) as usize;
    match gap {
        0 => 0,
        gap if gap >= frame_bytes(0) => gap,
        gap => gap + alignment_bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_lands_on_the_boundary_with_a_whole_frame() {
        for alignment in [512usize, 4096] {
            for pos in 0..3 * alignment as u64 {
                let pad = padding_record_bytes(pos, alignment);
                assert_eq!((pos + pad as u64) % alignment as u64, 0, "pos {pos}");
                assert!(pad == 0 || pad >= frame_bytes(0), "pos {pos} pad {pad}");
                assert!(pad < alignment + frame_bytes(0), "pos {pos} pad {pad}");
            }
        }
    }

    #[test]
    fn a_gap_smaller_than_a_frame_spills_into_the_next_block() {
        assert_eq!(padding_record_bytes(510, 512), 514);
        assert_eq!(padding_record_bytes(503, 512), 9);
        assert_eq!(padding_record_bytes(1024, 512), 0);
    }
}
