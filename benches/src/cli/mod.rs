//! The `bench` command line: one clap subcommand per benchmark, and the flags they share.
//!
//! Every flag error names the flag and the fix ([`BenchError::BadFlag`]); nothing here panics
//! on user input.

pub mod disk;
pub mod journal;
pub mod reads;
pub mod target;
pub mod writes;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::harness::BenchError;

/// The benchmark harness: disk ceilings, the journal alone, and adds and reads against a bookie,
/// every report with its ratio to the disk ceiling measured in the same run.
#[derive(Debug, Parser)]
#[command(name = "bench", version)]
pub struct Cli {
    /// What to measure.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// This machine's disk ceilings, measured the way fio does (O_DIRECT sequential write
    /// bandwidth, write+fdatasync latency at queue depth 1, pipelined group commit).
    Disk(disk::DiskArgs),
    /// The journal alone (no network) against the group-commit ceiling at the same sync size.
    Journal(journal::JournalArgs),
    /// Adds against one bookie or a cluster (--metadata-uri): throughput and latency
    /// percentiles, open loop with coordinated-omission correction at --rate.
    Writes(writes::WritesArgs),
    /// Catch-up reads (write, then read back) or tailing reads (read each entry once its add is
    /// acknowledged) against one bookie.
    Reads(reads::ReadsArgs),
}

/// Where the JSON report and the PNG go, and whether to draw progress bars.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Writes the report as JSON here.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
    /// Writes the latency percentile curve and throughput over time as PNG here.
    #[arg(long)]
    pub png_out: Option<PathBuf>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

/// The disk probe run before a load, so the report can state its ratio to the disk.
#[derive(Debug, Clone, clap::Args)]
pub struct DiskProbeArgs {
    /// Directory on the disk the bookie's journal uses (a real file system, not tmpfs).
    #[arg(long, default_value = "/var/tmp/bench-scratch")]
    pub disk_dir: PathBuf,
    /// Seconds for each disk probe before the load (write+fdatasync, group commit); 0 skips
    /// them and the ratios.
    #[arg(long, default_value_t = 2.0)]
    pub disk_seconds: f64,
    /// Bytes per write of the write+fdatasync probe.
    #[arg(long, default_value_t = 4096)]
    pub fsync_bytes: usize,
    /// Bytes per fdatasync of the group-commit ceiling.
    #[arg(long, default_value_t = 1 << 20)]
    pub ceiling_sync_bytes: usize,
    /// Writes the ceiling keeps ahead of the last completed fdatasync.
    #[arg(long, default_value_t = 4)]
    pub ceiling_in_flight: u64,
}

/// `seconds` from flag `flag` as a duration, refusing negative and non-finite values.
pub fn seconds(flag: &'static str, seconds: f64) -> Result<Duration, BenchError> {
    Duration::try_from_secs_f64(seconds).map_err(|_| BenchError::BadFlag {
        flag,
        message: format!("{seconds} is not a number of seconds >= 0"),
    })
}

/// A tokio runtime with `threads` workers.
pub fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, BenchError> {
    if threads == 0 {
        return Err(BenchError::BadFlag {
            flag: "threads",
            message: "must be at least 1".to_owned(),
        });
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|error| BenchError::io("starting the tokio runtime", error))
}
