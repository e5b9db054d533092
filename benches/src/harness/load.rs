//! The load driver: issues operations (adds against any [`AddTarget`], or reads) on a tokio
//! runtime, closed loop (as fast as `max_outstanding` allows) or open loop at a target rate,
//! and records latency.
//!
//! Open loop with coordinated-omission correction: add `i` is due at `start + i / rate`; its
//! latency is measured from that *intended* time, not from when it was sent, so time spent
//! waiting for a free slot (the target is slow, `max_outstanding` is reached) counts against
//! the target, as it would for a real producer with a schedule.
//! Invariants:
//! - only adds due (open loop) or sent (closed loop) inside the measured window
//!   `[warmup, warmup + duration)` enter the histogram and the throughput;
//! - never more than `max_outstanding` adds are in flight;
//! - the driver waits for every add it sent (bounded by `drain_timeout`) before reporting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use tokio::sync::Semaphore;

use super::error::BenchError;
use super::pacer::Pacer;
use super::progress::Progress;
use super::stats::{Recorded, Recorder};
use super::target::{AddTarget, BoxFuture};

/// How long after the end of the window an open-loop driver that fell behind keeps sending
/// adds that were due inside it.
const LATE_SEND_MAX: Duration = Duration::from_secs(1);

/// One operation of a run: called with its sequence number, it must send its request before
/// returning (so the call order is the send order) and resolve when it is answered.
pub type Op = Arc<dyn Fn(u64) -> BoxFuture<Result<(), BenchError>> + Send + Sync>;

/// How to drive.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Payload bytes per add.
    pub entry_bytes: usize,
    /// Adds per second (open loop); `None` = closed loop at `max_outstanding`.
    pub rate: Option<f64>,
    /// Adds in flight at most.
    pub max_outstanding: usize,
    /// Unmeasured time first.
    pub warmup: Duration,
    /// Measured time.
    pub duration: Duration,
    /// How long to wait for outstanding adds at the end.
    pub drain_timeout: Duration,
    /// Stop after this many operations (catch-up reads); the measured time is then up to the
    /// last completion.
    pub limit: Option<u64>,
}

impl LoadConfig {
    /// Checks the values, naming the flag to fix.
    pub fn validate(&self) -> Result<(), BenchError> {
        if self.max_outstanding == 0 {
            return Err(BenchError::BadFlag {
                flag: "max-outstanding",
                message: "must be at least 1".to_owned(),
            });
        }
        if let Some(rate) = self.rate {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(BenchError::BadFlag {
                    flag: "rate",
                    message: format!("{rate} is not a positive number of adds per second; omit --rate for a closed-loop (peak) run"),
                });
            }
        }
        if self.duration.is_zero() {
            return Err(BenchError::BadFlag {
                flag: "duration",
                message: "must be more than 0 seconds".to_owned(),
            });
        }
        Ok(())
    }
}

/// Drives adds of `entry_bytes` against `target` for `warmup + duration`.
pub async fn run_adds(
    target: Arc<dyn AddTarget>,
    config: &LoadConfig,
    progress: &Progress,
) -> Result<Recorded, BenchError> {
    let payload = Bytes::from(vec![0x5au8; config.entry_bytes]);
    let op: Op = Arc::new(move |_| {
        let answer = target.add(payload.clone());
        Box::pin(async move { answer.await.map(drop) })
    });
    run_ops(op, config, progress).await
}

/// Drives `op` for `warmup + duration` (or `limit` operations); returns what was recorded.
///
/// The driving loop runs as a task on the runtime's workers, never on the thread that called
/// `block_on`: there, every wake-up of the pacer (one per add at a fixed rate) would be a
/// cross-thread hand-off from the worker that polled its timer.
pub async fn run_ops(
    op: Op,
    config: &LoadConfig,
    progress: &Progress,
) -> Result<Recorded, BenchError> {
    config.validate()?;
    tokio::spawn(drive(op, config.clone(), progress.clone()))
        .await
        .map_err(|error| BenchError::Other(format!("the load driver task failed: {error}")))?
}

