//! A paced flush (a background checkpoint on a disk shared with the journal) spreads its entry
//! writes at the asked rate, and stops pausing once the active write-cache half is half full
//! again, so that adds never wait for a flush that is taking its time.

// Test code: helpers outside #[test] functions may unwrap too (clippy.toml covers only the tests).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use disk::faulty::FaultyDisk;
use futures_lite::future::{block_on, zip};
use ledger_store::CompactionRate;

#[test]
fn a_paced_flush_pauses_for_the_time_its_writes_may_take_at_the_rate() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..200);
    let (cached_bytes, _) = store.write_cache_bytes();
    let sleep = RecordingSleep::default();
    let rate_bytes_per_s = 1 << 20;
    let report =
        block_on(store.flush_paced(CompactionRate::BytesPerSecond(rate_bytes_per_s), &sleep))
            .unwrap();
    assert_eq!(report.entries_flushed, 200);
    assert_entries(&store, 1, 0..200);
    // One pause per write buffer (8 KiB here) of records, except the last partial one.
    let paced_bytes = sleep.total.get().as_secs_f64() * rate_bytes_per_s as f64;
    assert!(sleep.calls.get() >= 5, "{} pauses", sleep.calls.get());
    assert!(
        paced_bytes <= report.bytes_flushed as f64 && paced_bytes >= cached_bytes as f64 / 2.0,
        "paused for {:?}: {paced_bytes} bytes at the rate, {} flushed",
        sleep.total.get(),
        report.bytes_flushed
    );
    // Unpaced: no pause at all.
    add_entries(&store, 1, 200..400);
    let unpaced = RecordingSleep::default();
    block_on(store.flush_paced(CompactionRate::Unlimited, &unpaced)).unwrap();
    assert_eq!(unpaced.calls.get(), 0);
}

#[test]
fn a_paced_flush_stops_pausing_once_new_adds_half_fill_the_active_half() {
    let disk = FaultyDisk::new();
    let store = open(&disk, small_config());
    add_entries(&store, 1, 0..200);
    let sleep = RecordingSleep::default();
    // 1 byte per second: each pause would be days long; the recorder returns at once instead and
    // counts it. While the flush runs, adds fill more than half of the (emptied) active half.
    let half_bytes = small_config().write_cache_bytes_max / 2;
    let flush = store.flush_paced(CompactionRate::BytesPerSecond(1), &sleep);
    // `zip` polls the flush first: it runs to its first pause, then these adds run.
    let fill = async {
        let mut entry_id = 1000;
        while store.write_cache_bytes().0 * 2 < half_bytes {
            add_entries(&store, 2, entry_id..entry_id + 1);
            entry_id += 1;
        }
    };
    let (report, ()) = block_on(zip(flush, fill));
    assert_eq!(report.unwrap().entries_flushed, 200);
    assert!(
        sleep.calls.get() <= 1,
        "only the pause before the adds, then none: {} pauses",
        sleep.calls.get()
    );
    assert_entries(&store, 1, 0..200);
}
