//! [`PosixDir`]: a real directory whose files are opened as [`PosixFile`]s.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::file::PosixFile;
use crate::errno::from_io;
use crate::fs_dir::{self, child_path, shown};
use crate::{DiskError, DurableDir};

/// Default `O_DIRECT` alignment of a [`PosixDir`]'s files: 4096 bytes, which satisfies both
/// 512-byte and 4096-byte logical block devices.
pub const POSIX_ALIGNMENT_BYTES_DEFAULT: usize = 4096;

/// A directory of `O_DIRECT` files with blocking I/O.
#[derive(Debug, Clone)]
pub struct PosixDir {
    path: PathBuf,
    alignment_bytes: usize,
}

impl PosixDir {
    /// The existing directory at `path`, with 4096-byte alignment.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DiskError> {
        let path = path.as_ref().to_path_buf();
        let metadata =
            std::fs::metadata(&path).map_err(|error| from_io(&error, &shown(&path), "open_dir"))?;
        if !metadata.is_dir() {
            return Err(DiskError::Io {
                path: shown(&path),
                operation: "open_dir",
                message: "not a directory".to_owned(),
            });
        }
        Ok(Self {
            path,
            alignment_bytes: POSIX_ALIGNMENT_BYTES_DEFAULT,
        })
    }

    /// The same directory with another alignment (a power of two, at least 512), for devices
    /// whose logical block size is known.
    ///
    /// # Panics
    /// If `alignment_bytes` is not a power of two of at least 512 (a configuration bug).
    pub fn with_alignment_bytes(mut self, alignment_bytes: usize) -> Self {
        assert!(
            alignment_bytes.is_power_of_two() && alignment_bytes >= 512,
            "bad alignment {alignment_bytes}"
        );
        self.alignment_bytes = alignment_bytes;
        self
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open_with(
        &self,
        name: &str,
        create: bool,
        operation: &'static str,
    ) -> Result<PosixFile, DiskError> {
        let path = child_path(&self.path, name)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(create)
            .custom_flags(libc::O_DIRECT)
            .open(&path)
            .map_err(|error| from_io(&error, &shown(&path), operation))?;
        Ok(PosixFile::new(file, shown(&path), self.alignment_bytes))
    }
}

impl DurableDir for PosixDir {
    type File = PosixFile;

    async fn create_file(&self, name: &str) -> Result<PosixFile, DiskError> {
        self.open_with(name, true, "create_file")
    }

    async fn open_file(&self, name: &str) -> Result<PosixFile, DiskError> {
        self.open_with(name, false, "open_file")
    }

    async fn list_files(&self) -> Result<Vec<String>, DiskError> {
        fs_dir::list_files(&self.path)
    }

    async fn remove_file(&self, name: &str) -> Result<(), DiskError> {
        fs_dir::remove_file(&self.path, name)
    }

    /// Hands the file to the background reaper (`crate::reaper`).
    async fn remove_file_eventually(&self, name: &str) -> Result<(), DiskError> {
        fs_dir::remove_file_eventually(&self.path, name)
    }

    async fn rename_file(&self, from: &str, to: &str) -> Result<(), DiskError> {
        fs_dir::rename_file(&self.path, from, to)
    }

    async fn sync_dir(&self) -> Result<(), DiskError> {
        fs_dir::sync_dir(&self.path)
    }

    fn space_bytes(&self) -> Result<(u64, u64), DiskError> {
        fs_dir::space_bytes(&self.path)
    }
}
