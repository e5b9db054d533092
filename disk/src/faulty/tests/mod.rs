//! Behaviour tests of `FaultyDisk`, one file per concern: plain file and namespace semantics,
//! crashes and crash images, injected errors.

mod crash;
mod faults;
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
