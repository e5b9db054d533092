//! Per-core metrics and their Prometheus text exposition.
//!
//! Each core writes only its own [`CoreMetrics`] (relaxed atomics, no lock and no sharing of
//! cache lines between cores on the request path); the HTTP handler sums all cores when scraped.
//! Names follow BookKeeper's where one exists:
//! `bookkeeper_server_ADD_ENTRY_REQUEST` and `bookkeeper_server_READ_ENTRY_REQUEST` (request
//! latency, from the socket read that completed the request to its response queued, labelled
//! `success`), `bookie_ADD_ENTRY` and `bookie_READ_ENTRY` (latency of the storage operation on
//! the owning core; an add taken at once by the receiving core counts from the same read),
//! `bookie_SERVER_STATUS` (1 writable, 0 read-only), and the journal's counters
//! `bookie_journal_JOURNAL_SYNC_count`, `bookie_journal_JOURNAL_FLUSH_count` (group-commit
//! writes) and `bookie_journal_JOURNAL_WRITE_BYTES`. Latencies are histograms in milliseconds.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Bucket upper bounds in microseconds (the exposition prints them in milliseconds).
const BUCKET_BOUNDS_US: [u64; 16] = [
    50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 10_000_000,
];

/// A latency histogram with fixed buckets.
#[derive(Debug, Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKET_BOUNDS_US.len() + 1],
    sum_us: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn record(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let index = BUCKET_BOUNDS_US
            .iter()
            .position(|bound| micros <= *bound)
            .unwrap_or(BUCKET_BOUNDS_US.len());
        if let Some(bucket) = self.buckets.get(index) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        self.sum_us.fetch_add(micros, Ordering::Relaxed);
    }

    fn snapshot(&self) -> ([u64; BUCKET_BOUNDS_US.len() + 1], u64) {
        let mut counts = [0u64; BUCKET_BOUNDS_US.len() + 1];
        for (count, bucket) in counts.iter_mut().zip(&self.buckets) {
            *count = bucket.load(Ordering::Relaxed);
        }
        (counts, self.sum_us.load(Ordering::Relaxed))
    }
}

/// A success/failure pair of histograms (BookKeeper's OpStatsLogger).
#[derive(Debug, Default)]
pub struct OpStats {
    /// Successful operations.
    pub success: Histogram,
    /// Failed operations.
    pub failure: Histogram,
}

impl OpStats {
    /// Records one operation.
    pub fn record(&self, ok: bool, latency: Duration) {
        if ok {
            self.success.record(latency);
        } else {
            self.failure.record(latency);
        }
    }
}

/// One core's metrics.
#[derive(Debug, Default)]
pub struct CoreMetrics {
    /// `bookkeeper_server_ADD_ENTRY_REQUEST`.
    pub add_request: OpStats,
    /// `bookkeeper_server_READ_ENTRY_REQUEST`.
    pub read_request: OpStats,
    /// `bookie_ADD_ENTRY`.
    pub add_entry: OpStats,
    /// `bookie_READ_ENTRY`.
    pub read_entry: OpStats,
    /// Journal fsyncs (copied from the shard's journal).
    pub journal_syncs: AtomicU64,
    /// Journal group-commit writes.
    pub journal_batches: AtomicU64,
    /// Journal bytes written.
    pub journal_bytes_written: AtomicU64,
    /// Connections accepted.
    pub connections_accepted: AtomicU64,
    /// Connections closed because of a malformed frame.
    pub connections_closed_malformed: AtomicU64,
}

