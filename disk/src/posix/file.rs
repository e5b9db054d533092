//! [`PosixFile`]: one `O_DIRECT` file descriptor shared through an `Arc`, with blocking I/O.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use crate::align::{check_write_alignment, is_aligned};
use crate::errno::{from_io, from_sync};
use crate::{AlignedBuffer, DiskError, DurableFile};

/// An open file doing blocking `O_DIRECT` I/O. Clones share the descriptor.
#[derive(Debug, Clone)]
pub struct PosixFile {
    file: Arc<File>,
    path: Arc<str>,
    alignment_bytes: usize,
}

impl PosixFile {
    pub(crate) fn new(file: File, path: String, alignment_bytes: usize) -> Self {
        Self {
            file: Arc::new(file),
            path: path.into(),
            alignment_bytes,
        }
    }

    /// The path this file was opened under.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Another handle to the same descriptor, for another thread. Never fails today; the
    /// `Result` keeps the signature of `std::fs::File::try_clone`.
    pub fn try_clone(&self) -> Result<Self, DiskError> {
        Ok(self.clone())
    }

    /// Blocking [`DurableFile::write_at`]: writes all of `data` at `offset_bytes`.
    pub fn write_at_blocking(&self, offset_bytes: u64, data: &[u8]) -> Result<(), DiskError> {
        check_write_alignment(&self.path, offset_bytes, data.len(), self.alignment_bytes)?;
        if data.is_empty() {
            return Ok(());
        }
        let write = |bytes: &[u8]| {
            self.file
                .write_all_at(bytes, offset_bytes)
                .map_err(|error| from_io(&error, &self.path, "write_at"))
        };
        if is_aligned(data.as_ptr() as u64, self.alignment_bytes) {
            return write(data);
        }
        let mut buffer = AlignedBuffer::new_zeroed(data.len(), self.alignment_bytes)?;
        buffer.as_mut_slice().copy_from_slice(data);
        write(buffer.as_slice())
    }

    /// Blocking [`DurableFile::read_at`]: up to `len_bytes` from `offset_bytes`, short at end of
    /// file. The transfer is widened to aligned bounds and clamped to the file size, so an absurd
    /// `len_bytes` allocates no more than the file holds.
    pub fn read_at_blocking(
        &self,
        offset_bytes: u64,
        len_bytes: usize,
    ) -> Result<Vec<u8>, DiskError> {
        let size_bytes = self.size_bytes_blocking()?;
        let alignment = self.alignment_bytes as u64;
        let end_bytes = offset_bytes
            .saturating_add(len_bytes as u64)
            .min(size_bytes);
        if len_bytes == 0 || offset_bytes >= end_bytes {
            return Ok(Vec::new());
        }
        let start_aligned = offset_bytes - offset_bytes % alignment;
        let end_aligned = end_bytes.div_ceil(alignment) * alignment;
        let span =
            usize::try_from(end_aligned - start_aligned).map_err(|_| self.too_large("read_at"))?;
        let mut buffer = AlignedBuffer::new_zeroed(span, self.alignment_bytes)?;
        let filled = self.read_aligned(start_aligned, buffer.as_mut_slice())?;
        let skip = (offset_bytes - start_aligned) as usize;
        let take =
            usize::try_from(end_bytes - offset_bytes).map_err(|_| self.too_large("read_at"))?;
        let stop = filled.min(skip + take);
        Ok(buffer
            .as_slice()
            .get(skip..stop)
            .map(<[u8]>::to_vec)
            .unwrap_or_default())
    }

    /// Fills `buffer` from `offset_bytes` with `pread`, looping on short reads until end of file.
    fn read_aligned(&self, offset_bytes: u64, buffer: &mut [u8]) -> Result<usize, DiskError> {
        let mut filled = 0;
        while filled < buffer.len() {
            let read = match self
                .file
                .read_at(&mut buffer[filled..], offset_bytes + filled as u64)
            {
                Ok(read) => read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(from_io(&error, &self.path, "read_at")),
            };
            filled += read;
            // A read that returns nothing or stops off alignment has reached end of file; the
            // next aligned pread could not continue from there anyway.
            if read == 0 || !is_aligned(read as u64, self.alignment_bytes) {
                break;
            }
        }
        Ok(filled)
    }

    /// Blocking [`DurableFile::sync`]: `fdatasync`.
    pub fn sync_blocking(&self) -> Result<(), DiskError> {
        self.file
            .sync_data()
            .map_err(|error| from_sync(&error, &self.path))
    }

    /// Blocking [`DurableFile::allocate`]: `fallocate` with mode 0 (allocates, and grows the size).
    #[allow(unsafe_code)]
    pub fn allocate_blocking(&self, offset_bytes: u64, len_bytes: u64) -> Result<(), DiskError> {
        use std::os::fd::AsRawFd;

        if len_bytes == 0 {
            return Ok(());
        }
        let offset = libc::off_t::try_from(offset_bytes).map_err(|_| self.too_large("allocate"))?;
        let len = libc::off_t::try_from(len_bytes).map_err(|_| self.too_large("allocate"))?;
        loop {
            // SAFETY: the descriptor is open for as long as `self.file` lives, which spans the
            // call; `fallocate` only reads its integer arguments.
            let result = unsafe { libc::fallocate(self.file.as_raw_fd(), 0, offset, len) };
            if result == 0 {
                return Ok(());
            }
            let error = std::io::Error::last_os_error();
            if error.kind() != std::io::ErrorKind::Interrupted {
                return Err(from_io(&error, &self.path, "allocate"));
            }
        }
    }

    /// Blocking [`DurableFile::size_bytes`].
    pub fn size_bytes_blocking(&self) -> Result<u64, DiskError> {
        let metadata = self
            .file
            .metadata()
            .map_err(|error| from_io(&error, &self.path, "size_bytes"))?;
        Ok(metadata.len())
    }

    fn too_large(&self, operation: &'static str) -> DiskError {
        DiskError::Io {
            path: self.path.to_string(),
            operation,
            message: "range exceeds the platform's offsets".to_owned(),
        }
    }
}

impl DurableFile for PosixFile {
    fn alignment_bytes(&self) -> usize {
        self.alignment_bytes
    }

    async fn write_at(&self, offset_bytes: u64, data: &[u8]) -> Result<(), DiskError> {
        self.write_at_blocking(offset_bytes, data)
    }

    async fn read_at(&self, offset_bytes: u64, len_bytes: usize) -> Result<Vec<u8>, DiskError> {
        self.read_at_blocking(offset_bytes, len_bytes)
    }

    async fn sync(&self) -> Result<(), DiskError> {
        self.sync_blocking()
    }

    async fn allocate(&self, offset_bytes: u64, len_bytes: u64) -> Result<(), DiskError> {
        self.allocate_blocking(offset_bytes, len_bytes)
    }

    async fn size_bytes(&self) -> Result<u64, DiskError> {
        self.size_bytes_blocking()
    }
}
