//! `FaultyDisk`: an in-memory, deterministic, fault-injecting implementation of the file layer,
//! for crash-recovery tests of the journal and the ledger store.
//!
//! Fault model (after redb's `crash_consistency` backend and TigerBeetle's simulated storage):
//! - Each file (inode) has a *written* image (what reads return) and a *durable* image (what a
//!   power loss leaves). `sync` copies the ranges written since the last sync, and the size, from
//!   written to durable.
//! - Each directory has a written and a durable namespace; create, remove and rename become
//!   durable at `sync_dir`. Files are durable only through a durable name: a file created and
//!   synced but never dir-synced vanishes at a crash.
//! - Every `sync` and `sync_dir` call is a numbered *sync point* (counted per disk, from 1).
//!   `crash_at_sync_point(k)` makes sync `k` fail with `Crashed` without taking effect, and kills
//!   the simulated process: every later operation fails with `Crashed`.
//!   `on_sync_point` runs a hook before each sync takes effect, so a test can take
//!   `crash_image` at every sync point of one run.
//! - `crash_image(TornWrites::Seeded(seed))` also lets a seeded random subset of the 512-byte
//!   sectors written since each file's last sync reach the image (torn writes).
//! - Injected errors (one-shot or sticky, by path substring and operation): read → EIO,
//!   write → ENOSPC or EIO, sync → failed fsync (the dirty data is then dropped from the durable
//!   image forever, as Linux does after an fsync error), allocate → ENOSPC; plus a capacity limit
//!   and bit flips.
//!
//! Invariants: all futures are ready at first poll; nothing reads a clock or an unseeded random
//! source, so a workload and its faults replay identically; a misaligned write is an error.

mod dir;
mod disk;
mod file;
mod image;
mod plan;
pub(crate) mod rng;
mod state;

pub use dir::FaultyDir;
pub use disk::{
    FaultyConfig, FaultyDisk, SyncPointHook, TornWrites, ALIGNMENT_BYTES_DEFAULT,
    CAPACITY_BYTES_DEFAULT,
};
pub use file::FaultyFile;
pub use image::SECTOR_BYTES;
pub use plan::{Fault, FaultOp, InjectedError, Persistence};

#[cfg(test)]
mod tests;
