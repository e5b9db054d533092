//! The shared state behind a [`FaultyDisk`](super::FaultyDisk) handle: inodes, directory
//! namespaces, the sync-point counter and the fault plan.
//!
//! Invariants:
//! - Inodes are never freed while the disk lives, so an open handle to a removed file keeps
//!   working (as on POSIX); only inodes named in a *written* namespace count as used space.
//! - A namespace's `durable` map only changes in `sync_dir`; a crash image keeps only `durable`.
//! - Once `crashed` is set it is never cleared: every later operation fails.

use std::collections::BTreeMap;

use super::image::FileImage;
use super::plan::FaultPlan;
use crate::DiskError;

/// Index of an inode in [`DiskState::inodes`].
pub(crate) type InodeId = usize;

/// One directory: its written and durable name → inode maps.
#[derive(Debug, Clone, Default)]
pub(crate) struct Namespace {
    pub(crate) written: BTreeMap<String, InodeId>,
    pub(crate) durable: BTreeMap<String, InodeId>,
}

#[derive(Debug, Clone)]
pub(crate) struct DiskState {
    pub(crate) alignment_bytes: usize,
    pub(crate) capacity_bytes: u64,
    pub(crate) inodes: Vec<FileImage>,
    pub(crate) dirs: BTreeMap<String, Namespace>,
    pub(crate) sync_points: u64,
    /// `read_at` calls that reached the disk (not refused as crashed), for tests that count I/O.
    pub(crate) reads: u64,
    pub(crate) crashed: bool,
    pub(crate) plan: FaultPlan,
    /// Whether data operations yield to the executor once before taking effect.
    pub(crate) yield_on_io: bool,
}

impl DiskState {
    pub(crate) fn new(alignment_bytes: usize, capacity_bytes: u64) -> Self {
        Self {
            alignment_bytes,
            capacity_bytes,
            inodes: Vec::new(),
            dirs: BTreeMap::new(),
            sync_points: 0,
            reads: 0,
            crashed: false,
            plan: FaultPlan::default(),
            yield_on_io: false,
        }
    }

    /// Fails with [`DiskError::Crashed`] once the simulated process is dead.
    pub(crate) fn check_alive(&self, path: &str, operation: &'static str) -> Result<(), DiskError> {
        if self.crashed {
            return Err(DiskError::Crashed {
                path: path.to_owned(),
                operation,
            });
        }
        Ok(())
    }

    /// Bytes held by files that some directory still names (each inode counted once).
    pub(crate) fn used_bytes(&self) -> u64 {
        let mut named = vec![false; self.inodes.len()];
        for namespace in self.dirs.values() {
            for &inode in namespace.written.values() {
                if let Some(mark) = named.get_mut(inode) {
                    *mark = true;
                }
            }
        }
        named
            .iter()
            .zip(&self.inodes)
            .filter(|(&is_named, _)| is_named)
            .map(|(_, image)| image.len_bytes())
            .sum()
    }

    /// Fails with [`DiskError::NoSpace`] if growing `inode` to `end_bytes` exceeds the capacity.
    pub(crate) fn check_space(
        &self,
        inode: InodeId,
        end_bytes: u64,
        path: &str,
    ) -> Result<(), DiskError> {
        let current_bytes = self.inodes.get(inode).map_or(0, FileImage::len_bytes);
        let growth_bytes = end_bytes.saturating_sub(current_bytes);
        // Overwrites need no space; skipping the scan keeps long crash workloads cheap.
        if growth_bytes == 0 {
            return Ok(());
        }
        if self.used_bytes().saturating_add(growth_bytes) > self.capacity_bytes {
            return Err(DiskError::NoSpace {
                path: path.to_owned(),
            });
        }
        Ok(())
    }

    /// The namespace of directory `dir` (created on first use by `FaultyDisk::dir`).
    pub(crate) fn namespace_mut(&mut self, dir: &str) -> &mut Namespace {
        self.dirs.entry(dir.to_owned()).or_default()
    }
}
