//! `bench disk`: this machine's ceilings, measured the way fio measures them, so every other
//! report can state its ratio to them.
//!
//! - sequential `O_DIRECT` write bandwidth: `queue_depth` threads write `block_bytes` blocks at
//!   consecutive offsets of one preallocated file (fio `--rw=write --direct=1 --iodepth=N`);
//! - durable write latency: one thread, `write_bytes` `pwrite` then `fdatasync`, queue depth 1
//!   (fio `--rw=write --bs=4k --direct=1 --fdatasync=1`), write+sync and sync alone;
//! - the pipelined group-commit ceiling ([`crate::ceiling`]): writes of `sync_bytes` with
//!   fdatasync on a second thread, `in_flight` writes ahead of the last sync.
//!
//! Invariant: every file is preallocated with `fallocate` (as fio does) before timing starts,
//! lives under the given directory and is removed afterwards; files wrap around at
//! `file_bytes`, like fio's time-based runs.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use disk::DurableDir;
use serde::Serialize;

use super::error::BenchError;
use super::load::latency_histogram;
use super::stats::Percentiles;
use crate::aligned::AlignedBytes;

/// Sequential write bandwidth.
#[derive(Debug, Clone, Serialize)]
pub struct SeqWrite {
    /// Bytes per write.
    pub block_bytes: usize,
    /// Writes in flight (threads).
    pub queue_depth: usize,
    /// MB (10^6 bytes) written per second.
    pub mb_per_second: f64,
    /// Seconds measured.
    pub seconds: f64,
}

/// Durable write latency at queue depth 1.
#[derive(Debug, Clone, Serialize)]
pub struct FsyncProbe {
    /// Bytes per write.
    pub write_bytes: usize,
    /// Durable writes per second.
    pub ops_per_second: f64,
    /// `pwrite` + `fdatasync`.
    pub write_and_sync: Percentiles,
    /// `fdatasync` alone.
    pub sync_only: Percentiles,
}

/// The pipelined group-commit ceiling.
#[derive(Debug, Clone, Serialize)]
pub struct GroupCommit {
    /// Bytes written per fdatasync.
    pub sync_bytes: usize,
    /// Writes ahead of the last completed sync.
    pub in_flight: u64,
    /// MB made durable per second.
    pub mb_per_second: f64,
    /// Syncs per second.
    pub syncs_per_second: f64,
}

/// The file system type of the mount holding `dir` (longest mount-point prefix in
/// `/proc/mounts`), if known.
pub fn file_system_type(dir: &Path) -> Option<String> {
    let dir = dir.canonicalize().ok()?;
    let mounts = std::fs::read_to_string("/proc/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (_, mount_point, kind) = (fields.next()?, fields.next()?, fields.next()?);
            dir.starts_with(mount_point)
                .then(|| (mount_point.len(), kind.to_owned()))
        })
        .max_by_key(|(length, _)| *length)
        .map(|(_, kind)| kind)
}

/// Creates `dir`, checking that it is on a disk (not tmpfs) and takes `O_DIRECT` files.
pub fn prepare_dir(dir: &Path, flag: &'static str) -> Result<(), BenchError> {
    std::fs::create_dir_all(dir)
        .map_err(|error| BenchError::io(format!("creating {}", dir.display()), error))?;
    if let Some(kind) = file_system_type(dir).filter(|kind| kind == "tmpfs" || kind == "ramfs") {
        return Err(BenchError::BadFlag {
            flag,
            message: format!(
                "{} is on {kind}, which is memory, not a disk; choose a directory on a real disk (ext4, xfs)",
                dir.display()
            ),
        });
    }
    let probe = dir.join("bench-odirect-probe.dat");
    let _ = std::fs::remove_file(&probe);
    let opened = OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_DIRECT)
        .open(&probe);
    let _ = std::fs::remove_file(&probe);
    opened.map(drop).map_err(|error| BenchError::BadFlag {
        flag,
        message: format!(
            "{} does not take O_DIRECT files ({error}); choose a directory on a real disk (ext4, xfs; not tmpfs)",
            dir.display()
        ),
    })
}

/// A fresh `O_DIRECT` file of `file_bytes`, preallocated and synced (not timed).
fn fresh_file(dir: &Path, name: &str, file_bytes: u64) -> Result<(File, PathBuf), BenchError> {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_DIRECT)
        .open(&path)
        .map_err(|error| BenchError::io(format!("creating {}", path.display()), error))?;
    let posix = disk::posix::PosixDir::open(dir)
        .map_err(|error| BenchError::Other(format!("{}: {error}", dir.display())))?;
    let handle = futures_lite::future::block_on(posix.open_file(name))
        .map_err(|error| BenchError::Other(format!("{}: {error}", path.display())))?;
    handle
        .allocate_blocking(0, file_bytes)
        .and_then(|()| handle.sync_blocking())
        .map_err(|error| BenchError::Other(format!("preallocating {}: {error}", path.display())))?;
    Ok((file, path))
}

