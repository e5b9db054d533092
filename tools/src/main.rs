//! `bkctl`: the operators' shell, BookKeeper shell concepts as clap `noun verb` commands.
//!
//! `bkctl [--metadata-uri URI] [--json] <noun> <verb>`: `cluster init`, `bookies list`,
//! `bookies info`, `ledger create|write|read|metadata|delete|list`. The metadata URI takes every
//! form the metadata crate parses (`zk://host:port/ledgers`, BookKeeper's
//! `zk+hierarchical://h1:2181;h2:2181/ledgers`, `embedded:///path/metadata.redb`, `etcd://` when
//! built with it) and defaults to `$BKCTL_METADATA_URI`, else `zk://127.0.0.1:2181/ledgers`.
//! Exit status: 0 success, 1 the operation failed (the message says why), 2 bad usage.
//! `--json` prints one JSON document on stdout for scripts; errors always go to stderr.

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("bkctl: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(&cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bkctl: {error:#}");
            ExitCode::FAILURE
        }
    }
}
