//! [`DmaFile`]: a glommio `DmaFile` behind the [`DurableFile`] contract.

use std::cell::OnceCell;
use std::io;
use std::path::PathBuf;
use std::rc::Rc;

use glommio::io::OpenOptions;
use glommio::GlommioError;

use crate::align::{check_write_alignment, is_aligned};
use crate::errno::{from_io, from_sync};
use crate::write_buffer::Storage;
use crate::{DiskError, DurableFile, WriteBuffer};

/// Reads longer than this many bytes are first clamped to the file size, so that an absurd
/// `len_bytes` cannot make glommio allocate an absurd buffer; shorter reads skip the extra
/// `statx` round trip.
const READ_CLAMP_THRESHOLD_BYTES: usize = 1 << 20;

/// An open `O_DIRECT` file on glommio's reactor. Not `Send`: it belongs to one executor thread.
///
/// Durable writes (`write_buffer_durable_at`) go through a second descriptor of the same file
/// opened with `O_DSYNC`, on first use: glommio has no per-write `RWF_DSYNC`, and the kernel
/// then flushes each such write itself (FUA, or a cache flush at completion in the kernel's own
/// workqueue), with no `fdatasync` on an io_uring worker thread.
#[derive(Debug)]
pub struct DmaFile {
    file: glommio::io::DmaFile,
    dsync: OnceCell<glommio::io::DmaFile>,
    os_path: PathBuf,
    path: String,
    alignment_bytes: usize,
}

/// The OS error inside a glommio error, keeping its errno when there is one.
pub(crate) fn os_error(error: GlommioError<()>) -> io::Error {
    match error {
        GlommioError::IoError(source) => source,
        GlommioError::EnhancedIoError { source, .. } => source,
        other => io::Error::other(other.to_string()),
    }
}

impl DmaFile {
    pub(crate) fn new(file: glommio::io::DmaFile, os_path: PathBuf) -> Self {
        // glommio reports the device's logical block size, at least 512.
        let alignment_bytes = usize::try_from(file.alignment()).unwrap_or(4096).max(512);
        Self {
            file,
            dsync: OnceCell::new(),
            path: os_path.display().to_string(),
            os_path,
            alignment_bytes,
        }
    }

