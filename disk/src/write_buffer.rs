//! [`WriteBuffer`]: a buffer that a caller fills in place and hands to
//! [`DurableFile::write_buffer_at`](crate::DurableFile::write_buffer_at), so that an
//! implementation that needs its own kind of memory (glommio's `DmaBuffer`) can write it without
//! copying the bytes again.
//!
//! A buffer has a capacity (what was allocated) and a length (the bytes a write transfers, set
//! with [`WriteBuffer::set_len`]). The default implementation of the file methods uses an
//! [`AlignedBuffer`]; `DmaFile` uses a `DmaBuffer` from the file's reactor (glommio's registered
//! I/O memory when it has room), whose capacity shrinks to the written length after a write
//! (glommio can trim a `DmaBuffer` but never grow it back).
//!
//! Invariants:
//! - The start address is aligned to the file's `alignment_bytes()` (both storages are allocated
//!   aligned), so a write of `as_slice()` needs no bounce copy.
//! - `len_bytes() <= capacity_bytes()` at all times; bytes beyond the length are never written.
//! - A buffer is owned by exactly one holder: the caller while it encodes, the write while it is
//!   in flight, then the caller again (the write hands it back).

use crate::{AlignedBuffer, DiskError};

/// A buffer for [`DurableFile::write_buffer_at`](crate::DurableFile::write_buffer_at): fill
/// `as_mut_slice()[..len]`, then write it.
pub struct WriteBuffer {
    storage: Storage,
    len_bytes: usize,
}

pub(crate) enum Storage {
    Aligned(AlignedBuffer),
    Dma(glommio::io::DmaBuffer),
    /// Nothing (a write could not hand its glommio buffer back).
    Empty,
}

impl WriteBuffer {
    /// A zeroed heap buffer of `capacity_bytes` aligned to `alignment_bytes` (a power of two),
    /// with its length set to its capacity.
    pub fn aligned(capacity_bytes: usize, alignment_bytes: usize) -> Result<Self, DiskError> {
        let buffer = AlignedBuffer::new_zeroed(capacity_bytes, alignment_bytes)?;
        Ok(Self {
            storage: Storage::Aligned(buffer),
            len_bytes: capacity_bytes,
        })
    }

    pub(crate) fn empty() -> Self {
        Self {
            storage: Storage::Empty,
            len_bytes: 0,
        }
    }

    pub(crate) fn from_aligned(buffer: AlignedBuffer, len_bytes: usize) -> Self {
        let len_bytes = len_bytes.min(buffer.len());
        Self {
            storage: Storage::Aligned(buffer),
            len_bytes,
        }
    }

    pub(crate) fn from_dma(buffer: glommio::io::DmaBuffer) -> Self {
        let len_bytes = buffer.len();
        Self {
            storage: Storage::Dma(buffer),
            len_bytes,
        }
    }

    /// Bytes this buffer can hold.
    pub fn capacity_bytes(&self) -> usize {
        match &self.storage {
            Storage::Aligned(buffer) => buffer.len(),
            Storage::Dma(buffer) => buffer.len(),
            Storage::Empty => 0,
        }
    }

    /// Bytes a write of this buffer transfers.
    pub fn len_bytes(&self) -> usize {
        self.len_bytes
    }

    /// Sets the length; fails (returning `false`, length unchanged) above the capacity.
    pub fn set_len(&mut self, len_bytes: usize) -> bool {
        if len_bytes > self.capacity_bytes() {
            return false;
        }
        self.len_bytes = len_bytes;
        true
    }

    /// The first `len_bytes()` bytes.
    pub fn as_slice(&self) -> &[u8] {
        let whole = match &self.storage {
            Storage::Aligned(buffer) => buffer.as_slice(),
            Storage::Dma(buffer) => buffer.as_bytes(),
            Storage::Empty => &[],
        };
        &whole[..self.len_bytes]
    }

    /// The first `len_bytes()` bytes, mutably (their content is whatever the buffer last held).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        let whole = match &mut self.storage {
            Storage::Aligned(buffer) => buffer.as_mut_slice(),
            Storage::Dma(buffer) => buffer.as_bytes_mut(),
            Storage::Empty => &mut [],
        };
        &mut whole[..self.len_bytes]
    }

    /// Takes the storage out, with the length (for `DmaFile`).
    pub(crate) fn into_storage(self) -> (Storage, usize) {
        (self.storage, self.len_bytes)
    }
}

impl std::fmt::Debug for WriteBuffer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.storage {
            Storage::Aligned(_) => "aligned",
            Storage::Dma(_) => "dma",
            Storage::Empty => "empty",
        };
        formatter
            .debug_struct("WriteBuffer")
            .field("storage", &kind)
            .field("len_bytes", &self.len_bytes)
            .field("capacity_bytes", &self.capacity_bytes())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::WriteBuffer;

    #[test]
    fn length_is_bounded_by_capacity_and_slices_follow_it() {
        let mut buffer = WriteBuffer::aligned(8192, 4096).expect("alloc");
        assert_eq!(buffer.as_slice().as_ptr() as usize % 4096, 0);
        assert!(buffer.set_len(4096));
        buffer.as_mut_slice()[4095] = 9;
        assert_eq!(buffer.as_slice().len(), 4096);
        assert!(!buffer.set_len(8193));
        assert_eq!(buffer.len_bytes(), 4096);
        assert_eq!(buffer.capacity_bytes(), 8192);
    }
}
