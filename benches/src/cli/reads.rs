//! `bench reads`: catch-up reads (write `--entries`, then read them all back as fast as
//! `--max-outstanding` allows) and tailing reads (a writer at `--rate`; each entry is read on a
//! second connection as soon as its add is acknowledged).
//!
//! Tailing latency is end to end, from the add's intended send time to the entry read back
//! (open loop, coordinated-omission corrected); the read-after-ack part is reported separately.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::disk::probe_before_load;
use super::target::{connect, TargetArgs};
use super::writes::unix_time;
use super::{runtime, seconds, DiskProbeArgs, OutputArgs};
use crate::harness::bookie_target::BookieTarget;
use crate::harness::load::{latency_histogram, run_ops, LoadConfig, Op};
use crate::harness::progress::Progress;
use crate::harness::report::{Host, Measured, RunReport};
use crate::harness::stats::{Percentiles, Recorded};
use crate::harness::{AddTarget, BenchError, EntryPosition, ReadTarget};

/// The kind of read load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReadMode {
    /// Write `--entries`, then read them back.
    Catchup,
    /// Read every entry right after its add is acknowledged.
    Tailing,
}

/// `bench reads` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct ReadsArgs {
    /// What to read from.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Catch-up or tailing.
    #[arg(long, value_enum, default_value = "catchup")]
    pub mode: ReadMode,
    /// Payload bytes per entry.
    #[arg(long, default_value_t = 1024)]
    pub entry_bytes: usize,
    /// Catch-up: entries written, then read back.
    #[arg(long, default_value_t = 100_000)]
    pub entries: u64,
    /// Operations in flight at most (catch-up: reads; tailing: adds, each with its read).
    #[arg(long, default_value_t = 1000)]
    pub max_outstanding: usize,
    /// Tailing: adds per second of the writer.
    #[arg(long, default_value_t = 1000.0)]
    pub rate: f64,
    /// Tailing: seconds measured.
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// Tailing: seconds before the measurement starts.
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

