//! Behaviour every `DurableDir`/`DurableFile` implementation must show, written once and run
//! against `FaultyDisk`, `PosixDir` and `DmaDir`, so that tests passing on the simulated disk
//! mean something for the real ones.
//!
//! Each check takes an empty directory and panics (it is test code) on a contract violation.

use crate::{DiskError, DurableDir, DurableFile};

/// A recognisable, position-dependent pattern.
fn pattern(len_bytes: usize, salt: u8) -> Vec<u8> {
    (0..len_bytes)
        .map(|index| (index % 251) as u8 ^ salt)
        .collect()
}

/// Writes, reads back at aligned and unaligned offsets, and reads past the end.
pub(crate) async fn write_then_read_round_trips<D: DurableDir>(dir: &D) {
    let file = dir.create_file("round-trip").await.expect("create");
    let alignment_bytes = file.alignment_bytes();
    assert!(alignment_bytes.is_power_of_two() && alignment_bytes >= 512);
    let data = pattern(alignment_bytes * 3, 1);
    file.write_at(0, &data).await.expect("write");
    assert_eq!(file.size_bytes().await.expect("size"), data.len() as u64);
    assert_eq!(file.read_at(0, data.len()).await.expect("read all"), data);
    assert_eq!(
        file.read_at(100, 1000).await.expect("unaligned read"),
        data[100..1100].to_vec()
    );
    let tail_offset = data.len() as u64 - 10;
    assert_eq!(
        file.read_at(tail_offset, 100).await.expect("short read"),
        data[data.len() - 10..].to_vec()
    );
    assert!(file
        .read_at(data.len() as u64, 10)
        .await
        .expect("read at end")
        .is_empty());
    assert!(file
        .read_at(data.len() as u64 * 4, 10)
        .await
        .expect("read past end")
        .is_empty());
    let overwrite = pattern(alignment_bytes, 2);
    file.write_at(alignment_bytes as u64, &overwrite)
        .await
        .expect("overwrite");
    let reread = file
        .read_at(alignment_bytes as u64, alignment_bytes)
        .await
        .expect("reread");
    assert_eq!(reread, overwrite);
}

/// A buffer from `alloc_write_buffer`, filled in place, writes exactly its length through
/// `write_buffer_at`, comes back, and can be written again shorter; a misaligned length is
/// refused and the buffer still comes back.
pub(crate) async fn write_buffer_round_trips<D: DurableDir>(dir: &D) {
    let file = dir.create_file("write-buffer").await.expect("create");
    let alignment_bytes = file.alignment_bytes();
    let mut buffer = file.alloc_write_buffer(alignment_bytes * 4).expect("alloc");
    assert!(buffer.capacity_bytes() >= alignment_bytes * 4);
    assert_eq!(buffer.as_slice().as_ptr() as usize % alignment_bytes, 0);
    assert!(buffer.set_len(alignment_bytes * 3));
    let data = pattern(alignment_bytes * 3, 5);
    buffer.as_mut_slice().copy_from_slice(&data);
    let (result, mut buffer) = file.write_buffer_at(alignment_bytes as u64, buffer).await;
    result.expect("write buffer");
    assert_eq!(
        file.read_at(alignment_bytes as u64, data.len())
            .await
            .expect("read"),
        data
    );
    assert!(
        buffer.capacity_bytes() >= alignment_bytes * 3,
        "the buffer comes back"
    );
    assert!(buffer.set_len(alignment_bytes));
    let again = pattern(alignment_bytes, 6);
    buffer.as_mut_slice().copy_from_slice(&again);
    let (result, mut buffer) = file.write_buffer_at(0, buffer).await;
    result.expect("rewrite");
    assert_eq!(
        file.read_at(0, alignment_bytes).await.expect("reread"),
        again
    );
    assert_eq!(
        file.read_at(alignment_bytes as u64, data.len())
            .await
            .expect("read rest"),
        data,
        "nothing beyond the length was written"
    );
    assert!(buffer.set_len(100));
    let (result, _) = file.write_buffer_at(0, buffer).await;
    assert!(
        matches!(result, Err(DiskError::Misaligned { .. })),
        "{result:?}"
    );
}

/// Misaligned offsets and lengths are refused with `Misaligned` and write nothing.
pub(crate) async fn misaligned_writes_are_refused<D: DurableDir>(dir: &D) {
    let file = dir.create_file("misaligned").await.expect("create");
    let alignment_bytes = file.alignment_bytes();
    let bad_offset = file.write_at(7, &vec![1; alignment_bytes]).await;
    assert!(
        matches!(
            bad_offset,
            Err(DiskError::Misaligned {
                offset_bytes: 7,
                ..
            })
        ),
        "{bad_offset:?}"
    );
    let bad_len = file.write_at(0, &[1; 100]).await;
    assert!(
        matches!(bad_len, Err(DiskError::Misaligned { len_bytes: 100, .. })),
        "{bad_len:?}"
    );
    assert_eq!(file.size_bytes().await.expect("size"), 0);
}

