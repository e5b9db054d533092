//! Where tests put real files: `O_DIRECT` needs a persistent file system, and on some machines
//! `/tmp` is tmpfs. `scripts/test.sh` exports `BOOKIE_TEST_SCRATCH` for that reason.
//!
//! Order of preference: `$BOOKIE_TEST_SCRATCH`, then `/tmp` unless it is tmpfs or ramfs, then
//! `target/test-scratch` in the workspace.

use std::path::PathBuf;

use crate::preflight::volatile_filesystem;

fn scratch_base() -> PathBuf {
    if let Some(dir) = std::env::var_os("BOOKIE_TEST_SCRATCH") {
        return PathBuf::from(dir);
    }
    let tmp = PathBuf::from("/tmp");
    if matches!(volatile_filesystem(&tmp, "/tmp"), Ok(None)) {
        return tmp;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-scratch")
}

/// A fresh temporary directory on a persistent file system, removed when dropped.
pub(crate) fn temp_dir(prefix: &str) -> tempfile::TempDir {
    let base = scratch_base();
    std::fs::create_dir_all(&base).expect("create scratch base");
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&base)
        .expect("scratch tempdir")
}