/// The body of [`run_ops`].
async fn drive(op: Op, config: LoadConfig, progress: Progress) -> Result<Recorded, BenchError> {
    let (config, progress) = (&config, &progress);
    let recorder = Arc::new(Mutex::new(Recorder::new(
        config.warmup,
        config.duration,
        config.entry_bytes,
    )?));
    let slots = Arc::new(Semaphore::new(config.max_outstanding));
    let acknowledged = Arc::new(AtomicU64::new(0));
    let first_error: Arc<Mutex<Option<BenchError>>> = Arc::default();
    let start = Instant::now();
    let measured_from = start + config.warmup;
    let end = measured_from + config.duration;
    let ticker = progress.follow(start, Arc::clone(&acknowledged));
    let mut pacer = Pacer::new()?;
    let mut issued = 0u64;
    let mut due_in_window = 0u64;
    loop {
        let now = Instant::now();
        let due = match config.rate {
            Some(rate) => start + Duration::from_secs_f64(issued as f64 / rate),
            None => now,
        };
        // Open loop: every add due before the end is sent, late if the target is behind, but
        // sending stops LATE_SEND_MAX after the end (the rest is reported as unissued).
        if due >= end
            || now >= end + LATE_SEND_MAX
            || config.limit.is_some_and(|limit| issued >= limit)
            || first_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_some()
        {
            break;
        }
        if due > now {
            pacer.wait_until(due).await?;
            continue;
        }
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            break;
        };
        // Closed loop: the add is due when a slot frees up.
        let due = if config.rate.is_some() {
            due
        } else {
            Instant::now()
        };
        let measured = due >= measured_from && due < end;
        due_in_window += u64::from(measured);
        let sent = Instant::now();
        let answer = op(issued);
        let (recorder, acknowledged, first_error) = (
            Arc::clone(&recorder),
            Arc::clone(&acknowledged),
            Arc::clone(&first_error),
        );
        tokio::spawn(async move {
            let result = answer.await;
            let done = Instant::now();
            match result {
                Ok(_) => {
                    acknowledged.fetch_add(1, Ordering::Relaxed);
                    recorder
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .record(start, due, sent, done, measured);
                }
                Err(error) => {
                    let mut first = first_error.lock().unwrap_or_else(PoisonError::into_inner);
                    first.get_or_insert(error);
                }
            }
            // Freed only after recording, so a drained driver has every record.
            drop(slot);
        });
        issued += 1;
    }
    let drained = tokio::time::timeout(
        config.drain_timeout,
        slots.acquire_many(config.max_outstanding as u32),
    )
    .await;
    ticker.abort();
    progress.finish();
    if let Some(error) = first_error
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
    {
        return Err(error);
    }
    if drained.is_err() {
        return Err(BenchError::Timeout(
            config.max_outstanding - slots.available_permits(),
            config.drain_timeout,
        ));
    }
    let mut recorded = recorder
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .finish();
    if config.limit.is_some() {
        let elapsed = Instant::now().saturating_duration_since(measured_from);
        recorded.measured_seconds = recorded.measured_seconds.min(elapsed.as_secs_f64());
    }
    if let Some(rate) = config.rate {
        let scheduled = (rate * config.duration.as_secs_f64()).floor() as u64;
        recorded.unissued = scheduled.saturating_sub(due_in_window);
    }
    Ok(recorded)
}

/// An empty latency histogram in nanoseconds (1 ns to 1 hour, 3 significant digits).
pub fn latency_histogram() -> Result<Histogram<u64>, BenchError> {
    Histogram::new_with_bounds(1, 3_600_000_000_000, 3)
        .map_err(|error| BenchError::Other(format!("histogram: {error}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config() -> LoadConfig {
        LoadConfig {
            entry_bytes: 100,
            rate: Some(1000.0),
            max_outstanding: 10,
            warmup: Duration::ZERO,
            duration: Duration::from_millis(300),
            drain_timeout: Duration::from_secs(5),
            limit: None,
        }
    }

    #[test]
    fn bad_rates_and_zero_outstanding_name_their_flag() {
        let zero_rate = LoadConfig {
            rate: Some(0.0),
            ..config()
        };
        assert!(zero_rate
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("--rate"));
        let no_slots = LoadConfig {
            max_outstanding: 0,
            ..config()
        };
        assert!(no_slots
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("--max-outstanding"));
    }

    #[test]
    fn open_loop_latency_counts_the_wait_for_a_slot_from_the_intended_time() {
        // One slot, an operation taking 20 ms, 1000 ops/s wanted: the target falls behind, so
        // latencies measured from the intended time grow far beyond the 20 ms service time.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let op: Op = Arc::new(|_| {
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(())
            })
        });
        let config = LoadConfig {
            max_outstanding: 1,
            ..config()
        };
        let progress = Progress::new("test", config.duration, true);
        let recorded = runtime.block_on(run_ops(op, &config, &progress)).unwrap();
        assert!(recorded.measured_ops > 0);
        assert!(recorded.unissued > 0, "the schedule could not be kept");
        assert!(
            recorded.histogram.max() > 100_000_000,
            "max latency {} ns should include the queueing",
            recorded.histogram.max()
        );
    }

    #[test]
    fn closed_loop_stops_at_the_limit_and_records_every_operation() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let op: Op = Arc::new(|_| Box::pin(async { Ok(()) }));
        let config = LoadConfig {
            rate: None,
            duration: Duration::from_secs(60),
            limit: Some(500),
            ..config()
        };
        let progress = Progress::new("test", config.duration, true);
        let recorded = runtime.block_on(run_ops(op, &config, &progress)).unwrap();
        assert_eq!(recorded.measured_ops, 500);
        assert_eq!(recorded.histogram.len(), 500);
        assert!(recorded.measured_seconds < 60.0);
    }
}