/// Synced data is visible through a newly opened handle.
pub(crate) async fn synced_data_reads_back_after_reopen<D: DurableDir>(dir: &D) {
    let file = dir.create_file("synced").await.expect("create");
    let data = pattern(file.alignment_bytes() * 2, 3);
    file.write_at(0, &data).await.expect("write");
    file.sync().await.expect("sync");
    dir.sync_dir().await.expect("sync_dir");
    let reopened = dir.open_file("synced").await.expect("open");
    assert_eq!(reopened.read_at(0, data.len()).await.expect("read"), data);
}

/// `write_buffer_durable_at` writes exactly the buffer's length, hands the buffer back, and the
/// bytes read back through the same handle and after a reopen, with no `sync`; twice, so that a
/// second descriptor opened on first use is reused.
pub(crate) async fn durable_writes_read_back_after_reopen<D: DurableDir>(dir: &D) {
    let file = dir.create_file("durable").await.expect("create");
    dir.sync_dir().await.expect("sync_dir");
    let alignment_bytes = file.alignment_bytes();
    let mut expected = Vec::new();
    for round in 0..2u8 {
        let mut buffer = file
            .alloc_write_buffer(alignment_bytes * 2)
            .expect("buffer");
        let data = pattern(alignment_bytes * 2, 9 + round);
        buffer.as_mut_slice().copy_from_slice(&data);
        let offset_bytes = expected.len() as u64;
        let (result, returned) = file.write_buffer_durable_at(offset_bytes, buffer).await;
        result.expect("durable write");
        assert!(
            returned.capacity_bytes() >= data.len(),
            "the buffer comes back"
        );
        expected.extend_from_slice(&data);
    }
    assert_eq!(
        file.read_at(0, expected.len()).await.expect("read"),
        expected
    );
    let reopened = dir.open_file("durable").await.expect("open");
    assert_eq!(
        reopened.read_at(0, expected.len()).await.expect("reread"),
        expected
    );
}

/// `allocate` grows the file with zeros, keeps existing data and never shrinks.
pub(crate) async fn allocate_grows_with_zeros<D: DurableDir>(dir: &D) {
    let file = dir.create_file("allocated").await.expect("create");
    let alignment_bytes = file.alignment_bytes();
    let head = pattern(alignment_bytes, 4);
    file.write_at(0, &head).await.expect("write head");
    let allocated_bytes = 1 << 20;
    file.allocate(0, allocated_bytes).await.expect("allocate");
    assert_eq!(file.size_bytes().await.expect("size"), allocated_bytes);
    assert_eq!(file.read_at(0, alignment_bytes).await.expect("head"), head);
    let middle = file
        .read_at(allocated_bytes / 2, 4096)
        .await
        .expect("middle");
    assert_eq!(middle, vec![0; 4096]);
    file.allocate(0, 4096).await.expect("allocate inside");
    assert_eq!(file.size_bytes().await.expect("size"), allocated_bytes);
    let inside = pattern(alignment_bytes, 5);
    file.write_at(allocated_bytes - alignment_bytes as u64, &inside)
        .await
        .expect("write inside");
    file.sync().await.expect("sync");
    assert_eq!(file.size_bytes().await.expect("size"), allocated_bytes);
}

/// Create, open, list, rename (replacing), remove and sync_dir behave as the contract says.
pub(crate) async fn namespace_operations_follow_the_contract<D: DurableDir>(dir: &D) {
    let first = dir.create_file("first").await.expect("create first");
    let data = pattern(first.alignment_bytes(), 6);
    first.write_at(0, &data).await.expect("write first");
    dir.create_file("second").await.expect("create second");
    assert!(matches!(
        dir.create_file("first").await,
        Err(DiskError::AlreadyExists { .. })
    ));
    assert!(matches!(
        dir.open_file("missing").await,
        Err(DiskError::NotFound { .. })
    ));
    dir.rename_file("first", "second")
        .await
        .expect("rename over");
    let mut names = dir.list_files().await.expect("list");
    names.sort();
    assert_eq!(names, vec!["second".to_owned()]);
    let renamed = dir.open_file("second").await.expect("open renamed");
    assert_eq!(renamed.read_at(0, data.len()).await.expect("read"), data);
    dir.sync_dir().await.expect("sync_dir");
    dir.remove_file("second").await.expect("remove");
    assert!(matches!(
        dir.remove_file("second").await,
        Err(DiskError::NotFound { .. })
    ));
    assert!(matches!(
        dir.rename_file("second", "third").await,
        Err(DiskError::NotFound { .. })
    ));
    dir.sync_dir().await.expect("sync_dir after remove");
    assert!(dir.list_files().await.expect("list").is_empty());
    let (free_bytes, total_bytes) = dir.space_bytes().expect("space");
    assert!(total_bytes > 0);
    assert!(free_bytes <= total_bytes);
}
