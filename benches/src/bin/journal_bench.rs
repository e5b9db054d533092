//! Journal throughput with durability on, against the raw pipelined O_DIRECT + fdatasync ceiling
//! at the same sync size, in the same run on the same directory; the same as `bench journal`
//! (kept for scripts and notes that name it).
//!
//! `cargo run --release -p benches --bin journal_bench` runs a short default (about 45 s).

use benches::cli::journal::{run, JournalArgs};
use clap::Parser;

/// Journal throughput vs the disk's pipelined group-commit ceiling.
#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: JournalArgs,
}

fn main() -> anyhow::Result<()> {
    run(&Cli::parse().args)
}
