//! [`FaultyFile`]: a handle to one simulated inode, implementing [`DurableFile`].
//!
//! Invariants:
//! - Every operation first fails with `Crashed` if the process is dead, then checks alignment,
//!   then injected faults, then capacity, and only then changes state: a failed operation
//!   changes nothing (except a failed sync, which drops the dirty data, as Linux does).
//! - All futures are ready at once, unless [`FaultyDisk::set_yield_on_io`] asked data
//!   operations to yield once first; a yield happens before any state is read or changed.

use super::disk::FaultyDisk;
use super::plan::{to_disk_error, FaultOp};
use super::state::InodeId;
use crate::align::check_write_alignment;
use crate::{DiskError, DurableFile, WriteBuffer};

/// An open file on a [`FaultyDisk`]. Cloning gives another handle to the same inode; a handle
/// keeps working after the file is removed or renamed, as on POSIX.
#[derive(Debug, Clone)]
pub struct FaultyFile {
    disk: FaultyDisk,
    inode: InodeId,
    path: String,
}

impl FaultyFile {
    pub(crate) fn new(disk: FaultyDisk, inode: InodeId, path: String) -> Self {
        Self { disk, inode, path }
    }

    /// The path (`"dir/name"`) this file was opened under.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Yields once to the executor when the disk asks for it (no borrow is held across it).
    async fn maybe_yield(&self) {
        let yield_on_io = self.disk.state().yield_on_io;
        if yield_on_io {
            futures_lite::future::yield_now().await;
        }
    }

    fn injected(&self, op: FaultOp, operation: &'static str) -> Result<(), DiskError> {
        let error = self.disk.state_mut().plan.take_error(&self.path, op);
        match error {
            Some(error) => Err(to_disk_error(error, &self.path, operation)),
            None => Ok(()),
        }
    }

    fn end_bytes(&self, offset_bytes: u64, len_bytes: u64) -> Result<u64, DiskError> {
        offset_bytes
            .checked_add(len_bytes)
            .ok_or_else(|| DiskError::NoSpace {
                path: self.path.clone(),
            })
    }
}

impl DurableFile for FaultyFile {
    fn alignment_bytes(&self) -> usize {
        self.disk.state().alignment_bytes
    }

    async fn write_at(&self, offset_bytes: u64, data: &[u8]) -> Result<(), DiskError> {
        self.maybe_yield().await;
        self.disk.state().check_alive(&self.path, "write_at")?;
        check_write_alignment(&self.path, offset_bytes, data.len(), self.alignment_bytes())?;
        self.injected(FaultOp::Write, "write_at")?;
        let end_bytes = self.end_bytes(offset_bytes, data.len() as u64)?;
        let mut state = self.disk.state_mut();
        state.check_space(self.inode, end_bytes, &self.path)?;
        state.inodes[self.inode].write(offset_bytes, data);
        Ok(())
    }

    /// A write, then its own flush as one sync point: a crash there keeps any subset of the
    /// write's sectors (with torn writes on), and only a completed flush makes the range durable
    /// (other writes stay as they were, as with `O_DSYNC`). An injected sync failure drops the
    /// dirty data, as a failed `sync` does.
    async fn write_buffer_durable_at(
        &self,
        offset_bytes: u64,
        buffer: WriteBuffer,
    ) -> (Result<(), DiskError>, WriteBuffer) {
        let len_bytes = buffer.len_bytes() as u64;
        if let Err(error) = self.write_at(offset_bytes, buffer.as_slice()).await {
            return (Err(error), buffer);
        }
        let injected = match self
            .disk
            .begin_sync_point(&self.path, FaultOp::Sync, "write_durable")
        {
            Ok(injected) => injected,
            Err(error) => return (Err(error), buffer),
        };
        let mut state = self.disk.state_mut();
        if let Some(error) = injected {
            state.inodes[self.inode].drop_dirty();
            return (
                Err(to_disk_error(error, &self.path, "write_durable")),
                buffer,
            );
        }
        state.inodes[self.inode].sync_range(offset_bytes, len_bytes);
        (Ok(()), buffer)
    }

    async fn read_at(&self, offset_bytes: u64, len_bytes: usize) -> Result<Vec<u8>, DiskError> {
        self.maybe_yield().await;
        self.disk.state().check_alive(&self.path, "read_at")?;
        self.disk.state_mut().reads += 1;
        self.injected(FaultOp::Read, "read_at")?;
        Ok(self.disk.state().inodes[self.inode].read(offset_bytes, len_bytes))
    }

    async fn sync(&self) -> Result<(), DiskError> {
        self.maybe_yield().await;
        let injected = self
            .disk
            .begin_sync_point(&self.path, FaultOp::Sync, "sync")?;
        let mut state = self.disk.state_mut();
        if let Some(error) = injected {
            state.inodes[self.inode].drop_dirty();
            return Err(to_disk_error(error, &self.path, "sync"));
        }
        state.inodes[self.inode].sync();
        Ok(())
    }

    async fn allocate(&self, offset_bytes: u64, len_bytes: u64) -> Result<(), DiskError> {
        self.disk.state().check_alive(&self.path, "allocate")?;
        self.injected(FaultOp::Allocate, "allocate")?;
        let end_bytes = self.end_bytes(offset_bytes, len_bytes)?;
        let mut state = self.disk.state_mut();
        state.check_space(self.inode, end_bytes, &self.path)?;
        state.inodes[self.inode].allocate(end_bytes);
        Ok(())
    }

    async fn size_bytes(&self) -> Result<u64, DiskError> {
        let state = self.disk.state();
        state.check_alive(&self.path, "size_bytes")?;
        Ok(state.inodes[self.inode].len_bytes())
    }
}
