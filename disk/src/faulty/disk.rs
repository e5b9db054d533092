//! [`FaultyDisk`]: the handle tests hold. It hands out directories, arms faults, counts sync
//! points, calls the sync-point hook and builds crash images.
//!
//! Invariants:
//! - Every `sync` and `sync_dir` call on a live disk is one sync point, numbered from 1 in call
//!   order; the hook sees point `k` before sync `k` takes effect, so `crash_image` taken inside
//!   the hook is exactly "power lost just before sync `k`".
//! - No `RefCell` borrow is held while the hook runs, so the hook may call any method.
//! - Nothing here reads a clock or an unseeded random source.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::dir::FaultyDir;
use super::image::FileImage;
use super::plan::{Fault, FaultOp, InjectedError};
use super::rng::Xorshift;
use super::state::{DiskState, Namespace};
use crate::DiskError;

/// Default write alignment, in bytes (one sector).
pub const ALIGNMENT_BYTES_DEFAULT: usize = 512;
/// Default capacity, in bytes (1 TiB: effectively unlimited for tests).
pub const CAPACITY_BYTES_DEFAULT: u64 = 1 << 40;

/// The hook called at each sync point, before the sync takes effect.
pub type SyncPointHook = Box<dyn FnMut(u64, &FaultyDisk)>;

/// Which unsynced writes a crash image keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TornWrites {
    /// Only durable data survives.
    None,
    /// Each 512-byte sector written since its file's last sync survives or not, by a coin flip
    /// drawn from this seed.
    Seeded(u64),
}

/// Construction options of a [`FaultyDisk`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultyConfig {
    /// Required `write_at` alignment: a power of two, at least 512.
    pub alignment_bytes: usize,
    /// Total bytes all files may hold; writes and allocations beyond fail with `NoSpace`.
    pub capacity_bytes: u64,
}

impl Default for FaultyConfig {
    fn default() -> Self {
        Self {
            alignment_bytes: ALIGNMENT_BYTES_DEFAULT,
            capacity_bytes: CAPACITY_BYTES_DEFAULT,
        }
    }
}

struct Inner {
    state: RefCell<DiskState>,
    hook: RefCell<Option<SyncPointHook>>,
}

/// An in-memory, deterministic, fault-injecting disk. Cloning gives another handle to the same
/// disk.
#[derive(Clone)]
pub struct FaultyDisk {
    inner: Rc<Inner>,
}

impl std::fmt::Debug for FaultyDisk {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("FaultyDisk")
            .field("sync_points", &self.sync_points())
            .finish()
    }
}

impl Default for FaultyDisk {
    fn default() -> Self {
        Self::new()
    }
}

impl FaultyDisk {
    /// An empty disk with 512-byte alignment and 1 TiB capacity.
    pub fn new() -> Self {
        Self::with_config(FaultyConfig::default())
    }

    /// An empty disk with the given options.
    ///
    /// # Panics
    /// If `alignment_bytes` is not a power of two of at least 512 (a test-setup bug).
    pub fn with_config(config: FaultyConfig) -> Self {
        assert!(
            config.alignment_bytes.is_power_of_two(),
            "alignment must be a power of two"
        );
        assert!(
            config.alignment_bytes >= 512,
            "alignment must be at least 512 bytes"
        );
        Self::from_state(DiskState::new(
            config.alignment_bytes,
            config.capacity_bytes,
        ))
    }

    fn from_state(state: DiskState) -> Self {
        Self {
            inner: Rc::new(Inner {
                state: RefCell::new(state),
                hook: RefCell::new(None),
            }),
        }
    }

    /// Makes `write_at`, `read_at` and `sync` yield to the executor once before they take
    /// effect, as real I/O would, so that other tasks on the same thread run in between (for
    /// example adds arriving while a checkpoint flushes). Still deterministic: the order of
    /// events depends only on the executor's schedule, never on a clock.
    pub fn set_yield_on_io(&self, yield_on_io: bool) {
        self.state_mut().yield_on_io = yield_on_io;
    }

    /// The directory `name` (created, durably, on first use). Several directories share the
    /// disk's capacity, sync-point counter and fault plan.
    pub fn dir(&self, name: &str) -> FaultyDir {
        self.state_mut().namespace_mut(name);
        FaultyDir::new(self.clone(), name.to_owned())
    }

    /// Names of the directories on this disk.
    pub fn dir_names(&self) -> Vec<String> {
        self.state().dirs.keys().cloned().collect()
    }

    /// How many sync points (`sync` and `sync_dir` calls) this disk has seen.
    pub fn sync_points(&self) -> u64 {
        self.state().sync_points
    }

    /// How many `read_at` calls this disk served or failed on purpose (crashed ones excluded).
    pub fn reads(&self) -> u64 {
        self.state().reads
    }

    /// Arms a crash: sync point `point` (1-based) does not take effect, returns
    /// [`DiskError::Crashed`], and every later operation fails the same way.
    pub fn crash_at_sync_point(&self, point: u64) {
        self.state_mut().plan.crash_at_sync_point = Some(point);
    }

