//! Namespace operations on a real directory through `std::fs`, shared by `DmaDir` and
//! `PosixDir`.
//!
//! These calls block the calling thread. That is deliberate: create, remove, rename and
//! directory sync are rare (a few per journal or entry-log file), so they are not worth an
//! io_uring round trip or a helper thread.
//!
//! Invariants:
//! - File names are single path components: no `/`, not empty, not `.` or `..`; anything else is
//!   refused before touching the file system.
//! - Listings never show probe files (names starting with [`PROBE_FILE_PREFIX`]).
//! - `sync_dir` is `fsync` on the directory itself, the only way on Linux to make a create,
//!   remove or rename durable (see <https://lwn.net/Articles/457667/>).

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::errno::{from_io, from_sync};
use crate::DiskError;

/// Names starting with this prefix belong to the file layer's own short-lived probe files
/// (`dma`'s io_poll probe, `preflight::check_o_direct`); listings hide them.
pub(crate) const PROBE_FILE_PREFIX: &str = ".disk-probe-";

/// The path of `name` inside `dir`, once `name` is checked to be one plain component.
pub(crate) fn child_path(dir: &Path, name: &str) -> Result<PathBuf, DiskError> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(DiskError::Io {
            path: dir.join(name).display().to_string(),
            operation: "check file name",
            message: "a file name must be one non-empty path component".to_owned(),
        });
    }
    Ok(dir.join(name))
}

/// Displays a path for error messages.
pub(crate) fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// Names of the regular files in `dir`.
pub(crate) fn list_files(dir: &Path) -> Result<Vec<String>, DiskError> {
    let entries = fs::read_dir(dir).map_err(|error| from_io(&error, &shown(dir), "list_files"))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| from_io(&error, &shown(dir), "list_files"))?;
        let file_type = entry
            .file_type()
            .map_err(|error| from_io(&error, &shown(&entry.path()), "list_files"))?;
        if !file_type.is_file() {
            continue;
        }
        match entry.file_name().into_string() {
            Ok(name) if name.starts_with(PROBE_FILE_PREFIX) => continue,
            Ok(name) => names.push(name),
            // A name that is not UTF-8 was not written by us; skip it rather than fail the listing.
            Err(_) => continue,
        }
    }
    Ok(names)
}

/// Removes `name` from `dir` (durable after `sync_dir`).
pub(crate) fn remove_file(dir: &Path, name: &str) -> Result<(), DiskError> {
    let path = child_path(dir, name)?;
    fs::remove_file(&path).map_err(|error| from_io(&error, &shown(&path), "remove_file"))
}

/// Hands `name` in `dir` to the background reaper (`crate::reaper`), which removes it later.
pub(crate) fn remove_file_eventually(dir: &Path, name: &str) -> Result<(), DiskError> {
    crate::reaper::remove_in_background(child_path(dir, name)?);
    Ok(())
}

/// Renames `from` to `to` in `dir`, replacing `to` (durable after `sync_dir`).
pub(crate) fn rename_file(dir: &Path, from: &str, to: &str) -> Result<(), DiskError> {
    let from_path = child_path(dir, from)?;
    let to_path = child_path(dir, to)?;
    fs::rename(&from_path, &to_path)
        .map_err(|error| from_io(&error, &shown(&from_path), "rename_file"))
}

/// `fsync` on the directory: makes completed creates, removes and renames durable. Blocking.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), DiskError> {
    let handle = File::open(dir).map_err(|error| from_io(&error, &shown(dir), "sync_dir"))?;
    handle
        .sync_all()
        .map_err(|error| from_sync(&error, &shown(dir)))
}

/// `(free_bytes, total_bytes)` of the file system holding `dir`, from `statvfs`. Free bytes are
/// those available to unprivileged users (`f_bavail`).
#[allow(unsafe_code)]
pub(crate) fn space_bytes(dir: &Path) -> Result<(u64, u64), DiskError> {
    use std::os::unix::ffi::OsStrExt;

    let c_path = std::ffi::CString::new(dir.as_os_str().as_bytes()).map_err(|_| DiskError::Io {
        path: shown(dir),
        operation: "space_bytes",
        message: "path contains a NUL byte".to_owned(),
    })?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `c_path` is a valid NUL-terminated string that outlives the call, and `stats`
    // points to writable memory of exactly `size_of::<statvfs>()` bytes.
    let result = unsafe { libc::statvfs(c_path.as_ptr(), stats.as_mut_ptr()) };
    if result != 0 {
        return Err(from_io(
            &std::io::Error::last_os_error(),
            &shown(dir),
            "space_bytes",
        ));
    }
    // SAFETY: `statvfs` returned 0, so it filled in the whole struct (and it was zeroed before).
    let stats = unsafe { stats.assume_init() };
    let fragment_bytes = stats.f_frsize;
    Ok((
        stats.f_bavail.saturating_mul(fragment_bytes),
        stats.f_blocks.saturating_mul(fragment_bytes),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_separators_or_dots_are_refused() {
        let dir = Path::new("/nonexistent");
        for bad in ["", ".", "..", "a/b", "/abs"] {
            assert!(child_path(dir, bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            child_path(dir, "1.txn").expect("plain name"),
            dir.join("1.txn")
        );
    }

    #[test]
    fn space_of_an_existing_directory_is_reported_and_of_a_missing_one_fails() {
        let (free_bytes, total_bytes) = space_bytes(Path::new("/")).expect("statvfs /");
        assert!(total_bytes > 0);
        assert!(free_bytes <= total_bytes);
        assert!(matches!(
            space_bytes(Path::new("/nonexistent/dir")),
            Err(DiskError::NotFound { .. })
        ));
    }

    #[test]
    fn listing_shows_regular_files_but_not_probe_files_or_directories() {
        let temp = crate::scratch::temp_dir("disk-fs-dir-");
        std::fs::write(temp.path().join("1.txn"), b"x").expect("write");
        std::fs::write(
            temp.path().join(format!("{PROBE_FILE_PREFIX}leftover")),
            b"x",
        )
        .expect("write probe");
        std::fs::create_dir(temp.path().join("subdir")).expect("mkdir");
        assert_eq!(
            list_files(temp.path()).expect("list"),
            vec!["1.txn".to_owned()]
        );
    }
}
