//! The journal load: one producer thread keeps a window of appends in flight on a
//! [`JournalThread`] (blocking `O_DIRECT` writes, fdatasync on a sync thread) and counts
//! acknowledgements for a fixed time.

use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use crossbeam::channel::unbounded;
use disk::posix::PosixDir;
use journal::{JournalConfig, JournalStats, JournalThread, Record, SyncOffloadDir};

/// What the journal achieved.
#[derive(Debug, Clone, Copy)]
pub struct JournalResult {
    /// Records acknowledged as durable.
    pub records: u64,
    /// Seconds measured.
    pub seconds: f64,
    /// The journal's counters (bytes written, syncs).
    pub stats: JournalStats,
}

impl JournalResult {
    /// Entry payload bytes acknowledged per second.
    pub fn payload_bytes_per_second(&self, entry_bytes: usize) -> f64 {
        (self.records * entry_bytes as u64) as f64 / self.seconds
    }

    /// Journal bytes (framing, marks, padding included) made durable per second.
    pub fn written_bytes_per_second(&self) -> f64 {
        self.stats.bytes_written as f64 / self.seconds
    }

    /// Mean bytes per fdatasync.
    pub fn bytes_per_sync(&self) -> f64 {
        self.stats.bytes_written as f64 / self.stats.syncs.max(1) as f64
    }
}

/// The journal configuration the benchmark runs (and the bookie's default shape).
pub fn bench_config() -> JournalConfig {
    JournalConfig {
        batch_bytes_max: 4 << 20,
        preallocate_step_bytes: 64 << 20,
        file_bytes_max: 1 << 30,
        queued_records_max: 200_000,
        queued_bytes_max: 256 << 20,
        ..JournalConfig::default()
    }
}

/// Runs `window_records` appends in flight of `entry_bytes` each, for `duration`, in a fresh
/// journal under `dir`.
pub fn run(dir: &Path, entry_bytes: usize, window_records: usize, duration: Duration) -> Result<JournalResult, String> {
    let owned = dir.to_path_buf();
    let thread = JournalThread::spawn(
        "journal-bench",
        move || SyncOffloadDir::new(PosixDir::open(&owned)?, "journal-bench-sync"),
        bench_config(),
    )
    .map_err(|error| error.to_string())?;
    let body = Bytes::from(vec![0xa5u8; entry_bytes]);
    let (done_sender, done_receiver) = unbounded::<bool>();
    let started = Instant::now();
    let mut in_flight = 0usize;
    let mut acknowledged = 0u64;
    let mut entry_id = 0i64;
    loop {
        let sending = started.elapsed() < duration;
        while sending && in_flight < window_records {
            let done = done_sender.clone();
            let record = Record::Entry { ledger_id: entry_id % 64, entry_id, body: body.clone() };
            thread.append_with_callback(record, Box::new(move |result| {
                let _ = done.send(result.is_ok());
            }));
            entry_id += 1;
            in_flight += 1;
        }
        if in_flight == 0 {
            break;
        }
        let first = done_receiver.recv().map_err(|error| error.to_string())?;
        let mut outcomes = vec![first];
        outcomes.extend(done_receiver.try_iter());
        for ok in outcomes {
            in_flight -= 1;
            if !ok {
                return Err("journal append failed".to_owned());
            }
            acknowledged += 1;
        }
    }
    // Every record sent was acknowledged: the window drained, so counts and time agree.
    let seconds = started.elapsed().as_secs_f64();
    let stats = thread.shutdown().map_err(|error| error.to_string())?;
    Ok(JournalResult { records: acknowledged, seconds, stats })
}
