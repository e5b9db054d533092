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
    /// The executor thread's scheduler accounting over the measurement (glommio engine only; the
    /// thread runs the journal and the load generator's appends and completions).
    pub thread: Option<ThreadTime>,
}

/// On-CPU and run-queue time of one thread (`/proc/thread-self/schedstat`, nanoseconds).
#[derive(Debug, Clone, Copy, Default)]
pub struct ThreadTime {
    /// Time the thread ran.
    pub on_cpu_ns: u64,
    /// Time the thread was runnable but waited for a CPU (other processes had it).
    pub runqueue_wait_ns: u64,
}

impl ThreadTime {
    /// The calling thread's totals so far; zeros where the kernel does not expose them.
    pub fn now() -> ThreadTime {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        let mut fields = text
            .split_whitespace()
            .map(|field| field.parse::<u64>().unwrap_or(0));
        ThreadTime {
            on_cpu_ns: fields.next().unwrap_or(0),
            runqueue_wait_ns: fields.next().unwrap_or(0),
        }
    }

    /// The time between `earlier` and `self`.
    pub fn since(self, earlier: ThreadTime) -> ThreadTime {
        ThreadTime {
            on_cpu_ns: self.on_cpu_ns.saturating_sub(earlier.on_cpu_ns),
            runqueue_wait_ns: self
                .runqueue_wait_ns
                .saturating_sub(earlier.runqueue_wait_ns),
        }
    }
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

/// Overrides of [`bench_config`] for A/B runs (`journal_bench --writes-in-flight`,
/// `--batch-bytes-max`, `--dsync-batch-bytes-max`); set once before the first case.
pub static CONFIG_OVERRIDE: std::sync::OnceLock<ConfigOverride> = std::sync::OnceLock::new();

/// The journal settings an A/B run may override (`None`: the bench's default).
#[derive(Debug, Clone, Copy, Default)]
pub struct ConfigOverride {
    /// `JournalConfig::writes_in_flight_max`.
    pub writes_in_flight_max: Option<usize>,
    /// `JournalConfig::batch_bytes_max`.
    pub batch_bytes_max: Option<usize>,
    /// `JournalConfig::dsync_batch_bytes_max`.
    pub dsync_batch_bytes_max: Option<usize>,
}

/// The journal configuration the benchmark runs (and the bookie's default shape).
pub fn bench_config() -> JournalConfig {
    let overrides = CONFIG_OVERRIDE.get().copied().unwrap_or_default();
    let defaults = JournalConfig::default();
    JournalConfig {
        batch_bytes_max: overrides
            .batch_bytes_max
            .unwrap_or(defaults.batch_bytes_max),
        writes_in_flight_max: overrides
            .writes_in_flight_max
            .unwrap_or(defaults.writes_in_flight_max),
        dsync_batch_bytes_max: overrides
            .dsync_batch_bytes_max
            .unwrap_or(defaults.dsync_batch_bytes_max),
        preallocate_step_bytes: 64 << 20,
        file_bytes_max: 1 << 30,
        queued_records_max: 200_000,
        queued_bytes_max: 256 << 20,
        ..defaults
    }
}

/// Runs `window_records` appends in flight of `entry_bytes` each, for `duration`, in a fresh
/// journal under `dir`.
pub fn run(
    dir: &Path,
    entry_bytes: usize,
    window_records: usize,
    duration: Duration,
) -> Result<JournalResult, String> {
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
            let record = Record::Entry {
                ledger_id: entry_id % 64,
                entry_id,
                body: body.clone(),
            };
            thread.append_with_callback(
                record,
                Box::new(move |result| {
                    let _ = done.send(result.is_ok());
                }),
            );
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
    Ok(JournalResult {
        records: acknowledged,
        seconds,
        stats,
        thread: None,
    })
}

/// The same load with the journal on one glommio executor (unpinned) over `disk::dma::DmaDir`:
/// the producer is a task on the same executor, completions are local callbacks.
pub fn run_glommio(
    dir: &Path,
    entry_bytes: usize,
    window_records: usize,
    duration: Duration,
) -> Result<JournalResult, String> {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::task::{Poll, Waker};

    let owned = dir.to_path_buf();
    let handle = glommio::LocalExecutorBuilder::new(glommio::Placement::Unbound)
        .name("journal-bench-glommio")
        .spawn(move || async move {
            let dma = disk::dma::DmaDir::open(&owned).map_err(|error| error.to_string())?;
            let journal = journal::Journal::open(dma, bench_config(), journal::YieldOnce)
                .await
                .map_err(|error| error.to_string())?;
            let journal = Rc::new(journal);
            let writer = {
                let journal = Rc::clone(&journal);
                glommio::spawn_local(async move { journal.run_writer().await })
            };
            let body = Bytes::from(vec![0xa5u8; entry_bytes]);
            let in_flight = Rc::new(Cell::new(0usize));
            let acknowledged = Rc::new(Cell::new(0u64));
            let failed = Rc::new(Cell::new(false));
            let waker: Rc<RefCell<Option<Waker>>> = Rc::default();
            let started = Instant::now();
            let thread_started = ThreadTime::now();
            let mut entry_id = 0i64;
            while started.elapsed() < duration && !failed.get() {
                while in_flight.get() < window_records {
                    let (in_flight, acknowledged, failed, waker) = (
                        Rc::clone(&in_flight),
                        Rc::clone(&acknowledged),
                        Rc::clone(&failed),
                        Rc::clone(&waker),
                    );
                    in_flight.set(in_flight.get() + 1);
                    let record = Record::Entry {
                        ledger_id: entry_id % 64,
                        entry_id,
                        body: body.clone(),
                    };
                    journal.append_with_callback(
                        record,
                        Box::new(move |result| {
                            in_flight.set(in_flight.get() - 1);
                            match result {
                                Ok(_) => acknowledged.set(acknowledged.get() + 1),
                                Err(_) => failed.set(true),
                            }
                            if let Some(waker) = waker.borrow_mut().take() {
                                waker.wake();
                            }
                        }),
                    );
                    entry_id += 1;
                }
                futures_lite::future::poll_fn(|context| {
                    if in_flight.get() < window_records || failed.get() {
                        return Poll::Ready(());
                    }
                    *waker.borrow_mut() = Some(context.waker().clone());
                    Poll::Pending
                })
                .await;
            }
            journal.close();
            writer.await.map_err(|error| error.to_string())?;
            if failed.get() {
                return Err("journal append failed".to_owned());
            }
            let seconds = started.elapsed().as_secs_f64();
            let thread = ThreadTime::now().since(thread_started);
            Ok(JournalResult {
                records: acknowledged.get(),
                seconds,
                stats: journal.stats(),
                thread: Some(thread),
            })
        })
        .map_err(|error| error.to_string())?;
    handle.join().map_err(|error| error.to_string())?
}
