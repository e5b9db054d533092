//! [`ReadChunk`]: how many bytes a connection's next socket read asks for.
//!
//! Each read grows the connection's buffer by the chunk and zero-fills it (safe Rust cannot read
//! into uninitialised memory), and while earlier frames of the buffer are still in flight (their
//! entry bodies are views of it) the buffer cannot be reused, so the growth is a fresh
//! allocation. A fixed 64 KiB chunk made every read at light load allocate and zero 64 KiB for
//! a 1 KiB request: 13 page faults per add (the allocator trims the freed chunks and faults
//! them back in), a large part of the bookie's CPU per add. The chunk therefore follows the
//! traffic: it doubles after a read that filled it and halves after a read that used less than
//! a quarter of it, between [`READ_CHUNK_BYTES_MIN`] and [`READ_CHUNK_BYTES_MAX`].
//!
//! Invariant: the chunk is always within `[READ_CHUNK_BYTES_MIN, READ_CHUNK_BYTES_MAX]`.

/// The smallest read: one page.
pub const READ_CHUNK_BYTES_MIN: usize = 4 << 10;
/// The largest read: enough for many frames per call at peak.
pub const READ_CHUNK_BYTES_MAX: usize = 64 << 10;

/// The size of the next read of one connection (see the module doc).
#[derive(Debug, Clone, Copy)]
pub struct ReadChunk {
    bytes: usize,
}

impl Default for ReadChunk {
    fn default() -> Self {
        Self {
            bytes: READ_CHUNK_BYTES_MIN,
        }
    }
}

impl ReadChunk {
    /// Bytes the next read asks for.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Adapts the chunk to a read that returned `read_bytes`.
    pub fn record(&mut self, read_bytes: usize) {
        if read_bytes >= self.bytes {
            self.bytes = (self.bytes * 2).min(READ_CHUNK_BYTES_MAX);
        } else if read_bytes < self.bytes / 4 {
            self.bytes = (self.bytes / 2).max(READ_CHUNK_BYTES_MIN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ReadChunk, READ_CHUNK_BYTES_MAX, READ_CHUNK_BYTES_MIN};

    #[test]
    fn full_reads_grow_the_chunk_up_to_the_maximum() {
        let mut chunk = ReadChunk::default();
        assert_eq!(chunk.bytes(), READ_CHUNK_BYTES_MIN);
        for _ in 0..20 {
            let full = chunk.bytes();
            chunk.record(full);
        }
        assert_eq!(chunk.bytes(), READ_CHUNK_BYTES_MAX);
    }

    #[test]
    fn small_reads_shrink_the_chunk_down_to_the_minimum() {
        let mut chunk = ReadChunk::default();
        for _ in 0..20 {
            chunk.record(READ_CHUNK_BYTES_MAX);
        }
        for _ in 0..20 {
            chunk.record(100);
        }
        assert_eq!(chunk.bytes(), READ_CHUNK_BYTES_MIN);
    }

    #[test]
    fn a_read_using_between_a_quarter_and_all_of_the_chunk_keeps_it() {
        let mut chunk = ReadChunk::default();
        chunk.record(READ_CHUNK_BYTES_MIN);
        let before = chunk.bytes();
        chunk.record(before / 2);
        assert_eq!(chunk.bytes(), before);
    }
}
