//! [`DmaDir`]: a real directory whose files are opened as [`DmaFile`]s.

use std::path::{Path, PathBuf};

use glommio::io::OpenOptions;

use super::file::{os_error, DmaFile};
use super::iopoll_probe;
use crate::errno::from_io;
use crate::fs_dir::{self, child_path, shown};
use crate::{DiskError, DurableDir};

/// A directory of `O_DIRECT` files on glommio's reactor.
#[derive(Debug, Clone)]
pub struct DmaDir {
    path: PathBuf,
}

impl DmaDir {
    /// The existing directory at `path`.
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
        Ok(Self { path })
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn open_with(
        &self,
        name: &str,
        create: bool,
        operation: &'static str,
    ) -> Result<DmaFile, DiskError> {
        let path = child_path(&self.path, name)?;
        iopoll_probe::ensure_probed(&self.path).await?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(create)
            .dma_open(&path)
            .await
            .map_err(|error| from_io(&os_error(error), &shown(&path), operation))?;
        Ok(DmaFile::new(file, path))
    }
}

impl DurableDir for DmaDir {
    type File = DmaFile;

    async fn create_file(&self, name: &str) -> Result<DmaFile, DiskError> {
        self.open_with(name, true, "create_file").await
    }

    async fn open_file(&self, name: &str) -> Result<DmaFile, DiskError> {
        self.open_with(name, false, "open_file").await
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

    /// Blocking `fsync` of the directory (namespace changes are rare; see `crate::fs_dir`).
    async fn sync_dir(&self) -> Result<(), DiskError> {
        fs_dir::sync_dir(&self.path)
    }

    fn space_bytes(&self) -> Result<(u64, u64), DiskError> {
        fs_dir::space_bytes(&self.path)
    }
}
