//! Recording latencies and throughput over time, and summarizing them for reports.
//!
//! Latencies are kept in an HdrHistogram in nanoseconds (3 significant digits); throughput is
//! bucketed per second of completion time since the start, warm-up included, so the plot shows
//! the warm-up too.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

use super::error::BenchError;
use super::load::latency_histogram;

/// Collects one run's completions.
pub struct Recorder {
    histogram: Histogram<u64>,
    from_send: Histogram<u64>,
    timeline: Vec<u64>,
    warmup: Duration,
    duration: Duration,
    entry_bytes: usize,
    measured_ops: u64,
    completed_in_window: u64,
}

/// What a run recorded.
pub struct Recorded {
    /// Latency of measured operations, ns (open loop: from the intended send time).
    pub histogram: Histogram<u64>,
    /// Latency of the same operations from when each was handed to the target, ns: what
    /// BookKeeper's own benchmark client measures (equal to `histogram` in a closed loop).
    pub from_send: Histogram<u64>,
    /// Operations completed in each second since the start (warm-up included).
    pub timeline: Vec<u64>,
    /// Measured operations acknowledged.
    pub measured_ops: u64,
    /// Operations (measured or not) completed inside the measured window.
    pub completed_in_window: u64,
    /// Seconds of warm-up.
    pub warmup_seconds: f64,
    /// Seconds measured.
    pub measured_seconds: f64,
    /// Payload bytes per operation.
    pub entry_bytes: usize,
    /// Open loop: operations due in the window that were never sent because every slot stayed
    /// busy until the end (the target could not keep up with the rate).
    pub unissued: u64,
}

impl Recorder {
    /// A recorder for a run of `warmup` then `duration`.
    pub fn new(
        warmup: Duration,
        duration: Duration,
        entry_bytes: usize,
    ) -> Result<Self, BenchError> {
        Ok(Self {
            histogram: latency_histogram()?,
            from_send: latency_histogram()?,
            timeline: Vec::new(),
            warmup,
            duration,
            entry_bytes,
            measured_ops: 0,
            completed_in_window: 0,
        })
    }

    /// One operation, due at `due`, handed to the target at `sent`, completed at `done`.
    pub fn record(
        &mut self,
        start: Instant,
        due: Instant,
        sent: Instant,
        done: Instant,
        measured: bool,
    ) {
        let since_start = done.saturating_duration_since(start);
        let second = since_start.as_secs() as usize;
        if self.timeline.len() <= second {
            self.timeline.resize(second + 1, 0);
        }
        if let Some(count) = self.timeline.get_mut(second) {
            *count += 1;
        }
        if since_start >= self.warmup && since_start < self.warmup + self.duration {
            self.completed_in_window += 1;
        }
        if measured {
            let nanos = |from: Instant| {
                u64::try_from(done.saturating_duration_since(from).as_nanos())
                    .unwrap_or(u64::MAX)
                    .max(1)
            };
            self.histogram.saturating_record(nanos(due));
            self.from_send.saturating_record(nanos(sent));
            self.measured_ops += 1;
        }
    }

    /// The recorded run.
    pub fn finish(&self) -> Recorded {
        Recorded {
            histogram: self.histogram.clone(),
            from_send: self.from_send.clone(),
            timeline: self.timeline.clone(),
            measured_ops: self.measured_ops,
            completed_in_window: self.completed_in_window,
            warmup_seconds: self.warmup.as_secs_f64(),
            measured_seconds: self.duration.as_secs_f64(),
            entry_bytes: self.entry_bytes,
            unissued: 0,
        }
    }
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Percentiles {
    /// Operations in the histogram.
    pub count: u64,
    /// Minimum.
    pub min_us: f64,
    /// Mean.
    pub mean_us: f64,
    /// Median.
    pub p50_us: f64,
    /// 90th percentile.
    pub p90_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p99_9_us: f64,
    /// 99.99th percentile.
    pub p99_99_us: f64,
    /// Maximum.
    pub max_us: f64,
}

impl Percentiles {
    /// The percentiles of a nanosecond histogram.
    pub fn of(histogram: &Histogram<u64>) -> Self {
        let us = |nanos: u64| nanos as f64 / 1000.0;
        Self {
            count: histogram.len(),
            min_us: us(histogram.min()),
            mean_us: histogram.mean() / 1000.0,
            p50_us: us(histogram.value_at_quantile(0.5)),
            p90_us: us(histogram.value_at_quantile(0.9)),
            p99_us: us(histogram.value_at_quantile(0.99)),
            p99_9_us: us(histogram.value_at_quantile(0.999)),
            p99_99_us: us(histogram.value_at_quantile(0.9999)),
            max_us: us(histogram.max()),
        }
    }

    /// One line for the terminal.
    pub fn line(&self) -> String {
        format!(
            "p50 {} p90 {} p99 {} p99.9 {} p99.99 {} max {}",
            human_us(self.p50_us),
            human_us(self.p90_us),
            human_us(self.p99_us),
            human_us(self.p99_9_us),
            human_us(self.p99_99_us),
            human_us(self.max_us)
        )
    }
}

/// A latency in the unit that reads best.
pub fn human_us(us: f64) -> String {
    if us >= 10_000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.0} us")
    }
}

/// The percentile curve for plots: (percentile, latency in us) points from the median up to
/// the maximum, denser in the tail.
pub fn percentile_curve(histogram: &Histogram<u64>) -> Vec<(f64, f64)> {
    if histogram.is_empty() {
        return Vec::new();
    }
    let mut points: Vec<(f64, f64)> = histogram
        .iter_quantiles(5)
        .map(|step| {
            (
                step.quantile_iterated_to() * 100.0,
                step.value_iterated_to() as f64 / 1000.0,
            )
        })
        .filter(|(percentile, _)| *percentile < 100.0)
        .collect();
    points.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-9);
    points
}
