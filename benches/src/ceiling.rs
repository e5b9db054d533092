//! The raw ceiling: pipelined `O_DIRECT` writes of `sync_bytes` each, sequential in a
//! preallocated file, with `fdatasync` on a second thread; up to `in_flight_max` writes may be
//! ahead of the last completed sync. Plain std I/O: nothing of the journal is used.
//! (The file is preallocated with `fallocate` through `disk::posix`, exactly as the journal's
//! files are, so both pay the same unwritten-extent conversion; preallocation is not timed.)

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::aligned::AlignedBytes;

/// What the ceiling achieved.
#[derive(Debug, Clone, Copy)]
pub struct CeilingResult {
    /// Bytes made durable per second.
    pub bytes_per_second: f64,
    /// Syncs completed.
    pub syncs: u64,
    /// Seconds measured.
    pub seconds: f64,
}

#[derive(Default)]
struct Progress {
    written: u64,
    synced: u64,
    stop: bool,
}

/// Runs the ceiling for `duration` in a fresh file under `dir`.
pub fn run(
    dir: &Path,
    sync_bytes: usize,
    in_flight_max: u64,
    duration: Duration,
    file_bytes: u64,
) -> std::io::Result<CeilingResult> {
    let path = dir.join("ceiling.dat");
    let _ = std::fs::remove_file(&path);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_DIRECT)
        .open(&path)?;
    preallocate(dir, file_bytes)?;
    let file = Arc::new(file);
    let progress = Arc::new((Mutex::new(Progress::default()), Condvar::new()));
    let syncer = {
        let (file, progress) = (Arc::clone(&file), Arc::clone(&progress));
        std::thread::spawn(move || sync_loop(&file, &progress))
    };
    let buffer = AlignedBytes::new(sync_bytes, 4096, 0x5a);
    let chunks_max = file_bytes / sync_bytes as u64;
    let started = Instant::now();
    let mut index = 0u64;
    let (lock, condvar) = &*progress;
    while started.elapsed() < duration && index < chunks_max {
        {
            let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
            while index - state.synced >= in_flight_max {
                state = condvar.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
        }
        file.write_all_at(buffer.as_slice(), index * sync_bytes as u64)?;
        index += 1;
        let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
        state.written = index;
        condvar.notify_all();
    }
    let synced = {
        let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
        while state.synced < state.written {
            state = condvar.wait(state).unwrap_or_else(PoisonError::into_inner);
        }
        state.stop = true;
        condvar.notify_all();
        state.synced
    };
    let seconds = started.elapsed().as_secs_f64();
    let syncs = syncer
        .join()
        .map_err(|_| std::io::Error::other("sync thread panicked"))??;
    let _ = std::fs::remove_file(&path);
    Ok(CeilingResult {
        bytes_per_second: (synced * sync_bytes as u64) as f64 / seconds,
        syncs,
        seconds,
    })
}

fn sync_loop(file: &File, progress: &(Mutex<Progress>, Condvar)) -> std::io::Result<u64> {
    let (lock, condvar) = progress;
    let mut syncs = 0;
    loop {
        let target = {
            let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
            while state.written == state.synced && !state.stop {
                state = condvar.wait(state).unwrap_or_else(PoisonError::into_inner);
            }
            if state.stop {
                return Ok(syncs);
            }
            state.written
        };
        file.sync_data()?;
        syncs += 1;
        let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
        state.synced = target;
        condvar.notify_all();
    }
}

fn preallocate(dir: &Path, file_bytes: u64) -> std::io::Result<()> {
    use disk::DurableDir;
    let posix = disk::posix::PosixDir::open(dir).map_err(std::io::Error::other)?;
    let file = futures_lite::future::block_on(posix.open_file("ceiling.dat"))
        .map_err(std::io::Error::other)?;
    file.allocate_blocking(0, file_bytes)
        .map_err(std::io::Error::other)?;
    file.sync_blocking().map_err(std::io::Error::other)
}
