//! Goal: crash images agree with a trivial reference model over a random workload.
//! Method: a seeded workload of aligned writes and syncs on one file; before each sync the hook
//! takes an untorn and a torn crash image. The untorn image must equal the file's content right
//! after the previous sync; every 512-byte sector of the torn image must equal that same sector
//! either in the previous-sync content or in the current written content (or be zeros past it).

use std::cell::RefCell;
use std::rc::Rc;

use futures_lite::future::block_on;

use super::read_all;
use crate::faulty::rng::Xorshift;
use crate::faulty::{FaultyDisk, TornWrites, SECTOR_BYTES};
use crate::{DurableDir, DurableFile};

const FILE_SECTORS_MAX: u64 = 64;
const OPERATIONS: usize = 400;

struct Checkpoint {
    point: u64,
    untorn: Vec<u8>,
    torn: Vec<u8>,
    written: Vec<u8>,
}

fn run_workload(seed: u64) -> (Vec<Checkpoint>, Vec<Vec<u8>>) {
    let disk = FaultyDisk::new();
    let dir = disk.dir("d");
    let checkpoints: Rc<RefCell<Vec<Checkpoint>>> = Rc::default();
    let sink = Rc::clone(&checkpoints);
    disk.on_sync_point(Box::new(move |point, disk| {
        // Before the first sync_dir takes effect the file has no durable name: read it as empty.
        let read = |image: &FaultyDisk| {
            let dir = image.dir("d");
            let names = block_on(dir.list_files()).expect("list");
            if names.is_empty() {
                Vec::new()
            } else {
                read_all(&dir, "f")
            }
        };
        sink.borrow_mut().push(Checkpoint {
            point,
            untorn: read(&disk.crash_image(TornWrites::None)),
            torn: read(&disk.crash_image(TornWrites::Seeded(point ^ seed))),
            written: read(disk),
        });
    }));
    let mut rng = Xorshift::new(seed);
    let file = block_on(dir.create_file("f")).expect("create");
    block_on(dir.sync_dir()).expect("sync_dir");
    // `synced[k]` is the content right after the k-th file sync (index 0: before any).
    let mut synced = vec![Vec::new()];
    for _ in 0..OPERATIONS {
        if rng.next_u64() & 3 == 0 {
            block_on(file.sync()).expect("sync");
            synced.push(read_all(&dir, "f"));
        } else {
            let sector = rng.next_u64() % FILE_SECTORS_MAX;
            let sectors = 1 + rng.next_u64() % 4;
            let fill = (rng.next_u64() % 255 + 1) as u8;
            let data = vec![fill; (sectors * SECTOR_BYTES) as usize];
            block_on(file.write_at(sector * SECTOR_BYTES, &data)).expect("write");
        }
    }
    let checkpoints = checkpoints.take();
    (checkpoints, synced)
}

#[test]
fn crash_images_match_the_reference_model_at_every_sync_point() {
    let mut torn_images_seen = 0;
    for seed in 0..4 {
        let (checkpoints, synced) = run_workload(seed);
        torn_images_seen += checkpoints
            .iter()
            .filter(|checkpoint| checkpoint.torn != checkpoint.untorn)
            .count();
        assert_eq!(
            checkpoints.len(),
            synced.len(),
            "one sync_dir plus one point per file sync"
        );
        // Point 1 is the sync_dir; point k >= 2 is file sync k-1, taken before it applied.
        for checkpoint in checkpoints.iter().skip(1) {
            let previous = &synced[(checkpoint.point - 2) as usize];
            assert_eq!(
                &checkpoint.untorn, previous,
                "seed {seed} point {}",
                checkpoint.point
            );
            for (index, torn_sector) in checkpoint.torn.chunks(SECTOR_BYTES as usize).enumerate() {
                let range = index * SECTOR_BYTES as usize..(index + 1) * SECTOR_BYTES as usize;
                let zeros = vec![0u8; torn_sector.len()];
                let old = previous.get(range.clone()).unwrap_or(&zeros);
                let new = checkpoint.written.get(range).unwrap_or(&zeros);
                assert!(
                    torn_sector == old || torn_sector == new,
                    "seed {seed} sector {index}"
                );
            }
        }
    }
    assert!(
        torn_images_seen > 0,
        "the workload must exercise torn writes"
    );
}

#[test]
fn same_seed_replays_identical_crash_images() {
    let (first, _) = run_workload(9);
    let (second, _) = run_workload(9);
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.torn, b.torn);
        assert_eq!(a.untorn, b.untorn);
    }
}
