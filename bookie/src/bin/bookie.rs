//! The `bookie` binary: runs a bookie from a config file (`bookie --config conf/bookie.toml
//! [--set key=value]...`), a small loopback cluster in one process (`bookie standalone`), or
//! prints the sample configuration (`bookie config --print-default`).

use std::path::PathBuf;
use std::process::ExitCode;

use bookie::config::sample::sample_toml;
use bookie::registration::Registrar;
use bookie::runtime::{start, RunningBookie};
use bookie::Config;
use clap::{Parser, Subcommand};
use metadata::{EmbeddedMetadataStore, MetadataStore};

#[derive(Debug, Parser)]
#[command(name = "bookie", version, about = "A BookKeeper-compatible bookie")]
struct Cli {
    /// The configuration file (TOML; see conf/bookie.toml).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Overrides one key, e.g. --set bookie_port=3182 or --set journalDirectories=/a,/b (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", global = true)]
    sets: Vec<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs one bookie (the default).
    Run,
    /// Runs several bookies on loopback in this process, each with its own directories.
    Standalone {
        /// Number of bookies.
        #[arg(long, default_value_t = 3)]
        bookies: u16,
        /// Port of the first bookie; bookie i listens on base_port + i.
        #[arg(long, default_value_t = 3181)]
        base_port: u16,
        /// Directory holding every bookie's journal and ledger directories.
        #[arg(long, default_value = "standalone-data")]
        data_dir: PathBuf,
    },
    /// Creates the cluster's metadata (BookKeeper's `initnewcluster`).
    InitCluster {
        /// The metadata service, e.g. zk+hierarchical://127.0.0.1:2181/ledgers.
        #[arg(long)]
        metadata_service_uri: String,
    },
    /// Deletes every ledger, cookie and registration and initialises the cluster anew.
    Format {
        /// The metadata service.
        #[arg(long)]
        metadata_service_uri: String,
        /// Really do it (without it, only says what would happen).
        #[arg(long)]
        force: bool,
    },
    /// Configuration helpers.
    Config {
        /// Prints the sample configuration with every key and its default.
        #[arg(long)]
        print_default: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Run) {
        Command::Run => run(&cli.config, &cli.sets),
        Command::Standalone {
            bookies,
            base_port,
            data_dir,
        } => standalone(&cli.sets, bookies, base_port, &data_dir),
        Command::InitCluster {
            metadata_service_uri,
        } => bookie::registration::init_cluster(&metadata_service_uri)
            .map(|instance_id| {
                println!("cluster initialised at {metadata_service_uri}, instance id {instance_id}")
            })
            .map_err(|error| error.to_string()),
        Command::Format {
            metadata_service_uri,
            force,
        } => {
            if force {
                bookie::registration::format_cluster(&metadata_service_uri)
                    .map(|instance_id| println!("cluster at {metadata_service_uri} formatted, new instance id {instance_id}"))
                    .map_err(|error| error.to_string())
            } else {
                Err(format!("would delete every ledger, cookie and registration at {metadata_service_uri}; add --force to do it"))
            }
        }
        Command::Config { print_default } => {
            if print_default {
                print!("{}", sample_toml());
                Ok(())
            } else {
                Err("nothing to do: use `bookie config --print-default`".to_owned())
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("bookie: {message}");
            ExitCode::FAILURE
        }
    }
}

fn started(config: Config) -> Result<RunningBookie, String> {
    let registrar = if config.metadata_service_uri.is_empty() {
        tracing::warn!("metadata_service_uri is empty: the bookie is not registered anywhere (clients must be given its address)");
        None
    } else {
        Some(Registrar::connect_and_check(&config).map_err(|error| error.to_string())?)
    };
    started_with(config, registrar)
}

fn started_with<M: MetadataStore + 'static>(
    config: Config,
    registrar: Option<Registrar<M>>,
) -> Result<RunningBookie, String> {
    let port = config.bookie_port;
    let mut bookie = start(config).map_err(|error| error.to_string())?;
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, bookie.state.stop_flag())
            .map_err(|error| format!("cannot handle signal {signal}: {error}"))?;
    }
    if let Some(registrar) = registrar {
        bookie.registration = Some(
            registrar
                .register_and_follow(std::sync::Arc::clone(&bookie.state))
                .map_err(|error| error.to_string())?,
        );
    }
    tracing::info!(bookie_id = %bookie.bookie_id, port, cores = bookie.cores, "bookie ready");
    Ok(bookie)
}

fn run(config: &Option<PathBuf>, sets: &[String]) -> Result<(), String> {
    let config = Config::load(config.as_deref(), sets).map_err(|error| error.to_string())?;
    started(config)?.wait();
    tracing::info!("bookie stopped");
    Ok(())
}

/// The embedded metadata store of a standalone cluster, initialised on first use.
fn embedded_store(data_dir: &std::path::Path) -> Result<(EmbeddedMetadataStore, String), String> {
    std::fs::create_dir_all(data_dir)
        .map_err(|error| format!("cannot create {}: {error}", data_dir.display()))?;
    let path = data_dir.join("metadata.redb");
    let store = EmbeddedMetadataStore::open(&path, "/ledgers")
        .map_err(|error| format!("metadata store {}: {error}", path.display()))?;
    match futures::executor::block_on(store.instance_id()) {
        Ok(_) => {}
        Err(metadata::MetadataError::NotFound { .. }) => {
            futures::executor::block_on(store.init_cluster())
                .map_err(|error| format!("initialising {}: {error}", path.display()))?;
        }
        Err(error) => return Err(format!("metadata store {}: {error}", path.display())),
    }
    Ok((store, format!("embedded store {}", path.display())))
}

fn standalone(
    sets: &[String],
    bookies: u16,
    base_port: u16,
    data_dir: &std::path::Path,
) -> Result<(), String> {
    let (store, store_name) = embedded_store(data_dir)?;
    let mut running = Vec::new();
    for index in 0..bookies {
        let root = data_dir.join(format!("bookie-{index}"));
        let (journal, ledgers) = (root.join("journal"), root.join("ledgers"));
        for dir in [&journal, &ledgers] {
            std::fs::create_dir_all(dir)
                .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        }
        let port = base_port
            .checked_add(index)
            .ok_or("base_port + bookies overflows the port range")?;
        let mut all_sets = vec![
            format!("journal_dirs=[{:?}]", journal.display().to_string()),
            format!("ledger_dirs=[{:?}]", ledgers.display().to_string()),
            format!("bookie_port={port}"),
            "listen_address=\"127.0.0.1\"".to_owned(),
            "num_cores=1".to_owned(),
            "pin_cores=false".to_owned(),
        ];
        all_sets.extend(sets.iter().cloned());
        let config = Config::load(None, &all_sets).map_err(|error| error.to_string())?;
        let registrar = Registrar::check(store.new_session(), &store_name, &config)
            .map_err(|error| error.to_string())?;
        running.push(started_with(config, Some(registrar))?);
    }
    let registered =
        futures::executor::block_on(store.list_bookies()).map_err(|error| error.to_string())?;
    tracing::info!(bookies, base_port, writable = registered.writable.len(), %store_name, "standalone cluster ready on 127.0.0.1");
    for bookie in running {
        bookie.wait();
    }
    Ok(())
}
