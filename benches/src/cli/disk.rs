//! `bench disk`: the disk ceilings, optionally side by side with fio's equivalent jobs; and the
//! short probe every load runs first ([`probe_before_load`]).

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{seconds, DiskProbeArgs};
use crate::harness::disk::{self, FsyncProbe, GroupCommit, SeqWrite};
use crate::harness::fio::{self, FioFsync, FioSeqWrite};
use crate::harness::progress::Progress;
use crate::harness::report::{DiskCeiling, Host};
use crate::harness::BenchError;

/// Bytes of the files the probes write (wrapped around, like fio's time-based runs).
const FILE_BYTES_DEFAULT: u64 = 1 << 30;

/// `bench disk` flags.
#[derive(Debug, Clone, clap::Args)]
pub struct DiskArgs {
    /// Directory on the disk to measure (a real file system, not tmpfs).
    #[arg(long, default_value = "/var/tmp/bench-scratch")]
    pub dir: PathBuf,
    /// Seconds per probe.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Bytes per write of the sequential bandwidth probe.
    #[arg(long, default_value_t = 1 << 20)]
    pub seq_block_bytes: usize,
    /// Writes in flight of the sequential bandwidth probe.
    #[arg(long, default_value_t = 4)]
    pub seq_queue_depth: usize,
    /// Bytes per write of the write+fdatasync probe.
    #[arg(long, default_value_t = 4096)]
    pub fsync_bytes: usize,
    /// Bytes per fdatasync of the group-commit ceiling.
    #[arg(long, default_value_t = 1 << 20)]
    pub ceiling_sync_bytes: usize,
    /// Writes the ceiling keeps ahead of the last completed fdatasync.
    #[arg(long, default_value_t = 4)]
    pub ceiling_in_flight: u64,
    /// Size of the files written (they wrap around).
    #[arg(long, default_value_t = FILE_BYTES_DEFAULT)]
    pub file_bytes: u64,
    /// Also runs fio's equivalent jobs (fio must be installed) and prints both.
    #[arg(long)]
    pub compare_fio: bool,
    /// Writes the results as JSON here.
    #[arg(long)]
    pub json_out: Option<PathBuf>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

/// `bench disk`'s report.
#[derive(Debug, Serialize)]
pub struct DiskReport {
    /// The directory measured.
    pub dir: String,
    /// Sequential O_DIRECT write bandwidth.
    pub seq_write: SeqWrite,
    /// qd1 write + fdatasync.
    pub fsync: FsyncProbe,
    /// Pipelined group-commit ceiling.
    pub group_commit: GroupCommit,
    /// fio's numbers for the first two, with `--compare-fio`.
    pub fio: Option<FioReport>,
    /// The host.
    pub host: Host,
}

/// fio's side of the comparison.
#[derive(Debug, Serialize)]
pub struct FioReport {
    /// `fio --version`.
    pub version: String,
    /// The sequential write job.
    pub seq_write: FioSeqWrite,
    /// The write + fdatasync job.
    pub fsync: FioFsync,
}

fn phase<T>(
    label: &str,
    duration: Duration,
    quiet: bool,
    work: impl FnOnce() -> Result<T, BenchError>,
) -> Result<T, BenchError> {
    let progress = Progress::new(label, duration, quiet);
    let done = Arc::new(AtomicU64::new(0));
    let ticker = progress.tick_while(Instant::now(), Arc::clone(&done));
    let result = work();
    done.store(1, std::sync::atomic::Ordering::Relaxed);
    let _ = ticker.join();
    progress.finish();
    result
}

/// Runs `bench disk`.
pub fn run(args: &DiskArgs) -> Result<(), BenchError> {
    let duration = seconds("seconds", args.seconds)?;
    if args.file_bytes < 64 << 20 {
        return Err(BenchError::BadFlag {
            flag: "file-bytes",
            message: "use at least 64 MiB (67108864) so the device, not a cache, is measured"
                .to_owned(),
        });
    }
    let fio_version = if args.compare_fio {
        Some(fio::version()?)
    } else {
        None
    };
    disk::prepare_dir(&args.dir, "dir")?;
    let load_before = Host::load_average();
    // With --compare-fio each fio job runs right after ours, so both see the same moment of
    // a noisy shared disk.
    let seq_write = phase("seq write", duration, args.quiet, || {
        disk::sequential_write(
            &args.dir,
            args.seq_block_bytes,
            args.seq_queue_depth,
            duration,
            args.file_bytes,
        )
    })?;
    let fio_seq_write = match fio_version {
        Some(_) => Some(phase("fio seq", duration, args.quiet, || {
            fio::seq_write(
                &args.dir,
                args.seq_block_bytes,
                args.seq_queue_depth,
                duration,
                args.file_bytes,
            )
        })?),
        None => None,
    };
    let fsync = phase("fdatasync", duration, args.quiet, || {
        disk::fsync_latency(&args.dir, args.fsync_bytes, duration, args.file_bytes)
    })?;
    let fio = match (fio_version, fio_seq_write) {
        (Some(version), Some(seq_write)) => {
            let fsync = phase("fio fsync", duration, args.quiet, || {
                fio::fsync(&args.dir, args.fsync_bytes, duration, args.file_bytes)
            })?;
            Some(FioReport {
                version,
                seq_write,
                fsync,
            })
        }
        _ => None,
    };
    let group_commit = phase("group commit", duration, args.quiet, || {
        disk::group_commit(
            &args.dir,
            args.ceiling_sync_bytes,
            args.ceiling_in_flight,
            duration,
        )
    })?;
    let report = DiskReport {
        dir: args.dir.display().to_string(),
        seq_write,
        fsync,
        group_commit,
        fio,
        host: Host::describe(load_before),
    };
    print(&report);
    if let Some(path) = &args.json_out {
        let text = serde_json::to_string_pretty(&report)
            .map_err(|error| BenchError::Other(format!("report JSON: {error}")))?;
        std::fs::write(path, text)
            .map_err(|error| BenchError::io(format!("writing {}", path.display()), error))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn print(report: &DiskReport) {
    println!(
        "disk ceilings in {} ({} CPUs, kernel {}, load average {} before, {} after)",
        report.dir,
        report.host.cpus,
        report.host.kernel,
        report.host.load_average_before,
        report.host.load_average_after
    );
    let fio = report.fio.as_ref();
    let side = |ours: f64, theirs: Option<f64>| match theirs {
        Some(theirs) => format!(
            "{ours:>10.1} | fio {theirs:>10.1} | ratio {:.2}",
            ours / theirs.max(1e-9)
        ),
        None => format!("{ours:>10.1}"),
    };
    let seq = &report.seq_write;
    println!(
        "  O_DIRECT sequential write, {} KiB, qd{}, MB/s:       {}",
        seq.block_bytes / 1024,
        seq.queue_depth,
        side(
            seq.mb_per_second,
            fio.map(|fio| fio.seq_write.mb_per_second)
        )
    );
    let fsync = &report.fsync;
    println!(
        "  {} B write+fdatasync, qd1, ops/s:                 {}",
        fsync.write_bytes,
        side(
            fsync.ops_per_second,
            fio.map(|fio| fio.fsync.ops_per_second)
        )
    );
    println!(
        "  fdatasync p50, us:                                 {}",
        side(fsync.sync_only.p50_us, fio.map(|fio| fio.fsync.sync_p50_us))
    );
    println!(
        "  fdatasync p99, us:                                 {}",
        side(fsync.sync_only.p99_us, fio.map(|fio| fio.fsync.sync_p99_us))
    );
    println!("  write+fdatasync latency: {}", fsync.write_and_sync.line());
    let group = &report.group_commit;
    println!(
        "  pipelined group commit, {} KiB per fdatasync, {} writes in flight: {:.1} MB/s ({:.0} syncs/s)",
        group.sync_bytes / 1024,
        group.in_flight,
        group.mb_per_second,
        group.syncs_per_second
    );
    if let Some(fio) = fio {
        println!("  fio {}:", fio.version);
        println!("    {}", fio.seq_write.command);
        println!("    {}", fio.fsync.command);
    }
}

/// The short probe run before a load (write+fdatasync and group commit on `--disk-dir`), or
/// `None` with `--disk-seconds 0`.
pub fn probe_before_load(
    args: &DiskProbeArgs,
    quiet: bool,
) -> Result<Option<DiskCeiling>, BenchError> {
    let duration = seconds("disk-seconds", args.disk_seconds)?;
    if duration.is_zero() {
        return Ok(None);
    }
    disk::prepare_dir(&args.disk_dir, "disk-dir")?;
    let fsync = phase("fdatasync", duration, quiet, || {
        disk::fsync_latency(&args.disk_dir, args.fsync_bytes, duration, 256 << 20)
    })?;
    let group_commit = phase("group commit", duration, quiet, || {
        disk::group_commit(
            &args.disk_dir,
            args.ceiling_sync_bytes,
            args.ceiling_in_flight,
            duration,
        )
    })?;
    Ok(Some(DiskCeiling {
        dir: args.disk_dir.display().to_string(),
        fsync,
        group_commit,
    }))
}
