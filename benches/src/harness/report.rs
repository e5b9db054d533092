//! The report of a load run (`bench writes`, `bench reads`): what was run, what it achieved,
//! and its ratio to the disk ceilings measured in the same run; printed, written as JSON and
//! plotted.

use std::path::Path;

use serde::Serialize;

use super::disk::{FsyncProbe, GroupCommit};
use super::error::BenchError;
use super::plot::{render, PlotInput};
use super::stats::{percentile_curve, Percentiles, Recorded};

/// Quorum sizes of the written ledgers.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Quorums {
    /// Ensemble size E.
    pub ensemble: u32,
    /// Write quorum Qw.
    pub write_quorum: u32,
    /// Ack quorum Qa.
    pub ack_quorum: u32,
}

/// The disk ceilings measured before the load, in the same run.
#[derive(Debug, Clone, Serialize)]
pub struct DiskCeiling {
    /// The directory probed.
    pub dir: String,
    /// qd1 write + fdatasync.
    pub fsync: FsyncProbe,
    /// Pipelined group commit.
    pub group_commit: GroupCommit,
}

/// How close to the disk the run came.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Ratios {
    /// Latency p50 / the disk's write+fdatasync p50.
    pub p50_over_disk_fsync_p50: f64,
    /// Payload MB/s / the group-commit ceiling's MB/s.
    pub throughput_share_of_group_commit_ceiling: f64,
}

/// The host while the run ran.
#[derive(Debug, Clone, Serialize)]
pub struct Host {
    /// `/proc/loadavg` (1, 5, 15 min) before the load.
    pub load_average_before: String,
    /// The same after.
    pub load_average_after: String,
    /// CPUs online.
    pub cpus: usize,
    /// Kernel release.
    pub kernel: String,
}

impl Host {
    /// The load average now (other processes compete for the CPUs).
    pub fn load_average() -> String {
        std::fs::read_to_string("/proc/loadavg")
            .map(|text| {
                text.split_whitespace()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    }

    /// The host, with the load average taken before the run.
    pub fn describe(load_average_before: String) -> Self {
        Self {
            load_average_before,
            load_average_after: Self::load_average(),
            cpus: std::thread::available_parallelism().map_or(0, usize::from),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|release| release.trim().to_owned())
                .unwrap_or_default(),
        }
    }
}

/// One run's report (the JSON written by `--json-out`).
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// `writes`, `reads-catchup` or `reads-tailing`.
    pub kind: String,
    /// What was driven.
    pub target: String,
    /// v2 or v3.
    pub protocol: String,
    /// Payload bytes per entry.
    pub entry_bytes: usize,
    /// Ledgers written round-robin.
    pub ledgers: u64,
    /// E/Qw/Qa.
    pub quorums: Quorums,
    /// Open-loop rate, operations per second (`null` = closed loop).
    pub rate_target: Option<f64>,
    /// Operations in flight at most.
    pub max_outstanding: usize,
    /// Seconds of warm-up (not measured).
    pub warmup_seconds: f64,
    /// Seconds measured.
    pub measured_seconds: f64,
    /// Measured operations completed.
    pub ops: u64,
    /// Measured operations per second.
    pub ops_per_second: f64,
    /// Payload MB (10^6 bytes) per second.
    pub mb_per_second: f64,
    /// Open loop: operations due that were never sent because the target fell behind.
    pub unissued: u64,
    /// Latency of the measured operations (open loop: from the intended send time).
    pub latency: Percentiles,
    /// What `latency` measures.
    pub latency_measures: String,
    /// Open-loop writes: the latency of the same adds from when each was sent (not from its
    /// intended time), which is what BookKeeper's own benchmark client reports; the
    /// difference is time the load generator itself sent late.
    pub latency_from_send: Option<Percentiles>,
    /// A second latency where the kind has one (tailing reads: from the add's ack to the read).
    pub secondary_latency: Option<Percentiles>,
    /// (percentile, us) points of `latency`.
    pub percentile_curve: Vec<(f64, f64)>,
    /// Operations completed per second since the start, warm-up included.
    pub timeline_ops_per_second: Vec<u64>,
    /// The disk ceilings measured before the load (absent with `--disk-seconds 0`).
    pub disk: Option<DiskCeiling>,
    /// Ratios to `disk`.
    pub ratios: Option<Ratios>,
    /// The host.
    pub host: Host,
    /// Seconds since the Unix epoch when the report was made.
    pub unix_time: u64,
}

/// The measured part of a report.
pub struct Measured {
    /// Throughput fields: ops, ops/s, MB/s.
    pub ops: u64,
    /// Operations per second.
    pub ops_per_second: f64,
    /// Payload MB per second.
    pub mb_per_second: f64,
}