    /// Kills the simulated process now: every later operation returns [`DiskError::Crashed`].
    pub fn crash(&self) {
        self.state_mut().crashed = true;
    }

    /// Whether the simulated process is dead.
    pub fn is_crashed(&self) -> bool {
        self.state().crashed
    }

    /// Arms an injected error.
    pub fn inject(&self, fault: Fault) {
        self.state_mut().plan.inject(fault);
    }

    /// Disarms every injected error (not the crash point).
    pub fn clear_faults(&self) {
        self.state_mut().plan.clear_faults();
    }

    /// Changes the capacity; files already larger are kept, but cannot grow.
    pub fn set_capacity_bytes(&self, capacity_bytes: u64) {
        self.state_mut().capacity_bytes = capacity_bytes;
    }

    /// Installs the hook called at each sync point before the sync takes effect (replacing any
    /// earlier hook).
    pub fn on_sync_point(&self, hook: SyncPointHook) {
        *self.inner.hook.borrow_mut() = Some(hook);
    }

    /// Flips bit `bit` (0..8) of byte `offset_bytes` of `dir/name` in both the written and the
    /// durable image: media corruption that no write explains.
    pub fn flip_bit(
        &self,
        dir: &str,
        name: &str,
        offset_bytes: u64,
        bit: u8,
    ) -> Result<(), DiskError> {
        let path = format!("{dir}/{name}");
        let mut state = self.state_mut();
        let inode = state
            .dirs
            .get(dir)
            .and_then(|namespace| namespace.written.get(name).copied())
            .ok_or_else(|| DiskError::NotFound { path: path.clone() })?;
        let index = usize::try_from(offset_bytes).unwrap_or(usize::MAX);
        let mask = 1u8 << (bit % 8);
        let image = &mut state.inodes[inode];
        let mut flipped = false;
        for bytes in [&mut image.written, &mut image.durable] {
            if let Some(byte) = bytes.get_mut(index) {
                *byte ^= mask;
                flipped = true;
            }
        }
        if !flipped {
            return Err(DiskError::Io {
                path,
                operation: "flip_bit",
                message: "offset beyond end of file".to_owned(),
            });
        }
        Ok(())
    }

    /// A new disk: this machine after a power loss now. It holds only the durable namespaces and
    /// durable file images, plus, for [`TornWrites::Seeded`], a seeded subset of the sectors
    /// written since each file's last sync. The new disk has no faults, no hook, a sync-point
    /// counter at zero, and the same alignment and capacity. This disk is left untouched.
    pub fn crash_image(&self, torn: TornWrites) -> FaultyDisk {
        let state = self.state();
        let mut rng = match torn {
            TornWrites::None => None,
            TornWrites::Seeded(seed) => Some(Xorshift::new(seed)),
        };
        let mut image = DiskState::new(state.alignment_bytes, state.capacity_bytes);
        let mut new_inode_of = BTreeMap::new();
        for (dir, namespace) in &state.dirs {
            let mut durable = BTreeMap::new();
            for (name, &old_inode) in &namespace.durable {
                let new_inode = *new_inode_of.entry(old_inode).or_insert_with(|| {
                    let bytes = state.inodes[old_inode].crash_bytes(rng.as_mut());
                    image.inodes.push(FileImage::from_durable(bytes));
                    image.inodes.len() - 1
                });
                durable.insert(name.clone(), new_inode);
            }
            image.dirs.insert(
                dir.clone(),
                Namespace {
                    written: durable.clone(),
                    durable,
                },
            );
        }
        Self::from_state(image)
    }

    /// Starts sync point number `sync_points() + 1` for `path`: counts it, runs the hook, then
    /// crashes if the plan says so, or returns the injected error planned for `op`, if any.
    pub(crate) fn begin_sync_point(
        &self,
        path: &str,
        op: FaultOp,
        operation: &'static str,
    ) -> Result<Option<InjectedError>, DiskError> {
        let point = {
            let mut state = self.state_mut();
            state.check_alive(path, operation)?;
            state.sync_points += 1;
            state.sync_points
        };
        self.run_hook(point);
        let mut state = self.state_mut();
        state.check_alive(path, operation)?;
        if state.plan.crash_at_sync_point == Some(point) {
            state.crashed = true;
            return Err(DiskError::Crashed {
                path: path.to_owned(),
                operation,
            });
        }
        Ok(state.plan.take_error(path, op))
    }

    /// Calls the hook with no borrow held, then puts it back unless the hook replaced itself.
    fn run_hook(&self, point: u64) {
        let taken = self.inner.hook.borrow_mut().take();
        if let Some(mut hook) = taken {
            hook(point, self);
            let mut slot = self.inner.hook.borrow_mut();
            if slot.is_none() {
                *slot = Some(hook);
            }
        }
    }

    pub(crate) fn state(&self) -> std::cell::Ref<'_, DiskState> {
        self.inner.state.borrow()
    }

    pub(crate) fn state_mut(&self) -> std::cell::RefMut<'_, DiskState> {
        self.inner.state.borrow_mut()
    }
}
