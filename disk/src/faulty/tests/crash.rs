use std::cell::RefCell;
use std::rc::Rc;

use futures_lite::future::block_on;

use super::{create_with, filled, read_all};
use crate::faulty::{FaultyDisk, TornWrites};
use crate::{DiskError, DurableDir, DurableFile};

/// A disk with `d/f` created, dir-synced, holding 512 bytes of 1s that are synced.
fn disk_with_synced_file() -> FaultyDisk {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let file = create_with(&dir, "f", &filled(1, 512));
    block_on(async {
        file.sync().await.expect("sync");
        dir.sync_dir().await.expect("sync_dir");
    });
    disk
}

#[test]
fn synced_write_survives_crash() {
    let disk = disk_with_synced_file();
    let after = disk.crash_image(TornWrites::None);
    assert_eq!(read_all(&after.dir("d"), "f"), filled(1, 512));
}

#[test]
fn unsynced_write_is_lost_at_crash() {
    let disk = disk_with_synced_file();
    let dir = disk.dir("d");
    block_on(async {
        let file = dir.open_file("f").await.expect("open");
        file.write_at(0, &filled(2, 512)).await.expect("overwrite");
        file.write_at(512, &filled(3, 512)).await.expect("append");
    });
    let after = disk.crash_image(TornWrites::None);
    assert_eq!(read_all(&after.dir("d"), "f"), filled(1, 512));
    // The original disk is untouched by taking an image.
    assert_eq!(read_all(&dir, "f").len(), 1024);
}

#[test]
fn file_created_without_dir_sync_vanishes_at_crash() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let file = create_with(&dir, "new", &filled(1, 512));
    block_on(file.sync()).expect("file sync alone is not enough");
    let after = disk.crash_image(TornWrites::None);
    assert!(block_on(after.dir("d").list_files())
        .expect("list")
        .is_empty());
}

#[test]
fn remove_without_dir_sync_is_undone_at_crash() {
    let disk = disk_with_synced_file();
    let dir = disk.dir("d");
    block_on(dir.remove_file("f")).expect("remove");
    let after = disk.crash_image(TornWrites::None);
    assert_eq!(read_all(&after.dir("d"), "f"), filled(1, 512));
    block_on(dir.sync_dir()).expect("sync_dir");
    let after_sync = disk.crash_image(TornWrites::None);
    assert!(block_on(after_sync.dir("d").list_files())
        .expect("list")
        .is_empty());
}

#[test]
fn rename_is_durable_only_after_dir_sync() {
    let disk = disk_with_synced_file();
    let dir = disk.dir("d");
    block_on(dir.rename_file("f", "g")).expect("rename");
    let before_sync = disk.crash_image(TornWrites::None);
    assert_eq!(
        block_on(before_sync.dir("d").list_files()).expect("list"),
        vec!["f".to_owned()]
    );
    block_on(dir.sync_dir()).expect("sync_dir");
    let after_sync = disk.crash_image(TornWrites::None);
    assert_eq!(
        block_on(after_sync.dir("d").list_files()).expect("list"),
        vec!["g".to_owned()]
    );
    assert_eq!(read_all(&after_sync.dir("d"), "g"), filled(1, 512));
}

#[test]
fn crash_at_sync_point_skips_that_sync_and_kills_the_process() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    disk.crash_at_sync_point(3);
    let file = create_with(&dir, "f", &filled(1, 512));
    block_on(async {
        dir.sync_dir().await.expect("sync point 1");
        file.sync().await.expect("sync point 2");
        file.write_at(512, &filled(2, 512)).await.expect("write");
        let crashed = file.sync().await;
        assert!(matches!(
            crashed,
            Err(DiskError::Crashed {
                operation: "sync",
                ..
            })
        ));
        assert!(disk.is_crashed());
        assert!(matches!(
            file.read_at(0, 512).await,
            Err(DiskError::Crashed { .. })
        ));
        assert!(matches!(
            file.write_at(0, &filled(3, 512)).await,
            Err(DiskError::Crashed { .. })
        ));
        assert!(matches!(
            dir.list_files().await,
            Err(DiskError::Crashed { .. })
        ));
        assert!(matches!(
            dir.sync_dir().await,
            Err(DiskError::Crashed { .. })
        ));
    });
    assert_eq!(
        disk.sync_points(),
        3,
        "calls after the crash are not sync points"
    );
    let after = disk.crash_image(TornWrites::None);
    assert_eq!(read_all(&after.dir("d"), "f"), filled(1, 512));
    assert!(!after.is_crashed());
    assert_eq!(after.sync_points(), 0);
}

