//! `bench writes`: adds against one bookie or a cluster (through the client library), closed loop or open loop at `--rate`, with the disk ceiling measured first.

use super::disk::probe_before_load;
use super::target::{connect_adds, TargetArgs};
use super::{runtime, seconds, DiskProbeArgs, OutputArgs};
use crate::harness::load::{run_adds, LoadConfig};
use crate::harness::progress::Progress;
use crate::harness::report::{Host, Measured, RunReport};
use crate::harness::stats::Percentiles;
use crate::harness::BenchError;

/// `bench writes` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct WritesArgs {
    /// What to write to.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Payload bytes per entry.
    #[arg(long, default_value_t = 1024)]
    pub entry_bytes: usize,
    /// Adds in flight at most.
    #[arg(long, default_value_t = 1000)]
    pub max_outstanding: usize,
    /// Target adds per second (open loop; latency from each add's intended send time).
    /// Without it: closed loop, as fast as --max-outstanding allows.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Seconds of load before the measurement starts.
    #[arg(long, default_value_t = 2.0)]
    pub warmup: f64,
    /// tokio worker threads of the load generator. One (the default) keeps the driver, its
    /// pacer and every connection on one thread, with no wake-ups across threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// The disk probe before the load.
    #[command(flatten)]
    pub disk: DiskProbeArgs,
    /// Outputs.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `bench writes`.
pub fn run(args: &WritesArgs) -> Result<(), BenchError> {
    let config = LoadConfig {
        entry_bytes: args.entry_bytes,
        rate: args.rate,
        max_outstanding: args.max_outstanding,
        warmup: seconds("warmup", args.warmup)?,
        duration: seconds("duration", args.duration)?,
        drain_timeout: std::time::Duration::from_secs(30),
        limit: None,
    };
    config.validate()?;
    if args.entry_bytes == 0 {
        return Err(BenchError::BadFlag {
            flag: "entry-bytes",
            message: "must be at least 1".to_owned(),
        });
    }
    let quorums = args.target.quorums()?;
    let protocol = format!("{:?}", args.target.protocol).to_lowercase();
    let ledgers = args.target.ledgers;
    let runtime = runtime(args.threads)?;
    let target = runtime.block_on(connect_adds(&args.target))?;
    let load_before = Host::load_average();
    let disk = probe_before_load(&args.disk, args.output.quiet)?;
    let description = target.describe();
    let progress = Progress::new("writes", config.warmup + config.duration, args.output.quiet);
    let recorded = runtime.block_on(run_adds(target, &config, &progress))?;
    let measured = Measured::of(&recorded);
    let (latency, percentile_curve, timeline) = RunReport::latency_fields(&recorded);
    let mut report = RunReport {
        kind: "writes".to_owned(),
        target: description,
        protocol,
        entry_bytes: args.entry_bytes,
        ledgers,
        quorums,
        rate_target: args.rate,
        max_outstanding: args.max_outstanding,
        warmup_seconds: recorded.warmup_seconds,
        measured_seconds: recorded.measured_seconds,
        ops: measured.ops,
        ops_per_second: measured.ops_per_second,
        mb_per_second: measured.mb_per_second,
        unissued: recorded.unissued,
        latency,
        latency_measures: if args.rate.is_some() {
            "add, from intended send time to ack".to_owned()
        } else {
            "add, from send to ack".to_owned()
        },
        latency_from_send: args.rate.map(|_| Percentiles::of(&recorded.from_send)),
        secondary_latency: None,
        percentile_curve,
        timeline_ops_per_second: timeline,
        disk,
        ratios: None,
        host: Host::describe(load_before),
        unix_time: unix_time(),
    };
    report.compute_ratios();
    report.print();
    report.write_outputs(
        args.output.json_out.as_deref(),
        args.output.png_out.as_deref(),
    )
}

/// Seconds since the epoch.
pub fn unix_time() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}