/// Runs `bench reads`.
pub fn run(args: &ReadsArgs) -> Result<(), BenchError> {
    if args.entry_bytes == 0 {
        return Err(BenchError::BadFlag {
            flag: "entry-bytes",
            message: "must be at least 1".to_owned(),
        });
    }
    let quorums = args.target.quorums()?;
    let target_config = args.target.bookie_config()?;
    let protocol = format!("{:?}", target_config.protocol).to_lowercase();
    let ledgers = target_config.ledgers;
    let runtime = runtime(args.threads)?;
    let writer = runtime.block_on(connect(target_config.clone()))?;
    let reader = runtime.block_on(connect(target_config))?;
    let description = writer.describe();
    let load_before = Host::load_average();
    let disk = probe_before_load(&args.disk, args.output.quiet)?;
    let (config, recorded, secondary, kind, measures) = match args.mode {
        ReadMode::Catchup => {
            let (config, recorded) = runtime.block_on(catch_up(args, writer, reader))?;
            (
                config,
                recorded,
                None,
                "reads-catchup",
                "read, from send to answer",
            )
        }
        ReadMode::Tailing => {
            let (config, recorded, after_ack) = runtime.block_on(tailing(args, writer, reader))?;
            (
                config,
                recorded,
                Some(after_ack),
                "reads-tailing",
                "add scheduled (intended send time) to entry read back by the tailing reader",
            )
        }
    };
    let measured = Measured::of(&recorded);
    let (latency, percentile_curve, timeline) = RunReport::latency_fields(&recorded);
    let mut report = RunReport {
        kind: kind.to_owned(),
        target: description,
        protocol,
        entry_bytes: args.entry_bytes,
        ledgers,
        quorums,
        rate_target: config.rate,
        max_outstanding: args.max_outstanding,
        warmup_seconds: recorded.warmup_seconds,
        measured_seconds: recorded.measured_seconds,
        ops: measured.ops,
        ops_per_second: measured.ops_per_second,
        mb_per_second: measured.mb_per_second,
        unissued: recorded.unissued,
        latency,
        latency_measures: measures.to_owned(),
        latency_from_send: None,
        secondary_latency: secondary,
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

async fn catch_up(
    args: &ReadsArgs,
    writer: Arc<BookieTarget>,
    reader: Arc<BookieTarget>,
) -> Result<(LoadConfig, Recorded), BenchError> {
    if args.entries == 0 {
        return Err(BenchError::BadFlag {
            flag: "entries",
            message: "must be at least 1".to_owned(),
        });
    }
    let fill = LoadConfig {
        entry_bytes: args.entry_bytes,
        rate: None,
        max_outstanding: args.max_outstanding,
        warmup: Duration::ZERO,
        duration: Duration::from_secs(24 * 3600),
        drain_timeout: Duration::from_secs(30),
        limit: Some(args.entries),
    };
    let positions: Arc<Mutex<Vec<EntryPosition>>> = Arc::default();
    let payload = Bytes::from(vec![0x6bu8; args.entry_bytes]);
    let add: Op = {
        let positions = Arc::clone(&positions);
        Arc::new(move |_| {
            let answer = writer.add(payload.clone());
            let positions = Arc::clone(&positions);
            Box::pin(async move {
                let position = answer.await?;
                positions
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(position);
                Ok(())
            })
        })
    };
    let progress = Progress::new("filling", Duration::from_secs(10), args.output.quiet);
    run_ops(add, &fill, &progress).await?;
    let positions: Arc<Vec<EntryPosition>> = Arc::new(std::mem::take(
        &mut *positions.lock().unwrap_or_else(PoisonError::into_inner),
    ));
    let read_config = LoadConfig {
        limit: Some(positions.len() as u64),
        ..fill
    };
    let read: Op = Arc::new(move |index| {
        let position = positions.get(index as usize).copied();
        let answer = position.map(|position| reader.read(position));
        Box::pin(async move {
            match answer {
                Some(answer) => answer.await.map(drop),
                None => Err(BenchError::Other(format!("no entry number {index}"))),
            }
        })
    });
    let progress = Progress::new("reading", Duration::from_secs(10), args.output.quiet);
    let recorded = run_ops(read, &read_config, &progress).await?;
    Ok((read_config, recorded))
}

async fn tailing(
    args: &ReadsArgs,
    writer: Arc<BookieTarget>,
    reader: Arc<BookieTarget>,
) -> Result<(LoadConfig, Recorded, Percentiles), BenchError> {
    let config = LoadConfig {
        entry_bytes: args.entry_bytes,
        rate: Some(args.rate),
        max_outstanding: args.max_outstanding,
        warmup: seconds("warmup", args.warmup)?,
        duration: seconds("duration", args.duration)?,
        drain_timeout: Duration::from_secs(30),
        limit: None,
    };
    let measured_from = Instant::now() + config.warmup;
    let after_ack = Arc::new(Mutex::new(latency_histogram()?));
    let payload = Bytes::from(vec![0x74u8; args.entry_bytes]);
    let op: Op = {
        let after_ack = Arc::clone(&after_ack);
        Arc::new(move |_| {
            let added = writer.add(payload.clone());
            let (reader, after_ack) = (Arc::clone(&reader), Arc::clone(&after_ack));
            Box::pin(async move {
                let position = added.await?;
                let acked = Instant::now();
                let body = reader.read(position).await?;
                if body.is_empty() {
                    return Err(BenchError::Protocol(format!(
                        "read of acknowledged entry {position:?} returned no body"
                    )));
                }
                if acked >= measured_from {
                    let nanos = u64::try_from(acked.elapsed().as_nanos()).unwrap_or(u64::MAX);
                    after_ack
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .saturating_record(nanos.max(1));
                }
                Ok(())
            })
        })
    };
    let progress = Progress::new(
        "tailing",
        config.warmup + config.duration,
        args.output.quiet,
    );
    let recorded = run_ops(op, &config, &progress).await?;
    let after_ack = Percentiles::of(&after_ack.lock().unwrap_or_else(PoisonError::into_inner));
    Ok((config, recorded, after_ack))
}