#[test]
fn crash_now_makes_every_operation_fail() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    disk.crash();
    assert!(matches!(
        block_on(dir.create_file("f")),
        Err(DiskError::Crashed { .. })
    ));
    assert!(matches!(dir.space_bytes(), Err(DiskError::Crashed { .. })));
}

/// Goal: one run of a workload yields the crash image of every sync point.
/// Method: the hook snapshots `crash_image` at each point; point k must hold exactly the
/// records synced by syncs 1..k-1.
#[test]
fn hook_takes_a_crash_image_at_every_sync_point_in_one_run() {
    let disk = FaultyDisk::new();
    let images: Rc<RefCell<Vec<(u64, FaultyDisk)>>> = Rc::default();
    let sink = Rc::clone(&images);
    disk.on_sync_point(Box::new(move |point, disk| {
        sink.borrow_mut()
            .push((point, disk.crash_image(TornWrites::None)));
    }));
    let dir = disk.dir("d");
    let file = create_with(&dir, "log", &[]);
    block_on(async {
        dir.sync_dir().await.expect("sync point 1");
        for record in 0..5u8 {
            file.write_at(u64::from(record) * 512, &filled(record, 512))
                .await
                .expect("write");
            file.sync().await.expect("sync");
        }
    });
    let images = images.borrow();
    assert_eq!(images.len(), 6);
    assert_eq!(disk.sync_points(), 6);
    for (index, (point, image)) in images.iter().enumerate() {
        assert_eq!(*point, index as u64 + 1);
        let names = block_on(image.dir("d").list_files()).expect("list");
        if *point == 1 {
            assert!(
                names.is_empty(),
                "before the first dir sync the log does not exist"
            );
            continue;
        }
        let synced_records = *point - 2;
        assert_eq!(
            read_all(&image.dir("d"), "log").len() as u64,
            synced_records * 512
        );
    }
}

#[test]
fn torn_crash_image_keeps_a_subset_of_unsynced_sectors() {
    let disk = disk_with_synced_file();
    let file = block_on(disk.dir("d").open_file("f")).expect("open");
    let sectors = 64;
    block_on(file.write_at(512, &filled(2, 512 * sectors))).expect("write");
    let mut some_image_tore = false;
    for seed in 0..8 {
        let after = disk.crash_image(TornWrites::Seeded(seed));
        let bytes = read_all(&after.dir("d"), "f");
        assert_eq!(
            &bytes[..512],
            filled(1, 512).as_slice(),
            "synced data always survives"
        );
        let landed: Vec<bool> = bytes[512..]
            .chunks(512)
            .map(|sector| sector[0] == 2)
            .collect();
        for sector in bytes[512..].chunks(512) {
            assert!(
                sector.iter().all(|&b| b == sector[0]),
                "sectors land whole or not at all"
            );
            assert!(
                sector[0] == 0 || sector[0] == 2,
                "a sector holds zeros or the written data"
            );
        }
        let landed_count = landed.iter().filter(|&&l| l).count();
        if landed_count > 0 && landed_count < sectors {
            some_image_tore = true;
        }
    }
    assert!(
        some_image_tore,
        "64 coin flips per seed over 8 seeds must tear at least once"
    );
}

#[test]
fn torn_crash_image_is_deterministic_per_seed() {
    let disk = disk_with_synced_file();
    let file = block_on(disk.dir("d").open_file("f")).expect("open");
    block_on(file.write_at(0, &filled(2, 512 * 32))).expect("write");
    let first = read_all(&disk.crash_image(TornWrites::Seeded(42)).dir("d"), "f");
    let second = read_all(&disk.crash_image(TornWrites::Seeded(42)).dir("d"), "f");
    assert_eq!(first, second);
}