    /// The `O_DSYNC` descriptor of this file, opened on first use.
    async fn dsync_file(&self) -> Result<&glommio::io::DmaFile, DiskError> {
        if let Some(file) = self.dsync.get() {
            return Ok(file);
        }
        let file = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_DSYNC)
            .dma_open(&self.os_path)
            .await
            .map_err(self.map("open O_DSYNC"))?;
        // A concurrent first use may have won the race: its descriptor is kept, ours dropped.
        let _ = self.dsync.set(file);
        self.dsync
            .get()
            .ok_or_else(|| self.short("open O_DSYNC", "descriptor vanished".to_owned()))
    }

    /// The path this file was opened under.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Closes the descriptor now, reporting any error (dropping closes it in the background).
    pub async fn close(self) -> Result<(), DiskError> {
        let path = self.path;
        if let Some(dsync) = self.dsync.into_inner() {
            dsync
                .close()
                .await
                .map_err(|error| from_io(&os_error(error), &path, "close"))?;
        }
        self.file
            .close()
            .await
            .map_err(|error| from_io(&os_error(error), &path, "close"))
    }

    /// Writes all of `buffer` at `offset_bytes` from glommio's own buffer; a short write (rare on
    /// `O_DIRECT`) finishes with copies through `write_at`.
    async fn write_shared(
        &self,
        target: &glommio::io::DmaFile,
        offset_bytes: u64,
        buffer: &Rc<glommio::io::DmaBuffer>,
    ) -> Result<(), DiskError> {
        if buffer.is_empty() {
            return Ok(());
        }
        let count = target
            .write_rc_at(Rc::clone(buffer), offset_bytes)
            .await
            .map_err(self.map("write_at"))?;
        if count == 0 {
            return Err(self.short(
                "write_at",
                format!("write returned 0 at offset {offset_bytes}"),
            ));
        }
        if count < buffer.len() {
            if !is_aligned(count as u64, self.alignment_bytes) {
                return Err(self.short(
                    "write_at",
                    format!("short write of {count} bytes off alignment"),
                ));
            }
            return self
                .write_copy(
                    target,
                    offset_bytes + count as u64,
                    &buffer.as_bytes()[count..],
                )
                .await;
        }
        Ok(())
    }

    /// Writes all of `data` at `offset_bytes` through `target` (this file's plain or `O_DSYNC`
    /// descriptor), copying it into glommio buffers.
    async fn write_copy(
        &self,
        target: &glommio::io::DmaFile,
        offset_bytes: u64,
        data: &[u8],
    ) -> Result<(), DiskError> {
        check_write_alignment(&self.path, offset_bytes, data.len(), self.alignment_bytes)?;
        let mut written = 0;
        while written < data.len() {
            let remaining = &data[written..];
            let mut buffer = self.file.alloc_dma_buffer(remaining.len());
            buffer.as_bytes_mut().copy_from_slice(remaining);
            let position_bytes = offset_bytes + written as u64;
            let count = target
                .write_at(buffer, position_bytes)
                .await
                .map_err(self.map("write_at"))?;
            if count == 0 {
                return Err(self.short(
                    "write_at",
                    format!("write returned 0 at offset {position_bytes}"),
                ));
            }
            written += count;
            if written < data.len() && !is_aligned(count as u64, self.alignment_bytes) {
                return Err(self.short(
                    "write_at",
                    format!("short write of {count} bytes off alignment"),
                ));
            }
        }
        Ok(())
    }

    /// Writes a [`WriteBuffer`] through `target`: a `DmaBuffer` itself (no copy; it is trimmed
    /// to the buffer's length, so it comes back with that capacity), other storage by copy.
    async fn write_buffer_via(
        &self,
        target: &glommio::io::DmaFile,
        offset_bytes: u64,
        buffer: WriteBuffer,
    ) -> (Result<(), DiskError>, WriteBuffer) {
        let len_bytes = buffer.len_bytes();
        if let Err(error) =
            check_write_alignment(&self.path, offset_bytes, len_bytes, self.alignment_bytes)
        {
            return (Err(error), buffer);
        }
        match buffer.into_storage() {
            (Storage::Dma(mut dma), len_bytes) => {
                dma.trim_to_size(len_bytes);
                let shared = Rc::new(dma);
                let result = self.write_shared(target, offset_bytes, &shared).await;
                let buffer = Rc::try_unwrap(shared)
                    .map_or_else(|_| WriteBuffer::empty(), WriteBuffer::from_dma);
                (result, buffer)
            }
            (Storage::Aligned(aligned), len_bytes) => {
                let result = match aligned.as_slice().get(..len_bytes) {
                    Some(bytes) => self.write_copy(target, offset_bytes, bytes).await,
                    None => Err(self.short("write_at", "buffer length beyond capacity".to_owned())),
                };
                (result, WriteBuffer::from_aligned(aligned, len_bytes))
            }
            (Storage::Empty, _) => (Ok(()), WriteBuffer::empty()),
        }
    }

    fn map(&self, operation: &'static str) -> impl Fn(GlommioError<()>) -> DiskError + '_ {
        move |error| from_io(&os_error(error), &self.path, operation)
    }

    fn short(&self, operation: &'static str, message: String) -> DiskError {
        DiskError::Io {
            path: self.path.clone(),
            operation,
            message,
        }
    }

    /// Reads `[start_bytes, end_bytes)` (both aligned) and copies the part inside
    /// `[offset_bytes, offset_bytes + len_bytes)`, looping on short reads until end of file.
    async fn read_span(
        &self,
        start_bytes: u64,
        end_bytes: u64,
        offset_bytes: u64,
        len_bytes: usize,
    ) -> Result<Vec<u8>, DiskError> {
        let wanted_end_bytes = offset_bytes.saturating_add(len_bytes as u64);
        let mut out = Vec::with_capacity(len_bytes.min(READ_CLAMP_THRESHOLD_BYTES));
        let mut position_bytes = start_bytes;
        while position_bytes < end_bytes {
            let span = usize::try_from(end_bytes - position_bytes)
                .map_err(|_| self.short("read_at", "read too large".to_owned()))?;
            let chunk = self
                .file
                .read_at_aligned(position_bytes, span)
                .await
                .map_err(self.map("read_at"))?;
            let got_bytes = chunk.len() as u64;
            let low_bytes = position_bytes.max(offset_bytes);
            let high_bytes = (position_bytes + got_bytes).min(wanted_end_bytes);
            if high_bytes > low_bytes {
                let low = (low_bytes - position_bytes) as usize;
                let high = (high_bytes - position_bytes) as usize;
                out.extend_from_slice(&chunk[low..high]);
            }
            position_bytes += got_bytes;
            // Nothing, or a count off alignment, means end of file.
            if got_bytes == 0 || !is_aligned(got_bytes, self.alignment_bytes) {
                break;
            }
        }
        Ok(out)
    }
}

