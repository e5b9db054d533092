//! Works around glommio 0.9's io_poll probe, which can be fooled by an empty file.
//!
//! When glommio opens the first `O_DIRECT` file of a device on a thread, it decides whether to
//! send that device's reads to its polled (`IORING_SETUP_IOPOLL`) ring by reading one block at
//! offset 0 on that ring. If the file is empty, the kernel answers "0 bytes" without touching the
//! device, glommio concludes that polling works, caches that per device for the thread, and every
//! later read on that device fails with EOPNOTSUPP where the device has no poll queues (virtio,
//! most cloud disks). Creating a journal or entry log is exactly "open an empty file first".
//!
//! So before a thread's first open on a device, we open a one-block probe file that has data:
//! glommio's probe then reaches the device and caches the right answer. The probe file is named
//! with [`PROBE_FILE_PREFIX`](crate::fs_dir::PROBE_FILE_PREFIX) and removed at once; listings
//! hide that prefix in case a crash leaves one behind.
//!
//! Invariant: after `ensure_probed(dir)` returned `Ok` on a thread, glommio's per-thread cache
//! holds a tested answer for `dir`'s device.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use glommio::io::OpenOptions;

use super::file::os_error;
use crate::errno::from_io;
use crate::fs_dir::{shown, PROBE_FILE_PREFIX};
use crate::DiskError;

/// Bytes written to the probe file: one block of the largest common logical block size.
const PROBE_FILE_BYTES: usize = 4096;

thread_local! {
    /// Devices (`st_dev`) whose io_poll answer this thread's glommio cache already holds.
    static PROBED_DEVICES: RefCell<HashSet<u64>> = RefCell::new(HashSet::new());
    /// Makes probe file names unique among concurrent tasks of this thread.
    static PROBE_SEQUENCE: Cell<u64> = const { Cell::new(0) };
}

/// Makes sure glommio has probed io_poll support for `dir`'s device with a non-empty file.
pub(crate) async fn ensure_probed(dir: &Path) -> Result<(), DiskError> {
    let device = std::fs::metadata(dir)
        .map_err(|error| from_io(&error, &shown(dir), "probe io_poll"))?
        .dev();
    if PROBED_DEVICES.with(|devices| devices.borrow().contains(&device)) {
        return Ok(());
    }
    let sequence = PROBE_SEQUENCE.with(|counter| {
        counter.set(counter.get() + 1);
        counter.get()
    });
    let name = format!(
        "{PROBE_FILE_PREFIX}iopoll-{}-{:?}-{sequence}",
        std::process::id(),
        std::thread::current().id()
    );
    let path = dir.join(name.replace(['(', ')'], ""));
    std::fs::write(&path, [0u8; PROBE_FILE_BYTES])
        .map_err(|error| from_io(&error, &shown(&path), "probe io_poll"))?;
    let opened = OpenOptions::new().read(true).dma_open(&path).await;
    let removed = std::fs::remove_file(&path);
    let file = opened.map_err(|error| from_io(&os_error(error), &shown(&path), "probe io_poll"))?;
    // A failed close of a read-only probe cannot lose data; the open already ran the probe.
    let _ = file.close().await;
    removed.map_err(|error| from_io(&error, &shown(&path), "probe io_poll"))?;
    PROBED_DEVICES.with(|devices| devices.borrow_mut().insert(device));
    Ok(())
}
