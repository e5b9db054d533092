//! [`AlignedBuffer`]: a heap buffer whose start address is aligned for `O_DIRECT` I/O.
//!
//! `O_DIRECT` requires the memory address, the file offset and the length of each transfer to be
//! aligned to the device's logical block size; `Vec<u8>` guarantees no alignment, so buffers that
//! go to the kernel are allocated here with an explicit [`Layout`].
//!
//! Invariants: `ptr` comes from `alloc_zeroed(layout)` with `layout.size() >= len_bytes` and
//! `layout.size() >= 1`; it is freed exactly once, in `Drop`, with the same layout; the buffer is
//! uniquely owned (like `Vec`), so it may move between threads.

#![allow(unsafe_code)]

use std::alloc::{alloc_zeroed, dealloc, handle_alloc_error, Layout};
use std::ptr::NonNull;

use crate::DiskError;

/// A zero-initialised byte buffer starting at an address that is a multiple of its alignment.
pub struct AlignedBuffer {
    ptr: NonNull<u8>,
    len_bytes: usize,
    layout: Layout,
}

// SAFETY: the buffer exclusively owns its allocation (no aliasing pointers escape except through
// borrows of `self`), exactly like `Vec<u8>`, which is `Send` and `Sync`.
unsafe impl Send for AlignedBuffer {}
// SAFETY: shared access only hands out `&[u8]`; mutation needs `&mut self`.
unsafe impl Sync for AlignedBuffer {}

impl AlignedBuffer {
    /// A zeroed buffer of `len_bytes` whose address is a multiple of `alignment_bytes` (a power of
    /// two). Fails if the size overflows the address space.
    pub fn new_zeroed(len_bytes: usize, alignment_bytes: usize) -> Result<Self, DiskError> {
        let layout =
            Layout::from_size_align(len_bytes.max(1), alignment_bytes).map_err(|error| {
                DiskError::Io {
                    path: String::new(),
                    operation: "allocate aligned buffer",
                    message: format!("{len_bytes} bytes aligned to {alignment_bytes}: {error}"),
                }
            })?;
        // SAFETY: `layout` has a non-zero size (at least 1 byte) and a valid power-of-two
        // alignment, as `Layout::from_size_align` checked.
        let raw = unsafe { alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(raw) else {
            handle_alloc_error(layout)
        };
        Ok(Self {
            ptr,
            len_bytes,
            layout,
        })
    }

    /// The buffer's length in bytes.
    pub fn len(&self) -> usize {
        self.len_bytes
    }

    /// Whether the buffer holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len_bytes == 0
    }

    /// The alignment of the buffer's start address, in bytes.
    pub fn alignment_bytes(&self) -> usize {
        self.layout.align()
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `ptr` is valid for reads of `layout.size() >= len_bytes` bytes, initialised by
        // `alloc_zeroed`, and lives as long as `self`; no `&mut` exists while `&self` is borrowed.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len_bytes) }
    }

    /// The bytes, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`, and `&mut self` guarantees this is the only live reference.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len_bytes) }
    }
}

impl Drop for AlignedBuffer {
    fn drop(&mut self) {
        // SAFETY: `ptr` was returned by `alloc_zeroed(self.layout)` and is freed only here, once.
        unsafe { dealloc(self.ptr.as_ptr(), self.layout) }
    }
}

impl std::fmt::Debug for AlignedBuffer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("AlignedBuffer")
            .field("len_bytes", &self.len_bytes)
            .field("alignment_bytes", &self.layout.align())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::AlignedBuffer;

    #[test]
    fn buffer_is_aligned_zeroed_and_writable() {
        for alignment_bytes in [512, 4096] {
            let mut buffer = AlignedBuffer::new_zeroed(10_000, alignment_bytes).expect("alloc");
            assert_eq!(buffer.as_slice().as_ptr() as usize % alignment_bytes, 0);
            assert!(buffer.as_slice().iter().all(|&b| b == 0));
            buffer.as_mut_slice()[9_999] = 7;
            assert_eq!(buffer.as_slice()[9_999], 7);
            assert_eq!(buffer.len(), 10_000);
        }
    }

    #[test]
    fn empty_buffer_is_allowed_and_impossible_sizes_are_errors() {
        assert!(AlignedBuffer::new_zeroed(0, 4096)
            .expect("empty")
            .is_empty());
        assert!(AlignedBuffer::new_zeroed(usize::MAX - 10, 4096).is_err());
        assert!(
            AlignedBuffer::new_zeroed(16, 3).is_err(),
            "alignment must be a power of two"
        );
    }
}
