//! `bench`: the benchmark harness (`bench disk`, `bench journal`, `bench writes`,
//! `bench reads`; `bench <command> --help` for the flags). See docs/benchmarks.md.

use std::process::ExitCode;

use benches::cli::{disk, journal, reads, writes, Cli, Command};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Disk(args) => disk::run(args).map_err(|error| error.to_string()),
        Command::Journal(args) => journal::run(args).map_err(|error| format!("{error:#}")),
        Command::Writes(args) => writes::run(args).map_err(|error| error.to_string()),
        Command::Reads(args) => reads::run(args).map_err(|error| error.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}