impl DurableFile for DmaFile {
    fn alignment_bytes(&self) -> usize {
        self.alignment_bytes
    }

    async fn write_at(&self, offset_bytes: u64, data: &[u8]) -> Result<(), DiskError> {
        self.write_copy(&self.file, offset_bytes, data).await
    }

    /// A `DmaBuffer` from this file's reactor: glommio's registered I/O memory when it has room
    /// (written with `WRITE_FIXED`, no page pinning per write), else an aligned heap allocation.
    fn alloc_write_buffer(&self, capacity_bytes: usize) -> Result<WriteBuffer, DiskError> {
        Ok(WriteBuffer::from_dma(
            self.file.alloc_dma_buffer(capacity_bytes.max(1)),
        ))
    }

    /// Writes the `DmaBuffer` itself (no copy): it is trimmed to the buffer's length, so the
    /// buffer comes back with that capacity. A short write finishes through `write_at`.
    async fn write_buffer_at(
        &self,
        offset_bytes: u64,
        buffer: WriteBuffer,
    ) -> (Result<(), DiskError>, WriteBuffer) {
        self.write_buffer_via(&self.file, offset_bytes, buffer)
            .await
    }

    /// The same write through the `O_DSYNC` descriptor: one io_uring write whose completion
    /// means durable.
    async fn write_buffer_durable_at(
        &self,
        offset_bytes: u64,
        buffer: WriteBuffer,
    ) -> (Result<(), DiskError>, WriteBuffer) {
        let target = match self.dsync_file().await {
            Ok(target) => target,
            Err(error) => return (Err(error), buffer),
        };
        self.write_buffer_via(target, offset_bytes, buffer).await
    }

    async fn read_at(&self, offset_bytes: u64, len_bytes: usize) -> Result<Vec<u8>, DiskError> {
        if len_bytes == 0 {
            return Ok(Vec::new());
        }
        let alignment = self.alignment_bytes as u64;
        let mut end_bytes = offset_bytes.saturating_add(len_bytes as u64);
        if len_bytes > READ_CLAMP_THRESHOLD_BYTES {
            end_bytes = end_bytes.min(self.size_bytes().await?);
        }
        if end_bytes <= offset_bytes {
            return Ok(Vec::new());
        }
        let start_bytes = offset_bytes - offset_bytes % alignment;
        let end_aligned_bytes = end_bytes.div_ceil(alignment).saturating_mul(alignment);
        self.read_span(start_bytes, end_aligned_bytes, offset_bytes, len_bytes)
            .await
    }

    async fn sync(&self) -> Result<(), DiskError> {
        self.file
            .fdatasync()
            .await
            .map_err(|error| from_sync(&os_error(error), &self.path))
    }

    /// glommio's `pre_allocate` is `fallocate(mode 0)` over `[0, end)`: existing data is kept,
    /// holes in the range are allocated, and the size grows to `end` (never shrinks).
    async fn allocate(&self, offset_bytes: u64, len_bytes: u64) -> Result<(), DiskError> {
        if len_bytes == 0 {
            return Ok(());
        }
        let end_bytes = offset_bytes
            .checked_add(len_bytes)
            .ok_or_else(|| DiskError::NoSpace {
                path: self.path.clone(),
            })?;
        self.file
            .pre_allocate(end_bytes, false)
            .await
            .map_err(self.map("allocate"))
    }

    async fn size_bytes(&self) -> Result<u64, DiskError> {
        self.file.file_size().await.map_err(self.map("size_bytes"))
    }
}
