//! `O_DIRECT` support of a directory's file system: refuse volatile file systems, then open a
//! probe file with `O_DIRECT` and write one aligned block through it.

#![allow(unsafe_code)]

use std::fs::OpenOptions;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

use super::PreflightError;
use crate::fs_dir::PROBE_FILE_PREFIX;
use crate::AlignedBuffer;

/// `RAMFS_MAGIC` from `linux/magic.h` (absent from the `libc` crate).
const RAMFS_MAGIC: libc::c_long = 0x8584_58f6;

/// One block of the largest common logical block size: aligned for every device.
const PROBE_BLOCK_BYTES: usize = 4096;

/// Ensures `dir` is on a persistent file system that accepts `O_DIRECT` opens and aligned direct
/// writes. Leaves no file behind.
pub fn check_o_direct(dir: &Path) -> Result<(), PreflightError> {
    let shown = dir.display().to_string();
    if let Some(filesystem) = volatile_filesystem(dir, &shown)? {
        return Err(PreflightError::VolatileFilesystem {
            dir: shown,
            filesystem,
        });
    }
    let probe_path = dir.join(format!(
        "{PROBE_FILE_PREFIX}o-direct-{}",
        std::process::id()
    ));
    let opened = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_DIRECT)
        .open(&probe_path);
    let file = match opened {
        Ok(file) => file,
        Err(error) if error.raw_os_error() == Some(libc::EINVAL) => {
            let _ = std::fs::remove_file(&probe_path);
            return Err(PreflightError::ODirectUnsupported {
                dir: shown,
                message: error.to_string(),
            });
        }
        Err(error) => {
            return Err(PreflightError::Io {
                dir: shown,
                message: error.to_string(),
            })
        }
    };
    let written = AlignedBuffer::new_zeroed(PROBE_BLOCK_BYTES, PROBE_BLOCK_BYTES)
        .map_err(|error| error.to_string())
        .and_then(|buffer| {
            file.write_all_at(buffer.as_slice(), 0)
                .map_err(|error| error.to_string())
        });
    drop(file);
    let removed = std::fs::remove_file(&probe_path);
    if let Err(message) = written {
        return Err(PreflightError::ODirectUnsupported {
            dir: shown,
            message,
        });
    }
    removed.map_err(|error| PreflightError::Io {
        dir: shown,
        message: error.to_string(),
    })
}

/// `Some("tmpfs")` or `Some("ramfs")` if `dir` lives in memory only, from `statfs`.
pub(crate) fn volatile_filesystem(
    dir: &Path,
    shown: &str,
) -> Result<Option<&'static str>, PreflightError> {
    let c_path =
        std::ffi::CString::new(dir.as_os_str().as_bytes()).map_err(|_| PreflightError::Io {
            dir: shown.to_owned(),
            message: "path contains a NUL byte".to_owned(),
        })?;
    let mut stats = std::mem::MaybeUninit::<libc::statfs>::zeroed();
    // SAFETY: `c_path` is a valid NUL-terminated string and `stats` points to writable memory of
    // `size_of::<statfs>()` bytes; both outlive the call.
    if unsafe { libc::statfs(c_path.as_ptr(), stats.as_mut_ptr()) } != 0 {
        let message = std::io::Error::last_os_error().to_string();
        return Err(PreflightError::Io {
            dir: shown.to_owned(),
            message,
        });
    }
    // SAFETY: `statfs` returned 0, so it filled in the struct (which was zeroed before anyway).
    let stats = unsafe { stats.assume_init() };
    Ok(match stats.f_type {
        libc::TMPFS_MAGIC => Some("tmpfs"),
        RAMFS_MAGIC => Some("ramfs"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persistent_directory_passes_and_leaves_no_file() {
        let temp = crate::scratch::temp_dir("disk-preflight-");
        check_o_direct(temp.path()).expect("the scratch directory is persistent");
        assert_eq!(std::fs::read_dir(temp.path()).expect("read_dir").count(), 0);
    }

    #[test]
    fn tmpfs_directory_is_refused_as_volatile() {
        // /dev/shm is tmpfs on Linux; where it is absent there is nothing to check.
        let shm = Path::new("/dev/shm");
        let is_tmpfs = matches!(volatile_filesystem(shm, "/dev/shm"), Ok(Some("tmpfs")));
        if !shm.is_dir() || !is_tmpfs {
            eprintln!("skipping: /dev/shm is not tmpfs here");
            return;
        }
        let error = check_o_direct(shm).expect_err("tmpfs must be refused");
        assert!(
            matches!(
                error,
                PreflightError::VolatileFilesystem {
                    filesystem: "tmpfs",
                    ..
                }
            ),
            "{error}"
        );
        assert!(
            error.to_string().contains("ext4"),
            "the message names the fix"
        );
    }

    #[test]
    fn missing_directory_is_an_io_error() {
        let error = check_o_direct(Path::new("/nonexistent/disk-preflight")).expect_err("missing");
        assert!(matches!(error, PreflightError::Io { .. }), "{error}");
    }
}
