use futures_lite::future::block_on;

use super::{create_with, filled, read_all};
use crate::faulty::{Fault, FaultOp, FaultyConfig, FaultyDisk, InjectedError, TornWrites};
use crate::{DiskError, DurableDir, DurableFile};

#[test]
fn injected_read_error_fires_once_then_reads_succeed() {
    let disk = FaultyDisk::new();
    let file = create_with(&disk.dir("d"), "f", &filled(1, 512));
    disk.inject(Fault::once("d/f", FaultOp::Read, InjectedError::Io));
    block_on(async {
        assert!(matches!(
            file.read_at(0, 512).await,
            Err(DiskError::Io {
                operation: "read_at",
                ..
            })
        ));
        assert_eq!(
            file.read_at(0, 512).await.expect("second read"),
            filled(1, 512)
        );
    });
}

#[test]
fn sticky_write_fault_fails_every_write_until_cleared_and_writes_nothing() {
    let disk = FaultyDisk::new();
    let file = create_with(&disk.dir("d"), "f", &[]);
    disk.inject(Fault::sticky("f", FaultOp::Write, InjectedError::NoSpace));
    block_on(async {
        for _ in 0..3 {
            assert!(matches!(
                file.write_at(0, &filled(1, 512)).await,
                Err(DiskError::NoSpace { .. })
            ));
        }
        assert_eq!(file.size_bytes().await.expect("size"), 0);
        disk.clear_faults();
        file.write_at(0, &filled(1, 512))
            .await
            .expect("write after clear");
    });
}

#[test]
fn write_fault_applies_only_to_matching_paths() {
    let disk = FaultyDisk::new();
    let journal = create_with(&disk.dir("journal"), "1.txn", &[]);
    let entry_log = create_with(&disk.dir("ledgers"), "0.log", &[]);
    disk.inject(Fault::sticky("journal/", FaultOp::Write, InjectedError::Io));
    block_on(async {
        assert!(matches!(
            journal.write_at(0, &filled(1, 512)).await,
            Err(DiskError::Io { .. })
        ));
        entry_log
            .write_at(0, &filled(1, 512))
            .await
            .expect("other dir unaffected");
    });
}

/// Goal: after a failed fsync the dirty data never becomes durable, even after a later
/// successful sync, although reads still return it (Linux marks the pages clean after EIO).
#[test]
fn failed_sync_drops_dirty_data_from_the_durable_image_forever() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let file = create_with(&dir, "f", &filled(1, 512));
    block_on(async {
        file.sync().await.expect("first sync");
        dir.sync_dir().await.expect("sync_dir");
        file.write_at(0, &filled(2, 512)).await.expect("overwrite");
        disk.inject(Fault::once("d/f", FaultOp::Sync, InjectedError::SyncFailed));
        assert!(matches!(
            file.sync().await,
            Err(DiskError::SyncFailed { .. })
        ));
        assert_eq!(
            file.read_at(0, 512).await.expect("read"),
            filled(2, 512),
            "page cache keeps it"
        );
        file.sync().await.expect("later sync succeeds");
    });
    for torn in [
        TornWrites::None,
        TornWrites::Seeded(1),
        TornWrites::Seeded(2),
    ] {
        let after = disk.crash_image(torn);
        assert_eq!(read_all(&after.dir("d"), "f"), filled(1, 512), "{torn:?}");
    }
}

#[test]
fn failed_sync_still_counts_as_a_sync_point() {
    let disk = FaultyDisk::new();
    let file = create_with(&disk.dir("d"), "f", &[]);
    disk.inject(Fault::once("", FaultOp::Sync, InjectedError::SyncFailed));
    assert!(block_on(file.sync()).is_err());
    assert_eq!(disk.sync_points(), 1);
}

#[test]
fn failed_sync_dir_leaves_namespace_changes_pending() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    create_with(&dir, "f", &[]);
    disk.inject(Fault::once(
        "d",
        FaultOp::SyncDir,
        InjectedError::SyncFailed,
    ));
    assert!(matches!(
        block_on(dir.sync_dir()),
        Err(DiskError::SyncFailed { .. })
    ));
    assert!(
        block_on(disk.crash_image(TornWrites::None).dir("d").list_files())
            .expect("list")
            .is_empty()
    );
    block_on(dir.sync_dir()).expect("retry");
    let names = block_on(disk.crash_image(TornWrites::None).dir("d").list_files()).expect("list");
    assert_eq!(names, vec!["f".to_owned()]);
}

#[test]
fn injected_allocate_fault_returns_no_space_and_does_not_grow_the_file() {
    let disk = FaultyDisk::new();
    let file = create_with(&disk.dir("d"), "f", &[]);
    disk.inject(Fault::once("f", FaultOp::Allocate, InjectedError::NoSpace));
    block_on(async {
        assert!(matches!(
            file.allocate(0, 1 << 20).await,
            Err(DiskError::NoSpace { .. })
        ));
        assert_eq!(file.size_bytes().await.expect("size"), 0);
    });
}

#[test]
fn capacity_limit_refuses_growth_beyond_it_but_allows_overwrites() {
    let disk = FaultyDisk::with_config(FaultyConfig {
        capacity_bytes: 2048,
        ..FaultyConfig::default()
    });
    let dir = disk.dir("d");
    let first = create_with(&dir, "a", &filled(1, 1024));
    let second = create_with(&dir, "b", &filled(1, 512));
    block_on(async {
        assert_eq!(dir.space_bytes().expect("space"), (512, 2048));
        assert!(matches!(
            second.write_at(512, &filled(1, 1024)).await,
            Err(DiskError::NoSpace { .. })
        ));
        assert!(matches!(
            second.allocate(0, 4096).await,
            Err(DiskError::NoSpace { .. })
        ));
        assert!(matches!(
            first.write_at(u64::MAX - 511, &filled(1, 512)).await,
            Err(DiskError::NoSpace { .. })
        ));
        first
            .write_at(0, &filled(2, 1024))
            .await
            .expect("overwrite needs no space");
        second
            .write_at(512, &filled(1, 512))
            .await
            .expect("exactly fills the disk");
        assert_eq!(dir.space_bytes().expect("space"), (0, 2048));
        dir.remove_file("a").await.expect("remove frees space");
        assert_eq!(dir.space_bytes().expect("space"), (1024, 2048));
    });
}

#[test]
fn flipped_bit_shows_in_reads_and_in_crash_images() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let file = create_with(&dir, "f", &filled(0, 512));
    block_on(async {
        file.sync().await.expect("sync");
        dir.sync_dir().await.expect("sync_dir");
    });
    disk.flip_bit("d", "f", 10, 3).expect("flip");
    assert_eq!(read_all(&dir, "f")[10], 8);
    assert_eq!(
        read_all(&disk.crash_image(TornWrites::None).dir("d"), "f")[10],
        8
    );
    assert!(matches!(
        disk.flip_bit("d", "f", 512, 0),
        Err(DiskError::Io { .. })
    ));
    assert!(matches!(
        disk.flip_bit("d", "missing", 0, 0),
        Err(DiskError::NotFound { .. })
    ));
}
