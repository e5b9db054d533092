use futures_lite::future::block_on;

use super::{create_with, filled, read_all};
use crate::faulty::{FaultyConfig, FaultyDisk};
use crate::{DiskError, DurableDir, DurableFile};

#[test]
fn written_data_reads_back_before_sync() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("journal");
    create_with(&dir, "1.txn", &filled(7, 1024));
    assert_eq!(read_all(&dir, "1.txn"), filled(7, 1024));
}

#[test]
fn read_beyond_end_of_file_is_short_or_empty() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let file = create_with(&dir, "f", &filled(1, 512));
    block_on(async {
        assert_eq!(file.read_at(500, 100).await.expect("read").len(), 12);
        assert!(file.read_at(512, 10).await.expect("read").is_empty());
        assert!(file.read_at(u64::MAX, 10).await.expect("read").is_empty());
    });
}

#[test]
fn misaligned_write_is_rejected_and_changes_nothing() {
    let disk = FaultyDisk::new();
    let file = create_with(&disk.dir("d"), "f", &[]);
    block_on(async {
        let offset = file.write_at(100, &filled(1, 512)).await;
        assert!(matches!(
            offset,
            Err(DiskError::Misaligned {
                offset_bytes: 100,
                ..
            })
        ));
        let length = file.write_at(0, &filled(1, 100)).await;
        assert!(matches!(
            length,
            Err(DiskError::Misaligned { len_bytes: 100, .. })
        ));
        assert_eq!(file.size_bytes().await.expect("size"), 0);
    });
}

#[test]
fn alignment_is_configurable() {
    let disk = FaultyDisk::with_config(FaultyConfig {
        alignment_bytes: 4096,
        ..FaultyConfig::default()
    });
    let file = create_with(&disk.dir("d"), "f", &filled(1, 4096));
    assert_eq!(file.alignment_bytes(), 4096);
    let result = block_on(file.write_at(512, &filled(1, 512)));
    assert!(matches!(
        result,
        Err(DiskError::Misaligned {
            alignment_bytes: 4096,
            ..
        })
    ));
}

#[test]
fn creating_an_existing_file_fails_and_opening_a_missing_one_fails() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    create_with(&dir, "f", &[]);
    block_on(async {
        assert!(matches!(
            dir.create_file("f").await,
            Err(DiskError::AlreadyExists { .. })
        ));
        assert!(matches!(
            dir.open_file("g").await,
            Err(DiskError::NotFound { .. })
        ));
        assert!(matches!(
            dir.remove_file("g").await,
            Err(DiskError::NotFound { .. })
        ));
        assert!(matches!(
            dir.rename_file("g", "h").await,
            Err(DiskError::NotFound { .. })
        ));
    });
}

#[test]
fn rename_replaces_the_target_and_open_handles_follow_the_inode() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let old = create_with(&dir, "old", &filled(1, 512));
    create_with(&dir, "target", &filled(2, 512));
    block_on(async {
        dir.rename_file("old", "target").await.expect("rename");
        let mut names = dir.list_files().await.expect("list");
        names.sort();
        assert_eq!(names, vec!["target".to_owned()]);
        old.write_at(512, &filled(3, 512))
            .await
            .expect("write through old handle");
    });
    let mut expected = filled(1, 512);
    expected.extend(filled(3, 512));
    assert_eq!(read_all(&dir, "target"), expected);
}

#[test]
fn removed_file_stays_usable_through_an_open_handle() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let file = create_with(&dir, "f", &filled(5, 512));
    block_on(async {
        dir.remove_file("f").await.expect("remove");
        assert!(dir.list_files().await.expect("list").is_empty());
        assert_eq!(file.read_at(0, 512).await.expect("read"), filled(5, 512));
    });
}

#[test]
fn directories_on_one_disk_are_independent() {
    let disk = FaultyDisk::new();
    let journal = disk.dir("journal");
    let ledgers = disk.dir("ledgers");
    create_with(&journal, "same", &filled(1, 512));
    create_with(&ledgers, "same", &filled(2, 512));
    assert_eq!(read_all(&journal, "same"), filled(1, 512));
    assert_eq!(read_all(&ledgers, "same"), filled(2, 512));
    let mut names = disk.dir_names();
    names.sort();
    assert_eq!(names, vec!["journal".to_owned(), "ledgers".to_owned()]);
}

#[test]
fn allocate_grows_the_file_with_zeros_and_never_shrinks_it() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let file = create_with(&dir, "f", &filled(9, 512));
    block_on(async {
        file.allocate(0, 4096).await.expect("allocate");
        assert_eq!(file.size_bytes().await.expect("size"), 4096);
        file.allocate(0, 1024).await.expect("allocate inside");
        assert_eq!(file.size_bytes().await.expect("size"), 4096);
    });
    let mut expected = filled(9, 512);
    expected.extend(filled(0, 4096 - 512));
    assert_eq!(read_all(&dir, "f"), expected);
}

#[test]
fn every_future_is_ready_at_first_poll() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let file =
        futures_lite::future::block_on(futures_lite::future::poll_once(dir.create_file("f")))
            .expect("create is ready at once")
            .expect("create");
    let polled = block_on(futures_lite::future::poll_once(file.sync()));
    assert!(matches!(polled, Some(Ok(()))));
}

#[test]
fn shared_rc_handle_writes_and_syncs_the_same_file() {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let shared = std::rc::Rc::new(create_with(&dir, "f", &[]));
    let writer = std::rc::Rc::clone(&shared);
    block_on(async {
        writer
            .write_at(0, &filled(4, 512))
            .await
            .expect("write through Rc");
        shared.sync().await.expect("sync through the other Rc");
        assert_eq!(shared.size_bytes().await.expect("size"), 512);
    });
    assert_eq!(disk.sync_points(), 1);
}
