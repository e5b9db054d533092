//! `DmaDir`/`DmaFile` against the shared conformance checks, each inside its own unpinned glommio
//! executor with small rings and little registered memory (the test machine allows 8 MiB of
//! locked memory and shares 2 cores). Files live in a scratch directory on a
//! persistent file system (see `crate::scratch`).

use std::future::Future;

use glommio::{LocalExecutorBuilder, Placement};

use super::DmaDir;
use crate::conformance;
use crate::{DiskError, DurableDir, DurableFile};

/// Registered I/O memory per test executor (glommio's minimum is 64 KiB).
const TEST_IO_MEMORY_BYTES: usize = 256 << 10;
/// io_uring depth per test executor.
const TEST_RING_DEPTH: usize = 32;

/// Runs `check` on a fresh `DmaDir` in a temporary directory, inside a new executor thread.
fn run_on_dma_dir<F, Fut>(check: F)
where
    F: FnOnce(DmaDir) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let temp = crate::scratch::temp_dir("disk-dma-");
    let path = temp.path().to_path_buf();
    LocalExecutorBuilder::new(Placement::Unbound)
        .name("disk-dma-test")
        .io_memory(TEST_IO_MEMORY_BYTES)
        .ring_depth(TEST_RING_DEPTH)
        .spawn(move || async move {
            let dir = DmaDir::open(&path).expect("open dir");
            check(dir).await;
        })
        .expect("spawn executor")
        .join()
        .expect("executor thread");
    drop(temp);
}

#[test]
fn dma_write_then_read_round_trips() {
    run_on_dma_dir(|dir| async move { conformance::write_then_read_round_trips(&dir).await });
}

#[test]
fn dma_write_buffer_round_trips() {
    run_on_dma_dir(|dir| async move { conformance::write_buffer_round_trips(&dir).await });
}

#[test]
fn dma_misaligned_writes_are_refused() {
    run_on_dma_dir(|dir| async move { conformance::misaligned_writes_are_refused(&dir).await });
}

#[test]
fn dma_synced_data_reads_back_after_reopen() {
    run_on_dma_dir(
        |dir| async move { conformance::synced_data_reads_back_after_reopen(&dir).await },
    );
}

#[test]
fn dma_durable_writes_read_back_after_reopen() {
    run_on_dma_dir(
        |dir| async move { conformance::durable_writes_read_back_after_reopen(&dir).await },
    );
}

#[test]
fn dma_allocate_grows_with_zeros() {
    run_on_dma_dir(|dir| async move { conformance::allocate_grows_with_zeros(&dir).await });
}

#[test]
fn dma_namespace_operations_follow_the_contract() {
    run_on_dma_dir(|dir| async move {
        conformance::namespace_operations_follow_the_contract(&dir).await
    });
}

#[test]
fn dma_write_larger_than_registered_memory_round_trips() {
    run_on_dma_dir(|dir| async move {
        let file = dir.create_file("large").await.expect("create");
        let data: Vec<u8> = (0..(1usize << 20))
            .map(|index| (index % 253) as u8)
            .collect();
        file.write_at(0, &data).await.expect("write 1 MiB");
        file.sync().await.expect("sync");
        assert_eq!(file.read_at(0, data.len()).await.expect("read"), data);
        let huge = file
            .read_at(4096, usize::MAX / 2)
            .await
            .expect("absurd length is clamped");
        assert_eq!(huge, data[4096..].to_vec());
        file.close().await.expect("close");
    });
}

#[test]
fn dma_alignment_is_at_least_one_sector_and_file_names_are_checked() {
    run_on_dma_dir(|dir| async move {
        let file = dir.create_file("f").await.expect("create");
        assert!(file.alignment_bytes() >= 512);
        assert!(file.alignment_bytes().is_power_of_two());
        assert!(matches!(
            dir.create_file("../escape").await,
            Err(DiskError::Io { .. })
        ));
    });
}

/// Regression: glommio 0.9 probes io_poll support by reading the first file a thread opens on a
/// device; an empty file fooled it, and every later read failed with EOPNOTSUPP on this virtio
/// disk. `iopoll_probe` opens a non-empty probe file first.
#[test]
fn dma_reads_work_when_the_first_file_opened_on_a_thread_is_empty() {
    run_on_dma_dir(|dir| async move {
        let empty = dir.create_file("empty-first").await.expect("create");
        assert!(empty.read_at(0, 4096).await.expect("read empty").is_empty());
        let block = vec![5u8; empty.alignment_bytes()];
        empty.write_at(0, &block).await.expect("write");
        assert_eq!(empty.read_at(0, block.len()).await.expect("read"), block);
        assert_eq!(
            dir.list_files().await.expect("list"),
            vec!["empty-first".to_owned()],
            "probe file is gone"
        );
    });
}
