//! Behaviour tests of `FaultyDisk`, one file per concern: plain file and namespace semantics,
//! crashes and crash images, injected errors.

mod crash;
mod faults;
mod model;
mod namespace;

use futures_lite::future::block_on;

use super::{FaultyDir, FaultyFile};
use crate::{DurableDir, DurableFile};

/// `len` bytes of `value`: one easily recognised pattern per write.
fn filled(value: u8, len: usize) -> Vec<u8> {
    vec![value; len]
}

/// Creates `name` in `dir`, writes `data` at 0 and returns the file.
fn create_with(dir: &FaultyDir, name: &str, data: &[u8]) -> FaultyFile {
    block_on(async {
        let file = dir.create_file(name).await.expect("create");
        file.write_at(0, data).await.expect("write");
        file
    })
}

/// The whole content of `dir/name`.
fn read_all(dir: &FaultyDir, name: &str) -> Vec<u8> {
    block_on(async {
        let file = dir.open_file(name).await.expect("open");
        let len = file.size_bytes().await.expect("size");
        file.read_at(0, usize::try_from(len).expect("fits"))
            .await
            .expect("read")
    })
}

mod conformance {
    use futures_lite::future::block_on;

    use crate::conformance;
    use crate::faulty::FaultyDisk;

    #[test]
    fn faulty_disk_passes_the_shared_conformance_checks() {
        let disk = FaultyDisk::new();
        block_on(conformance::write_then_read_round_trips(&disk.dir("a")));
        block_on(conformance::misaligned_writes_are_refused(&disk.dir("b")));
        block_on(conformance::synced_data_reads_back_after_reopen(
            &disk.dir("c"),
        ));
        block_on(conformance::allocate_grows_with_zeros(&disk.dir("d")));
        block_on(conformance::namespace_operations_follow_the_contract(
            &disk.dir("e"),
        ));
        block_on(conformance::write_buffer_round_trips(&disk.dir("f")));
        block_on(conformance::durable_writes_read_back_after_reopen(
            &disk.dir("g"),
        ));
    }
}