/// Sequential `O_DIRECT` writes of `block_bytes` with `queue_depth` in flight, for `duration`.
pub fn sequential_write(
    dir: &Path,
    block_bytes: usize,
    queue_depth: usize,
    duration: Duration,
    file_bytes: u64,
) -> Result<SeqWrite, BenchError> {
    check_block(block_bytes, "seq-block-bytes")?;
    if queue_depth == 0 {
        return Err(BenchError::BadFlag {
            flag: "seq-queue-depth",
            message: "must be at least 1".to_owned(),
        });
    }
    let blocks = (file_bytes / block_bytes as u64).max(1);
    let (file, path) = fresh_file(dir, "bench-seqwrite.dat", blocks * block_bytes as u64)?;
    let file = Arc::new(file);
    let next_block = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..queue_depth)
        .map(|_| {
            let (file, next_block) = (Arc::clone(&file), Arc::clone(&next_block));
            std::thread::spawn(move || -> std::io::Result<u64> {
                let buffer = AlignedBytes::new(block_bytes, 4096, 0xa5);
                let mut written = 0u64;
                while started.elapsed() < duration {
                    let block = next_block.fetch_add(1, Ordering::Relaxed) % blocks;
                    file.write_all_at(buffer.as_slice(), block * block_bytes as u64)?;
                    written += block_bytes as u64;
                }
                Ok(written)
            })
        })
        .collect();
    let mut written = 0u64;
    for worker in workers {
        written += worker
            .join()
            .map_err(|_| BenchError::Other("a write thread panicked".to_owned()))?
            .map_err(|error| BenchError::io(format!("writing {}", path.display()), error))?;
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    Ok(SeqWrite {
        block_bytes,
        queue_depth,
        mb_per_second: written as f64 / seconds / 1e6,
        seconds,
    })
}

/// `write_bytes` `pwrite` + `fdatasync` at queue depth 1, for `duration`.
pub fn fsync_latency(
    dir: &Path,
    write_bytes: usize,
    duration: Duration,
    file_bytes: u64,
) -> Result<FsyncProbe, BenchError> {
    check_block(write_bytes, "fsync-bytes")?;
    let slots = (file_bytes / write_bytes as u64).max(1);
    let (file, path) = fresh_file(dir, "bench-fsync.dat", slots * write_bytes as u64)?;
    let buffer = AlignedBytes::new(write_bytes, 4096, 0x3c);
    let (mut both, mut sync_only) = (latency_histogram()?, latency_histogram()?);
    let started = Instant::now();
    let mut index = 0u64;
    while started.elapsed() < duration {
        let begin = Instant::now();
        file.write_all_at(buffer.as_slice(), (index % slots) * write_bytes as u64)
            .map_err(|error| BenchError::io(format!("writing {}", path.display()), error))?;
        let written = Instant::now();
        file.sync_data()
            .map_err(|error| BenchError::io(format!("fdatasync {}", path.display()), error))?;
        let done = Instant::now();
        both.saturating_record(nanos(done - begin));
        sync_only.saturating_record(nanos(done - written));
        index += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&path);
    Ok(FsyncProbe {
        write_bytes,
        ops_per_second: index as f64 / seconds,
        write_and_sync: Percentiles::of(&both),
        sync_only: Percentiles::of(&sync_only),
    })
}

/// The pipelined group-commit ceiling at `sync_bytes` per fdatasync.
pub fn group_commit(
    dir: &Path,
    sync_bytes: usize,
    in_flight: u64,
    duration: Duration,
) -> Result<GroupCommit, BenchError> {
    check_block(sync_bytes, "ceiling-sync-bytes")?;
    if in_flight == 0 {
        return Err(BenchError::BadFlag {
            flag: "ceiling-in-flight",
            message: "must be at least 1".to_owned(),
        });
    }
    // Enough file for the run at 2.5 GB/s, never less than 256 MiB.
    let file_bytes = ((2.5e9 * duration.as_secs_f64()) as u64).clamp(256 << 20, 16 << 30)
        / sync_bytes as u64
        * sync_bytes as u64;
    let result =
        crate::ceiling::run(dir, sync_bytes, in_flight, duration, file_bytes).map_err(|error| {
            BenchError::io(format!("group-commit ceiling in {}", dir.display()), error)
        })?;
    Ok(GroupCommit {
        sync_bytes,
        in_flight,
        mb_per_second: result.bytes_per_second / 1e6,
        syncs_per_second: result.syncs as f64 / result.seconds,
    })
}

fn check_block(bytes: usize, flag: &'static str) -> Result<(), BenchError> {
    if bytes == 0 || bytes & 4095 != 0 {
        return Err(BenchError::BadFlag {
            flag,
            message: format!(
                "{bytes} is not a positive multiple of 4096 (O_DIRECT needs aligned sizes)"
            ),
        });
    }
    Ok(())
}

fn nanos(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX).max(1)
}
