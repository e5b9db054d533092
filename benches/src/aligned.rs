//! Memory-aligned byte buffers without `unsafe`: over-allocate a `Vec` and use the aligned
//! window inside it (what `O_DIRECT` needs for the buffer address).

/// A zeroed buffer of `len_bytes` whose start address is a multiple of `alignment_bytes`.
pub struct AlignedBytes {
    storage: Vec<u8>,
    start: usize,
    len_bytes: usize,
}

impl AlignedBytes {
    /// Allocates the buffer, filled with `fill`.
    pub fn new(len_bytes: usize, alignment_bytes: usize, fill: u8) -> Self {
        let storage = vec![fill; len_bytes + alignment_bytes];
        let start = storage.as_ptr().align_offset(alignment_bytes);
        Self {
            storage,
            start,
            len_bytes,
        }
    }

    /// The aligned bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.storage[self.start..self.start + self.len_bytes]
    }
}
