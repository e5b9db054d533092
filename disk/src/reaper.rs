//! The file reaper: removes large files in the background, a slice at a time, on a thread of its
//! own, for [`DurableDir::remove_file_eventually`](crate::DurableDir::remove_file_eventually).
//!
//! Why: on a file system mounted with online discard (ext4 `-o discard`, as on this project's
//! machines), `unlink` of a large preallocated file discards every block inside the call. A
//! 1 GiB journal file took 161 ms there, blocking the calling thread (a core's executor, when
//! the journal trimmed itself) while the device served little else; unlinking it on another
//! thread in one go still held the journal's syncs up for 127-693 ms. The reaper shrinks the
//! file [`REAP_STEP_BYTES`] at a time from its end, pausing [`REAP_PAUSE`] between steps (each
//! step discards only that much), then unlinks it and syncs its directory.
//!
//! Invariants:
//! - Only paths handed to [`remove_in_background`] are touched; a path already queued or being
//!   reaped is not queued again.
//! - Nobody waits for the reaper: a failure (file already gone, permission) is logged and the
//!   path dropped. A crash mid-way leaves a shorter file under the same name, which the caller
//!   hands over again (callers only reap files nothing reads any more).

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Bytes discarded per step.
pub const REAP_STEP_BYTES: u64 = 8 << 20;

/// Pause between two steps.
pub const REAP_PAUSE: Duration = Duration::from_millis(10);

struct Reaper {
    queue: Sender<PathBuf>,
    pending: Mutex<HashSet<PathBuf>>,
}

static REAPER: OnceLock<Option<Reaper>> = OnceLock::new();

fn reaper() -> Option<&'static Reaper> {
    REAPER
        .get_or_init(|| {
            let (queue, paths) = channel::<PathBuf>();
            let spawned = std::thread::Builder::new()
                .name("file-reaper".to_owned())
                .spawn(move || {
                    for path in paths {
                        reap(&path);
                        if let Some(reaper) = REAPER.get().and_then(Option::as_ref) {
                            lock(&reaper.pending).remove(&path);
                        }
                    }
                });
            match spawned {
                Ok(_) => Some(Reaper {
                    queue,
                    pending: Mutex::new(HashSet::new()),
                }),
                Err(error) => {
                    tracing::warn!(%error, "cannot start the file reaper thread; files are removed at once");
                    None
                }
            }
        })
        .as_ref()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Hands `path` to the reaper thread (started on first use). Falls back to removing it at once
/// when the thread cannot be started.
pub fn remove_in_background(path: PathBuf) {
    let Some(reaper) = reaper() else {
        reap_at_once(&path);
        return;
    };
    if !lock(&reaper.pending).insert(path.clone()) {
        return;
    }
    if let Err(error) = reaper.queue.send(path) {
        // The thread is gone (it never exits on its own); remove in place.
        lock(&reaper.pending).remove(&error.0);
        reap_at_once(&error.0);
    }
}

/// Whether the reaper has nothing queued or in progress.
#[cfg(test)]
fn is_idle() -> bool {
    reaper().is_none_or(|reaper| lock(&reaper.pending).is_empty())
}

fn reap_at_once(path: &Path) {
    if let Err(error) = std::fs::remove_file(path) {
        tracing::warn!(path = %path.display(), %error, "cannot remove file");
    }
}

fn reap(path: &Path) {
    match OpenOptions::new().write(true).open(path) {
        Ok(file) => shrink(&file, path),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot open file to reap; removing it whole");
        }
    }
    if let Err(error) = std::fs::remove_file(path) {
        if error.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(path = %path.display(), %error, "cannot remove file");
        }
        return;
    }
    if let Some(dir) = path.parent() {
        if let Err(error) = File::open(dir).and_then(|dir| dir.sync_all()) {
            tracing::warn!(dir = %dir.display(), %error, "cannot sync directory after a removal");
        }
    }
}

fn shrink(file: &File, path: &Path) {
    let mut size_bytes = match file.metadata() {
        Ok(metadata) => metadata.len(),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot stat file to reap");
            return;
        }
    };
    while size_bytes > REAP_STEP_BYTES {
        size_bytes -= REAP_STEP_BYTES;
        if let Err(error) = file.set_len(size_bytes) {
            tracing::warn!(path = %path.display(), %error, "cannot shrink file; removing it whole");
            return;
        }
        std::thread::sleep(REAP_PAUSE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reaped_file_is_shrunk_then_removed_in_the_background() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big");
        let file = File::create(&path).expect("create");
        file.set_len(3 * REAP_STEP_BYTES + 5).expect("set_len");
        drop(file);
        remove_in_background(path.clone());
        remove_in_background(path.clone());
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while path.exists() || !is_idle() {
            assert!(
                std::time::Instant::now() < deadline,
                "file not reaped in 10 s"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn reaping_a_missing_file_is_harmless() {
        let dir = tempfile::tempdir().expect("tempdir");
        remove_in_background(dir.path().join("never-existed"));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !is_idle() {
            assert!(std::time::Instant::now() < deadline, "reaper stuck");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
