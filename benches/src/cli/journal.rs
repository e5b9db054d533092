//! `bench journal` (and the `journal_bench` binary): journal throughput with durability on,
//! against the raw pipelined O_DIRECT + fdatasync ceiling at the same sync size, in the same run
//! on the same directory. No network. A short default run takes about 45 s.

use std::path::PathBuf;
use std::time::Duration;

use crate::{ceiling, journal_load};
use anyhow::Context;

/// Journal throughput vs the disk's pipelined group-commit ceiling.
#[derive(Debug, Clone, clap::Args)]
pub struct JournalArgs {
    /// Directory on a real disk (not tmpfs); a fresh subdirectory is used per case.
    #[arg(long, default_value = "/work/bench-scratch")]
    pub dir: PathBuf,
    /// Seconds per measurement (journal and ceiling each).
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Runs of every case (the disk is noisy: report ranges).
    #[arg(long, default_value_t = 2)]
    pub runs: usize,
    /// Entry sizes in bytes.
    #[arg(long, value_delimiter = ',', default_values_t = vec![100usize, 1024, 65536])]
    pub sizes: Vec<usize>,
    /// Bytes of appends kept in flight by the load generator.
    #[arg(long, default_value_t = 32 << 20)]
    pub window_bytes: usize,
    /// Journal engine: `glommio` (default, the measured choice) or `thread` (JournalThread: posix writes on a write thread, fdatasync on a
    /// sync thread). `glommio` runs the journal on one unpinned glommio executor over DmaDir.
    #[arg(long, default_value = "glommio")]
    pub engine: String,
    /// Overrides the journal's `writes_in_flight_max` (A/B runs).
    #[arg(long)]
    pub writes_in_flight: Option<usize>,
    /// Overrides the journal's `batch_bytes_max` (A/B runs; default: the journal's own, 1 MiB, as in the bookie).
    #[arg(long)]
    pub batch_bytes_max: Option<usize>,
    /// Overrides the journal's `dsync_batch_bytes_max` (A/B runs: 0 never writes durable
    /// (`O_DSYNC`); a huge value writes every batch started alone durable).
    #[arg(long)]
    pub dsync_batch_bytes_max: Option<usize>,
    /// Writes the ceiling keeps ahead of the last completed fdatasync.
    #[arg(long, default_value_t = 4)]
    pub ceiling_in_flight: u64,
}

struct Row {
    entry_bytes: usize,
    run: usize,
    entries_per_second: f64,
    payload_mb_per_second: f64,
    written_mb_per_second: f64,
    sync_kib: f64,
    ceiling_mb_per_second: f64,
    /// The journal thread's on-CPU nanoseconds per entry (glommio engine).
    cpu_ns_per_entry: f64,
    /// Share of the journal's wall time its thread ran / waited runnable for a CPU.
    on_cpu_share: f64,
    runqueue_share: f64,
}

