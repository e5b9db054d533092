//! The fault plan: which operations of a [`FaultyDisk`](super::FaultyDisk) fail, and when.
//!
//! A plan holds a crash point (the sync point at which the simulated process dies) and a list of
//! injected errors, each selected by a substring of the file's path (`"dir/name"`) and by the
//! operation. A one-shot fault fires once and is then removed; a sticky fault fires every time.
//!
//! Invariant: the plan is pure data; deciding whether a fault fires never consults a clock or any
//! randomness, so a workload replays identically.

use crate::DiskError;

/// The operation a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultOp {
    /// `DurableFile::read_at`.
    Read,
    /// `DurableFile::write_at`.
    Write,
    /// `DurableFile::sync`.
    Sync,
    /// `DurableFile::allocate`.
    Allocate,
    /// `DurableDir::sync_dir` (the path is the directory name).
    SyncDir,
}

/// The error an injected fault produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InjectedError {
    /// EIO: [`DiskError::Io`].
    Io,
    /// ENOSPC: [`DiskError::NoSpace`].
    NoSpace,
    /// A failed fsync: [`DiskError::SyncFailed`]. On a file sync the dirty data is dropped from
    /// the durable image forever; on a directory sync the pending namespace changes stay pending.
    SyncFailed,
}

/// How often a fault fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persistence {
    /// The first matching operation fails; the fault is then removed.
    Once,
    /// Every matching operation fails until [`FaultyDisk::clear_faults`](super::FaultyDisk::clear_faults).
    Sticky,
}

/// One injected error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The fault applies to paths (`"dir/name"`) containing this substring; empty matches all.
    pub path_contains: String,
    /// The operation that fails.
    pub op: FaultOp,
    /// The error returned.
    pub error: InjectedError,
    /// Whether the fault fires once or every time.
    pub persistence: Persistence,
}

impl Fault {
    /// A fault that fires on the first matching operation only.
    pub fn once(path_contains: &str, op: FaultOp, error: InjectedError) -> Self {
        Self {
            path_contains: path_contains.to_owned(),
            op,
            error,
            persistence: Persistence::Once,
        }
    }

    /// A fault that fires on every matching operation.
    pub fn sticky(path_contains: &str, op: FaultOp, error: InjectedError) -> Self {
        Self {
            path_contains: path_contains.to_owned(),
            op,
            error,
            persistence: Persistence::Sticky,
        }
    }
}

/// The faults armed on one disk.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultPlan {
    /// The sync point (1-based) at which the process crashes, if any.
    pub(crate) crash_at_sync_point: Option<u64>,
    faults: Vec<Fault>,
}

impl FaultPlan {
    pub(crate) fn inject(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    pub(crate) fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// The error injected for `op` on `path`, if a fault matches; consumes a one-shot fault.
    pub(crate) fn take_error(&mut self, path: &str, op: FaultOp) -> Option<InjectedError> {
        let index = self
            .faults
            .iter()
            .position(|fault| fault.op == op && path.contains(fault.path_contains.as_str()))?;
        let error = self.faults[index].error;
        if self.faults[index].persistence == Persistence::Once {
            self.faults.remove(index);
        }
        Some(error)
    }
}

/// Builds the [`DiskError`] for an injected error.
pub(crate) fn to_disk_error(
    error: InjectedError,
    path: &str,
    operation: &'static str,
) -> DiskError {
    match error {
        InjectedError::Io => DiskError::Io {
            path: path.to_owned(),
            operation,
            message: "injected EIO".to_owned(),
        },
        InjectedError::NoSpace => DiskError::NoSpace {
            path: path.to_owned(),
        },
        InjectedError::SyncFailed => DiskError::SyncFailed {
            path: path.to_owned(),
            message: "injected fsync failure".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shot_fault_fires_once_and_sticky_fault_keeps_firing() {
        let mut plan = FaultPlan::default();
        plan.inject(Fault::once("journal", FaultOp::Write, InjectedError::Io));
        plan.inject(Fault::sticky("ledgers", FaultOp::Read, InjectedError::Io));
        assert_eq!(
            plan.take_error("journal/1.txn", FaultOp::Write),
            Some(InjectedError::Io)
        );
        assert_eq!(plan.take_error("journal/1.txn", FaultOp::Write), None);
        for _ in 0..3 {
            assert_eq!(
                plan.take_error("ledgers/0.log", FaultOp::Read),
                Some(InjectedError::Io)
            );
        }
        assert_eq!(plan.take_error("ledgers/0.log", FaultOp::Write), None);
    }
}
