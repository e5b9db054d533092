//! Translation of operating-system errors into [`DiskError`], shared by the `dma` and `posix`
//! implementations.
//!
//! Invariant: ENOSPC and EDQUOT always become `NoSpace`, ENOENT `NotFound`, EEXIST
//! `AlreadyExists`; everything else becomes `Io` with the OS message, except that any error from a
//! sync becomes `SyncFailed` (the caller must poison the file, whatever the errno).

use std::io;

use crate::DiskError;

/// Maps an error of a non-sync operation on `path`.
pub(crate) fn from_io(error: &io::Error, path: &str, operation: &'static str) -> DiskError {
    match error.raw_os_error() {
        Some(libc::ENOSPC) | Some(libc::EDQUOT) => DiskError::NoSpace {
            path: path.to_owned(),
        },
        Some(libc::ENOENT) => DiskError::NotFound {
            path: path.to_owned(),
        },
        Some(libc::EEXIST) => DiskError::AlreadyExists {
            path: path.to_owned(),
        },
        _ => match error.kind() {
            io::ErrorKind::NotFound => DiskError::NotFound {
                path: path.to_owned(),
            },
            io::ErrorKind::AlreadyExists => DiskError::AlreadyExists {
                path: path.to_owned(),
            },
            _ => DiskError::Io {
                path: path.to_owned(),
                operation,
                message: error.to_string(),
            },
        },
    }
}

/// Maps an error of `fdatasync`/`fsync` on `path`: always `SyncFailed`.
pub(crate) fn from_sync(error: &io::Error, path: &str) -> DiskError {
    DiskError::SyncFailed {
        path: path.to_owned(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enospc_and_edquot_become_no_space() {
        for errno in [libc::ENOSPC, libc::EDQUOT] {
            let error = from_io(&io::Error::from_raw_os_error(errno), "f", "write_at");
            assert_eq!(
                error,
                DiskError::NoSpace {
                    path: "f".to_owned()
                }
            );
        }
    }

    #[test]
    fn eio_becomes_io_with_the_os_message_and_sync_errors_become_sync_failed() {
        let eio = io::Error::from_raw_os_error(libc::EIO);
        assert!(matches!(
            from_io(&eio, "f", "read_at"),
            DiskError::Io {
                operation: "read_at",
                ..
            }
        ));
        assert!(matches!(from_sync(&eio, "f"), DiskError::SyncFailed { .. }));
        let missing = io::Error::from_raw_os_error(libc::ENOENT);
        assert!(matches!(
            from_io(&missing, "f", "open"),
            DiskError::NotFound { .. }
        ));
    }
}