/// Runs the benchmark and prints per-run rows and a summary.
pub fn run(args: &JournalArgs) -> anyhow::Result<()> {
    let duration = Duration::from_secs_f64(args.seconds);
    let _ = journal_load::CONFIG_OVERRIDE.set(journal_load::ConfigOverride {
        writes_in_flight_max: args.writes_in_flight,
        batch_bytes_max: args.batch_bytes_max,
        dsync_batch_bytes_max: args.dsync_batch_bytes_max,
    });
    let config = journal_load::bench_config();
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    println!(
        "journal_bench: engine {}, dir {} ({}), {} s per measurement, {} runs",
        args.engine,
        args.dir.display(),
        kernel(),
        args.seconds,
        args.runs
    );
    println!(
        "journal: batch_bytes_max {} B, writes_in_flight_max {}, dsync_batch_bytes_max {} B; load average {}",
        config.batch_bytes_max,
        config.writes_in_flight_max,
        config.dsync_batch_bytes_max,
        load_average()
    );
    let mut rows = Vec::new();
    for run in 1..=args.runs {
        for &entry_bytes in &args.sizes {
            let case_dir = args.dir.join(format!("journal-{entry_bytes}-{run}"));
            let _ = std::fs::remove_dir_all(&case_dir);
            std::fs::create_dir_all(&case_dir)?;
            let window_records = (args.window_bytes / entry_bytes).clamp(64, 100_000);
            let journal = match args.engine.as_str() {
                "thread" => journal_load::run(&case_dir, entry_bytes, window_records, duration),
                "glommio" => {
                    journal_load::run_glommio(&case_dir, entry_bytes, window_records, duration)
                }
                other => Err(format!("unknown engine {other}")),
            }
            .map_err(anyhow::Error::msg)?;
            let sync_bytes = (journal.bytes_per_sync().ceil() as usize)
                .div_ceil(4096)
                .max(1)
                * 4096;
            let file_bytes = ((2.5e9 * args.seconds) as u64).clamp(256 << 20, 16 << 30)
                / sync_bytes as u64
                * sync_bytes as u64;
            let ceiling = ceiling::run(
                &case_dir,
                sync_bytes,
                args.ceiling_in_flight,
                duration,
                file_bytes,
            )?;
            let _ = std::fs::remove_dir_all(&case_dir);
            let row = Row {
                entry_bytes,
                run,
                entries_per_second: journal.records as f64 / journal.seconds,
                payload_mb_per_second: journal.payload_bytes_per_second(entry_bytes) / 1e6,
                written_mb_per_second: journal.written_bytes_per_second() / 1e6,
                sync_kib: sync_bytes as f64 / 1024.0,
                ceiling_mb_per_second: ceiling.bytes_per_second / 1e6,
                cpu_ns_per_entry: journal.thread.map_or(f64::NAN, |thread| {
                    thread.on_cpu_ns as f64 / journal.records.max(1) as f64
                }),
                on_cpu_share: journal.thread.map_or(f64::NAN, |thread| {
                    thread.on_cpu_ns as f64 / 1e9 / journal.seconds
                }),
                runqueue_share: journal.thread.map_or(f64::NAN, |thread| {
                    thread.runqueue_wait_ns as f64 / 1e9 / journal.seconds
                }),
            };
            print_row(&row);
            rows.push(row);
        }
    }
    println!();
    println!("summary (ranges over runs; ratio = journal bytes written per second / ceiling at the same sync size;");
    println!("cpu ns/entry = the journal thread's on-CPU time per entry, runq = share of wall time it waited runnable for a CPU)");
    println!(
        "{:>8} | {:>22} | {:>20} | {:>20} | {:>20} | {:>14} | {:>14} | {:>12}",
        "entry",
        "entries/s",
        "payload MB/s",
        "journal MB/s",
        "ceiling MB/s",
        "ratio",
        "cpu ns/entry",
        "runq"
    );
    for &entry_bytes in &args.sizes {
        let mine: Vec<&Row> = rows
            .iter()
            .filter(|row| row.entry_bytes == entry_bytes)
            .collect();
        let range = |value: &dyn Fn(&Row) -> f64| {
            let values: Vec<f64> = mine.iter().map(|row| value(row)).collect();
            let low = values.iter().copied().fold(f64::INFINITY, f64::min);
            let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (low, high)
        };
        let entries = range(&|row| row.entries_per_second);
        let payload = range(&|row| row.payload_mb_per_second);
        let written = range(&|row| row.written_mb_per_second);
        let ceiling = range(&|row| row.ceiling_mb_per_second);
        let ratio = range(&|row| row.written_mb_per_second / row.ceiling_mb_per_second);
        let cpu = range(&|row| row.cpu_ns_per_entry);
        let runqueue = range(&|row| row.runqueue_share);
        println!(
            "{:>7}B | {:>10.0}-{:<11.0} | {:>9.1}-{:<10.1} | {:>9.1}-{:<10.1} | {:>9.1}-{:<10.1} | {:>6.2}-{:<7.2} | {:>6.0}-{:<7.0} | {:>5.2}-{:<6.2}",
            entry_bytes, entries.0, entries.1, payload.0, payload.1, written.0, written.1, ceiling.0, ceiling.1, ratio.0, ratio.1, cpu.0, cpu.1, runqueue.0, runqueue.1
        );
    }
    Ok(())
}

fn print_row(row: &Row) {
    println!(
        "entry {:>6} B run {}: journal {:>9.0} entries/s, payload {:>7.1} MB/s, written {:>7.1} MB/s, mean sync {:>7.1} KiB | ceiling {:>7.1} MB/s | ratio {:.2} | journal thread {:.0} cpu ns/entry, on cpu {:.2}, runq wait {:.2}",
        row.entry_bytes,
        row.run,
        row.entries_per_second,
        row.payload_mb_per_second,
        row.written_mb_per_second,
        row.sync_kib,
        row.ceiling_mb_per_second,
        row.written_mb_per_second / row.ceiling_mb_per_second,
        row.cpu_ns_per_entry,
        row.on_cpu_share,
        row.runqueue_share
    );
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn kernel() -> String {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|release| format!("kernel {}", release.trim()))
        .unwrap_or_default()
}
