//! Queue-depth-1 latency of a 4 KiB durable write through each I/O engine candidate, and through
//! the journal on its two possible engines. Used to choose the journal's engine.

use std::path::PathBuf;

use anyhow::Context;
use benches::latency::{self, Latency};
use clap::Parser;

/// Compare I/O engines at queue depth 1.
#[derive(Debug, Parser)]
struct Args {
    /// Directory on a real disk (not tmpfs).
    #[arg(long, default_value = "/work/bench-scratch")]
    dir: PathBuf,
    /// Durable writes per engine and run.
    #[arg(long, default_value_t = 2000)]
    ops: usize,
    /// Runs of every engine (the disk is noisy).
    #[arg(long, default_value_t = 2)]
    runs: usize,
}

type Engine = fn(&std::path::Path, usize) -> Result<Latency, String>;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = args.dir.join("engines");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let engines: [(&str, Engine); 7] = [
        ("pwrite+fdatasync, one thread", latency::pwrite_fdatasync),
        ("O_DSYNC pwrite", latency::odsync_pwrite),
        (
            "pwrite + fdatasync on sync thread",
            latency::pwrite_then_sync_thread,
        ),
        ("glommio DmaFile write+sync", latency::glommio_dma),
        ("glommio DmaFile O_DSYNC write", latency::glommio_dma_dsync),
        (
            "journal on JournalThread (posix + sync thread)",
            latency::journal_thread,
        ),
        ("journal on glommio (DmaDir)", latency::journal_glommio),
    ];
    println!(
        "{:<48} | run | {:>8} | {:>8} | {:>9}",
        "engine (4 KiB durable write, qd1)", "p50 us", "p99 us", "ops/s"
    );
    for run in 1..=args.runs {
        for (name, engine) in engines {
            match engine(&dir, args.ops) {
                Ok(result) => println!(
                    "{name:<48} | {run:>3} | {:>8} | {:>8} | {:>9.0}",
                    result.p50_us, result.p99_us, result.ops_per_second
                ),
                Err(error) => println!("{name:<48} | {run:>3} | failed: {error}"),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
