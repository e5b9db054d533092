//! [`FaultyDir`]: a directory of a [`FaultyDisk`], implementing [`DurableDir`].
//!
//! Invariants:
//! - Create, remove and rename change only the *written* namespace; `sync_dir` copies it to the
//!   *durable* namespace, so a file created but never dir-synced vanishes at a crash and a remove
//!   that was never dir-synced is undone.
//! - A failed `sync_dir` changes nothing: the pending changes stay pending.

use super::disk::FaultyDisk;
use super::file::FaultyFile;
use super::image::FileImage;
use super::plan::{to_disk_error, FaultOp};
use crate::{DiskError, DurableDir};

/// A directory on a [`FaultyDisk`]. Cloning gives another handle to the same directory.
#[derive(Debug, Clone)]
pub struct FaultyDir {
    disk: FaultyDisk,
    name: String,
}

impl FaultyDir {
    pub(crate) fn new(disk: FaultyDisk, name: String) -> Self {
        Self { disk, name }
    }

    /// The directory's name on its disk.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The disk this directory lives on.
    pub fn disk(&self) -> &FaultyDisk {
        &self.disk
    }

    fn path_of(&self, file_name: &str) -> String {
        format!("{}/{}", self.name, file_name)
    }
}

impl DurableDir for FaultyDir {
    type File = FaultyFile;

    async fn create_file(&self, name: &str) -> Result<FaultyFile, DiskError> {
        let path = self.path_of(name);
        let mut state = self.disk.state_mut();
        state.check_alive(&path, "create_file")?;
        if state.namespace_mut(&self.name).written.contains_key(name) {
            return Err(DiskError::AlreadyExists { path });
        }
        state.inodes.push(FileImage::default());
        let inode = state.inodes.len() - 1;
        state
            .namespace_mut(&self.name)
            .written
            .insert(name.to_owned(), inode);
        Ok(FaultyFile::new(self.disk.clone(), inode, path))
    }

    async fn open_file(&self, name: &str) -> Result<FaultyFile, DiskError> {
        let path = self.path_of(name);
        let mut state = self.disk.state_mut();
        state.check_alive(&path, "open_file")?;
        match state.namespace_mut(&self.name).written.get(name) {
            Some(&inode) => Ok(FaultyFile::new(self.disk.clone(), inode, path)),
            None => Err(DiskError::NotFound { path }),
        }
    }

    async fn list_files(&self) -> Result<Vec<String>, DiskError> {
        let mut state = self.disk.state_mut();
        state.check_alive(&self.name, "list_files")?;
        Ok(state
            .namespace_mut(&self.name)
            .written
            .keys()
            .cloned()
            .collect())
    }

    async fn remove_file(&self, name: &str) -> Result<(), DiskError> {
        let path = self.path_of(name);
        let mut state = self.disk.state_mut();
        state.check_alive(&path, "remove_file")?;
        match state.namespace_mut(&self.name).written.remove(name) {
            Some(_) => Ok(()),
            None => Err(DiskError::NotFound { path }),
        }
    }

    async fn rename_file(&self, from: &str, to: &str) -> Result<(), DiskError> {
        let path = self.path_of(from);
        let mut state = self.disk.state_mut();
        state.check_alive(&path, "rename_file")?;
        let namespace = state.namespace_mut(&self.name);
        let inode = namespace
            .written
            .remove(from)
            .ok_or(DiskError::NotFound { path })?;
        namespace.written.insert(to.to_owned(), inode);
        Ok(())
    }

    async fn sync_dir(&self) -> Result<(), DiskError> {
        let injected = self
            .disk
            .begin_sync_point(&self.name, FaultOp::SyncDir, "sync_dir")?;
        if let Some(error) = injected {
            return Err(to_disk_error(error, &self.name, "sync_dir"));
        }
        let mut state = self.disk.state_mut();
        let namespace = state.namespace_mut(&self.name);
        namespace.durable = namespace.written.clone();
        Ok(())
    }

    fn space_bytes(&self) -> Result<(u64, u64), DiskError> {
        let state = self.disk.state();
        state.check_alive(&self.name, "space_bytes")?;
        let capacity_bytes = state.capacity_bytes;
        Ok((
            capacity_bytes.saturating_sub(state.used_bytes()),
            capacity_bytes,
        ))
    }
}