#[test]
fn torn_crash_image_never_resurrects_synced_writes_lost_before() {
    // Writes that were synced are no longer "since the last sync": a torn image of a fully
    // synced disk equals the untorn image.
    let disk = disk_with_synced_file();
    for seed in 0..4 {
        let after = disk.crash_image(TornWrites::Seeded(seed));
        assert_eq!(read_all(&after.dir("d"), "f"), filled(1, 512));
    }
}

#[test]
fn crash_image_is_a_working_independent_disk() {
    let disk = disk_with_synced_file();
    let after = disk.crash_image(TornWrites::None);
    let dir = after.dir("d");
    block_on(async {
        let file = dir.open_file("f").await.expect("open");
        file.write_at(512, &filled(4, 512))
            .await
            .expect("write on image");
        file.sync().await.expect("sync on image");
    });
    assert_eq!(read_all(&dir, "f").len(), 1024);
    assert_eq!(
        read_all(&disk.dir("d"), "f").len(),
        512,
        "the original is unaffected"
    );
}

/// A buffer of `len` bytes of `value` for `write_buffer_durable_at`.
fn buffer_of(value: u8, len: usize) -> crate::WriteBuffer {
    let mut buffer = crate::WriteBuffer::aligned(len, 512).expect("buffer");
    buffer.as_mut_slice().fill(value);
    buffer
}

/// Goal: a durable write (`O_DSYNC`) is durable by itself, with the size it needs, while a plain
/// write completed before it stays unsynced: the model must not promise more than the kernel.
#[test]
fn durable_write_survives_crash_and_leaves_other_writes_unsynced() {
    let disk = disk_with_synced_file();
    let dir = disk.dir("d");
    let points_before = disk.sync_points();
    block_on(async {
        let file = dir.open_file("f").await.expect("open");
        file.write_at(0, &filled(2, 512))
            .await
            .expect("plain overwrite");
        let (result, _) = file.write_buffer_durable_at(1024, buffer_of(3, 512)).await;
        result.expect("durable append");
    });
    assert_eq!(
        disk.sync_points(),
        points_before + 1,
        "its flush is a sync point"
    );
    let after = disk.crash_image(TornWrites::None);
    let mut expected = filled(1, 512);
    expected.extend(filled(0, 512));
    expected.extend(filled(3, 512));
    assert_eq!(read_all(&after.dir("d"), "f"), expected);
}

/// Goal: a crash at the flush of a durable write loses it (or, with torn writes, keeps any
/// subset of its sectors), and a failed flush drops it from the durable image forever.
#[test]
fn durable_write_interrupted_at_its_flush_is_not_durable() {
    let disk = disk_with_synced_file();
    disk.crash_at_sync_point(disk.sync_points() + 1);
    let dir = disk.dir("d");
    let result = block_on(async {
        let file = dir.open_file("f").await.expect("open");
        file.write_buffer_durable_at(0, buffer_of(4, 1024)).await.0
    });
    assert!(
        matches!(result, Err(DiskError::Crashed { .. })),
        "{result:?}"
    );
    let after = disk.crash_image(TornWrites::None);
    assert_eq!(read_all(&after.dir("d"), "f"), filled(1, 512));
    let torn = disk.crash_image(TornWrites::Seeded(7));
    let bytes = read_all(&torn.dir("d"), "f");
    for sector in bytes.chunks(512) {
        assert!(
            sector == filled(4, 512).as_slice() || sector == filled(1, 512).as_slice(),
            "a torn sector is whole old or whole new"
        );
    }

    let disk = disk_with_synced_file();
    disk.inject(crate::faulty::Fault::once(
        "d/f",
        crate::faulty::FaultOp::Sync,
        crate::faulty::InjectedError::SyncFailed,
    ));
    let dir = disk.dir("d");
    block_on(async {
        let file = dir.open_file("f").await.expect("open");
        let (result, _) = file.write_buffer_durable_at(0, buffer_of(5, 512)).await;
        assert!(
            matches!(result, Err(DiskError::SyncFailed { .. })),
            "{result:?}"
        );
        file.sync().await.expect("a later sync succeeds");
    });
    let after = disk.crash_image(TornWrites::None);
    assert_eq!(read_all(&after.dir("d"), "f"), filled(1, 512));
}