impl Measured {
    /// Throughput of a recorded run.
    pub fn of(recorded: &Recorded) -> Self {
        let seconds = recorded.measured_seconds.max(1e-9);
        let ops_per_second = recorded.measured_ops as f64 / seconds;
        Self {
            ops: recorded.measured_ops,
            ops_per_second,
            mb_per_second: ops_per_second * recorded.entry_bytes as f64 / 1e6,
        }
    }
}

impl RunReport {
    /// Fills the latency, curve and timeline from `recorded`.
    pub fn latency_fields(recorded: &Recorded) -> (Percentiles, Vec<(f64, f64)>, Vec<u64>) {
        (
            Percentiles::of(&recorded.histogram),
            percentile_curve(&recorded.histogram),
            recorded.timeline.clone(),
        )
    }

    /// The ratios to the disk ceiling, when one was measured.
    pub fn compute_ratios(&mut self) {
        self.ratios = self.disk.as_ref().map(|disk| Ratios {
            p50_over_disk_fsync_p50: self.latency.p50_us
                / disk.fsync.write_and_sync.p50_us.max(1e-9),
            throughput_share_of_group_commit_ceiling: self.mb_per_second
                / disk.group_commit.mb_per_second.max(1e-9),
        });
    }

    /// The summary for the terminal.
    pub fn print(&self) {
        println!("{} against {}", self.kind, self.target);
        println!(
            "  {} B entries, {} ledgers, E/Qw/Qa {}/{}/{}, {}, max outstanding {}, warm-up {:.1} s, measured {:.1} s",
            self.entry_bytes,
            self.ledgers,
            self.quorums.ensemble,
            self.quorums.write_quorum,
            self.quorums.ack_quorum,
            self.rate_target
                .map_or("closed loop".to_owned(), |rate| format!("open loop at {rate:.0} ops/s")),
            self.max_outstanding,
            self.warmup_seconds,
            self.measured_seconds
        );
        println!(
            "  {} ops: {:.0} ops/s, {:.1} MB/s{}",
            self.ops,
            self.ops_per_second,
            self.mb_per_second,
            if self.unissued > 0 {
                format!(
                    " ({} scheduled ops never sent: the target fell behind the rate)",
                    self.unissued
                )
            } else {
                String::new()
            }
        );
        println!(
            "  latency ({}): {}",
            self.latency_measures,
            self.latency.line()
        );
        if let Some(from_send) = &self.latency_from_send {
            println!(
                "  latency (add, from send to ack, as BookKeeper's benchmark measures): {}",
                from_send.line()
            );
        }
        if let Some(secondary) = &self.secondary_latency {
            println!("  read after ack: {}", secondary.line());
        }
        if let (Some(disk), Some(ratios)) = (&self.disk, &self.ratios) {
            println!(
                "  disk ({}): {} B write+fdatasync p50 {:.0} us ({:.0}/s); group-commit ceiling {:.0} MB/s at {} KiB syncs",
                disk.dir,
                disk.fsync.write_bytes,
                disk.fsync.write_and_sync.p50_us,
                disk.fsync.ops_per_second,
                disk.group_commit.mb_per_second,
                disk.group_commit.sync_bytes / 1024
            );
            println!(
                "  p50 = {:.2} x the disk's write+fdatasync p50; throughput = {:.1}% of the group-commit ceiling",
                ratios.p50_over_disk_fsync_p50,
                ratios.throughput_share_of_group_commit_ceiling * 100.0
            );
        }
        println!(
            "  load average {} before, {} after ({} CPUs)",
            self.host.load_average_before, self.host.load_average_after, self.host.cpus
        );
    }

    /// Writes the JSON and the PNG where asked.
    pub fn write_outputs(&self, json: Option<&Path>, png: Option<&Path>) -> Result<(), BenchError> {
        if let Some(path) = json {
            let text = serde_json::to_string_pretty(self)
                .map_err(|error| BenchError::Other(format!("report JSON: {error}")))?;
            std::fs::write(path, text)
                .map_err(|error| BenchError::io(format!("writing {}", path.display()), error))?;
            println!("  wrote {}", path.display());
        }
        if let Some(path) = png {
            let operation = if self.kind.starts_with("reads") {
                "reads"
            } else {
                "adds"
            };
            let title = format!(
                "{} {} B, {}, {:.0} {}/s, p50 {}, p99 {}",
                self.kind,
                self.entry_bytes,
                self.rate_target
                    .map_or("closed loop".to_owned(), |rate| format!("rate {rate:.0}/s")),
                self.ops_per_second,
                operation,
                super::stats::human_us(self.latency.p50_us),
                super::stats::human_us(self.latency.p99_us)
            );
            render(
                path,
                &PlotInput {
                    title,
                    curve: &self.percentile_curve,
                    timeline: &self.timeline_ops_per_second,
                    warmup_seconds: self.warmup_seconds,
                    operation,
                    latency_measures: &self.latency_measures,
                    run_seconds: self.warmup_seconds + self.measured_seconds,
                },
            )?;
            println!("  wrote {}", path.display());
        }
        Ok(())
    }
}
