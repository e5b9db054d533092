//! `PosixDir`/`PosixFile` against the shared conformance checks, plus sharing across threads.
//! Files live in a scratch directory on a persistent file system (see `crate::scratch`).

use futures_lite::future::block_on;

use super::{PosixDir, PosixFile};
use crate::conformance;
use crate::DurableDir;

fn temp_dir() -> (tempfile::TempDir, PosixDir) {
    let temp = crate::scratch::temp_dir("disk-posix-");
    let dir = PosixDir::open(temp.path()).expect("open dir");
    (temp, dir)
}

#[test]
fn posix_write_then_read_round_trips() {
    let (_temp, dir) = temp_dir();
    block_on(conformance::write_then_read_round_trips(&dir));
}

#[test]
fn posix_write_buffer_round_trips() {
    let (_temp, dir) = temp_dir();
    block_on(conformance::write_buffer_round_trips(&dir));
}

#[test]
fn posix_misaligned_writes_are_refused() {
    let (_temp, dir) = temp_dir();
    block_on(conformance::misaligned_writes_are_refused(&dir));
}

#[test]
fn posix_synced_data_reads_back_after_reopen() {
    let (_temp, dir) = temp_dir();
    block_on(conformance::synced_data_reads_back_after_reopen(&dir));
}

#[test]
fn posix_durable_writes_read_back_after_reopen() {
    let (_temp, dir) = temp_dir();
    block_on(conformance::durable_writes_read_back_after_reopen(&dir));
}

#[test]
fn posix_allocate_grows_with_zeros() {
    let (_temp, dir) = temp_dir();
    block_on(conformance::allocate_grows_with_zeros(&dir));
}

#[test]
fn posix_namespace_operations_follow_the_contract() {
    let (_temp, dir) = temp_dir();
    block_on(conformance::namespace_operations_follow_the_contract(&dir));
}

#[test]
fn posix_file_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PosixFile>();
    assert_send_sync::<PosixDir>();
}

/// Goal: a writer thread and a sync thread can share one file.
/// Method: the writer appends blocks through one clone while another thread syncs through a
/// second clone; after both finish, every block reads back.
#[test]
fn writer_and_syncer_threads_share_one_file() {
    let (_temp, dir) = temp_dir();
    let file = block_on(dir.create_file("shared")).expect("create");
    let syncer = file.try_clone().expect("clone");
    let blocks = 32u64;
    let writer = std::thread::spawn(move || {
        for block in 0..blocks {
            file.write_at_blocking(block * 4096, &[block as u8; 4096])
                .expect("write");
        }
    });
    let sync_thread = std::thread::spawn(move || {
        for _ in 0..8 {
            syncer.sync_blocking().expect("sync");
        }
        syncer
    });
    writer.join().expect("writer");
    let reader = sync_thread.join().expect("syncer");
    reader.sync_blocking().expect("final sync");
    for block in 0..blocks {
        assert_eq!(
            reader.read_at_blocking(block * 4096, 4096).expect("read"),
            vec![block as u8; 4096]
        );
    }
}

#[test]
fn aligned_caller_buffer_and_unaligned_one_write_the_same_bytes() {
    let (_temp, dir) = temp_dir();
    let file = block_on(dir.create_file("copy")).expect("create");
    let mut aligned = crate::AlignedBuffer::new_zeroed(8192, 4096).expect("buffer");
    aligned.as_mut_slice().fill(9);
    file.write_at_blocking(0, aligned.as_slice())
        .expect("zero-copy write");
    let unaligned = vec![9u8; 8192 + 1];
    file.write_at_blocking(8192, &unaligned[1..])
        .expect("copied write");
    assert_eq!(
        file.read_at_blocking(0, 16384).expect("read"),
        vec![9; 16384]
    );
}

#[test]
fn opening_a_missing_directory_fails() {
    assert!(PosixDir::open("/nonexistent/disk-test").is_err());
}
