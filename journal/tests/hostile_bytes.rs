//! Replay reads hostile bytes: whatever follows a valid header, it returns a report or a typed
//! error and never panics, and it never hands out a record that was not written.

use disk::faulty::FaultyDisk;
use disk::{DurableDir, DurableFile};
use futures_lite::future::block_on;
use journal::format::{FileHeader, Record};
use proptest::prelude::*;
use types::JournalPos;

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn replay_of_random_bytes_after_a_valid_header_never_panics(
        blocks in proptest::collection::vec(any::<u8>(), 0..4096),
        zero_len_prefix in any::<bool>(),
    ) {
        let disk = FaultyDisk::new();
        let dir = disk.dir("j");
        let mut bytes = FileHeader { journal_id: 1, alignment_bytes: 512 }.encode_block();
        let mut tail = blocks.clone();
        if zero_len_prefix && tail.len() >= 4 {
            tail[..4].copy_from_slice(&[0, 0, 0, 0]);
        }
        bytes.extend_from_slice(&tail);
        bytes.resize(bytes.len().div_ceil(512) * 512, 0);
        block_on(async {
            let file = dir.create_file("0000000000000001.journal").await.expect("create");
            file.write_at(0, &bytes).await.expect("write");
        });
        let mut seen: Vec<(JournalPos, Record)> = Vec::new();
        let outcome = block_on(journal::replay(&dir, JournalPos::ZERO, |pos, record| seen.push((pos, record))));
        if let Ok(report) = outcome {
            prop_assert_eq!(report.records_replayed as usize, seen.len());
        }
    }
}