fn histogram_text(out: &mut String, name: &str, success: bool, histograms: &[&Histogram]) {
    let mut counts = [0u64; BUCKET_BOUNDS_US.len() + 1];
    let mut sum_us = 0u64;
    for histogram in histograms {
        let (core_counts, core_sum) = histogram.snapshot();
        for (total, count) in counts.iter_mut().zip(core_counts) {
            *total += count;
        }
        sum_us += core_sum;
    }
    let mut cumulative = 0u64;
    for (bound, count) in BUCKET_BOUNDS_US.iter().zip(counts) {
        cumulative += count;
        let le_ms = *bound as f64 / 1000.0;
        let _ = writeln!(
            out,
            "{name}_bucket{{success=\"{success}\",le=\"{le_ms}\"}} {cumulative}"
        );
    }
    cumulative += counts.last().copied().unwrap_or(0);
    let _ = writeln!(
        out,
        "{name}_bucket{{success=\"{success}\",le=\"+Inf\"}} {cumulative}"
    );
    let _ = writeln!(
        out,
        "{name}_sum{{success=\"{success}\"}} {}",
        sum_us as f64 / 1000.0
    );
    let _ = writeln!(out, "{name}_count{{success=\"{success}\"}} {cumulative}");
}

/// Picks one op-stats pair out of a core's metrics.
type OpStatsOf = fn(&CoreMetrics) -> &OpStats;
/// Picks one counter out of a core's metrics.
type CounterOf = fn(&CoreMetrics) -> &AtomicU64;

/// The Prometheus text exposition of all cores' metrics.
pub fn prometheus_text(cores: &[std::sync::Arc<CoreMetrics>], writable: bool) -> String {
    let mut out = String::new();
    let ops: [(&str, OpStatsOf); 4] = [
        ("bookkeeper_server_ADD_ENTRY_REQUEST", |core| {
            &core.add_request
        }),
        ("bookkeeper_server_READ_ENTRY_REQUEST", |core| {
            &core.read_request
        }),
        ("bookie_ADD_ENTRY", |core| &core.add_entry),
        ("bookie_READ_ENTRY", |core| &core.read_entry),
    ];
    for (name, stats) in ops {
        let _ = writeln!(out, "# TYPE {name} histogram");
        let success: Vec<&Histogram> = cores.iter().map(|core| &stats(core).success).collect();
        histogram_text(&mut out, name, true, &success);
        let failure: Vec<&Histogram> = cores.iter().map(|core| &stats(core).failure).collect();
        histogram_text(&mut out, name, false, &failure);
    }
    let counters: [(&str, CounterOf); 5] = [
        ("bookie_journal_JOURNAL_SYNC_count", |core| {
            &core.journal_syncs
        }),
        ("bookie_journal_JOURNAL_FLUSH_count", |core| {
            &core.journal_batches
        }),
        ("bookie_journal_JOURNAL_WRITE_BYTES", |core| {
            &core.journal_bytes_written
        }),
        ("bookie_connections_accepted", |core| {
            &core.connections_accepted
        }),
        ("bookie_connections_closed_malformed", |core| {
            &core.connections_closed_malformed
        }),
    ];
    for (name, counter) in counters {
        let total: u64 = cores
            .iter()
            .map(|core| counter(core).load(Ordering::Relaxed))
            .sum();
        let _ = writeln!(out, "# TYPE {name} counter\n{name} {total}");
    }
    let _ = writeln!(
        out,
        "# TYPE bookie_SERVER_STATUS gauge\nbookie_SERVER_STATUS {}",
        u8::from(writable)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn exposition_sums_cores_into_cumulative_buckets() {
        let cores = vec![
            Arc::new(CoreMetrics::default()),
            Arc::new(CoreMetrics::default()),
        ];
        cores[0].add_entry.record(true, Duration::from_micros(80));
        cores[1].add_entry.record(true, Duration::from_millis(3));
        let text = prometheus_text(&cores, true);
        assert!(
            text.contains("bookie_ADD_ENTRY_bucket{success=\"true\",le=\"0.1\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("bookie_ADD_ENTRY_count{success=\"true\"} 2"),
            "{text}"
        );
        assert!(text.contains("bookie_SERVER_STATUS 1"));
    }
}
