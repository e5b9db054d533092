//! The thread-per-core runtime, and the only module of this crate that names glommio.
//!
//! [`start`] runs the startup checks (locked memory, directories, `O_DIRECT`, shard layout,
//! ports), then starts one glommio executor per core. Core `i`:
//! - recovers its [`core::Shard`] from `<journal_dirs[i % J]>/current/shard-<i>/` and
//!   `<ledger_dirs[i % L]>/current/shard-<i>/` and runs its journal writer;
//! - owns every ledger `l` with `floorMod(l, cores) == i`;
//! - binds the client port with `SO_REUSEPORT` (glommio's listener sets it), so the kernel
//!   spreads connections over the cores; a request for another core's ledger is routed over a
//!   bounded cross-core channel ([`core`]);
//! - runs its checkpoint, GC and compaction tasks ([`periodic`]); core 0 also runs the disk
//!   monitor and the HTTP admin server ([`http`]).
//!
//! Invariants:
//! - The number of shards is fixed when the directories are first used (file
//!   `<ledger dir>/current/shards`); starting with another `num_cores` is refused, because
//!   ledger ownership (and so where each ledger's data lives) depends on it.
//! - The port is probed without `SO_REUSEPORT` before the executors bind it, so a second bookie
//!   on the same port fails at start instead of silently sharing the port.

pub mod connection;
pub mod core;
pub mod http;
pub mod periodic;
pub mod read_chunk;
pub mod reply_queue;
pub mod timer;

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{mpsc, Arc};

use disk::dma::DmaDir;
use disk::posix::PosixDir;
use glommio::channels::local_channel;
use glommio::channels::shared_channel::{self, SharedReceiver, SharedSender};
use glommio::net::TcpListener;
use glommio::{LocalExecutorBuilder, Placement};

use self::core::{CoreContext, RemoteRequest};
use self::timer::GlommioTimer;
use crate::config::Config;
use crate::server::metrics::CoreMetrics;
use crate::server::state::BookieState;
use crate::storage_shard::{ShardConfig, StorageShard};

/// Name of the file recording the number of shards in each ledger directory's `current/`.
pub const SHARDS_FILE_NAME: &str = "shards";

/// Why the bookie did not start. Every message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// An operator prerequisite is missing (locked memory, `O_DIRECT`, io_uring).
    #[error("{0}")]
    Preflight(String),
    /// A directory is missing or unusable.
    #[error("directory {path}: {message}; create it and make it writable by the bookie's user, or fix journal_dirs/ledger_dirs")]
    Directory {
        /// The directory.
        path: String,
        /// What failed.
        message: String,
    },
    /// The directories were formatted with another number of shards.
    #[error("{path} records {recorded} shards but num_cores gives {configured}; set num_cores = {recorded} (ledger ownership depends on it)")]
    ShardCount {
        /// The shards file.
        path: String,
        /// Shards recorded.
        recorded: usize,
        /// Shards configured.
        configured: usize,
    },
    /// A port is taken.
    #[error("cannot listen on {address}: {message}; stop the process using it or choose another port ({key})")]
    PortInUse {
        /// The address.
        address: String,
        /// The OS error.
        message: String,
        /// The config key to change.
        key: &'static str,
    },
    /// A core failed to start (recovery, listener...).
    #[error("core {core}: {message}")]
    Core {
        /// The core.
        core: usize,
        /// What failed.
        message: String,
    },
}

/// A started bookie: its executors are serving.
pub struct RunningBookie {
    handles: Vec<glommio::ExecutorJoinHandle<()>>,
    /// The bookie id.
    pub bookie_id: String,
    /// Number of cores serving.
    pub cores: usize,
    /// The read-only state (followed by the registration) and the stop request.
    pub state: Arc<BookieState>,
    /// The registration thread, when the bookie is registered (it unregisters on stop).
    pub registration: Option<std::thread::JoinHandle<()>>,
}

impl RunningBookie {
    /// Blocks until every executor ends (they serve until a stop is requested, see
    /// [`BookieState::request_stop`]), then until the registration thread has unregistered.
    pub fn wait(self) {
        for handle in self.handles {
            if let Err(error) = handle.join() {
                tracing::error!(%error, "executor ended with an error");
            }
        }
        if let Some(registration) = self.registration {
            if registration.join().is_err() {
                tracing::error!("the registration thread panicked");
            }
        }
    }
}

/// The journal and ledger directory of shard `core`.
pub fn shard_dirs(config: &Config, core: usize) -> (PathBuf, PathBuf) {
    let pick = |dirs: &[PathBuf]| -> PathBuf {
        let root = dirs
            .get(core % dirs.len().max(1))
            .cloned()
            .unwrap_or_default();
        root.join("current").join(format!("shard-{core}"))
    };
    (pick(&config.journal_dirs), pick(&config.ledger_dirs))
}

/// Runs the startup checks and starts the executors; returns once every core serves.
pub fn start(config: Config) -> Result<RunningBookie, StartError> {
    let cores = config.cores();
    let memlock_bytes = disk::preflight::glommio_memlock_bytes(config.io_memory_bytes as u64)
        .saturating_mul(cores as u64);
    disk::preflight::check_memlock(memlock_bytes)
        .map_err(|error| StartError::Preflight(error.to_string()))?;
    prepare_dirs(&config, cores)?;
    probe_port(&config.listen_address, config.bookie_port, "bookie_port")?;
    if config.http_server_enabled {
        probe_port(
            &config.listen_address,
            config.http_server_port,
            "http_server_port",
        )?;
    }
    let config = Arc::new(config);
    let state = Arc::new(BookieState::default());
    let all_metrics: Arc<Vec<Arc<CoreMetrics>>> = Arc::new(
        (0..cores)
            .map(|_| Arc::new(CoreMetrics::default()))
            .collect(),
    );
    let (mut senders, mut receivers) = channel_mesh(cores, config.cross_core_channel_requests_max);
    let (ready_sender, ready) = mpsc::channel::<Result<usize, StartError>>();
    let mut handles = Vec::with_capacity(cores);
    for core in 0..cores {
        let placement = if config.pin_cores {
            Placement::Fixed(core)
        } else {
            Placement::Unbound
        };
        let wiring = CoreWiring {
            core,
            cores,
            config: Arc::clone(&config),
            state: Arc::clone(&state),
            all_metrics: Arc::clone(&all_metrics),
            senders: std::mem::take(&mut senders[core]),
            receivers: std::mem::take(&mut receivers[core]),
        };
        let ready_sender = ready_sender.clone();
        let handle = LocalExecutorBuilder::new(placement)
            .name(&format!("bookie-core-{core}"))
            .io_memory(config.io_memory_bytes)
            .ring_depth(config.ring_depth)
            .spawn(move || async move { run_core(wiring, ready_sender).await })
            .map_err(|error| {
                StartError::Preflight(format!(
                    "cannot start the glommio executor of core {core}: {error}; the bookie needs io_uring (Linux >= 5.8, \
                     not disabled by sysctl kernel.io_uring_disabled or a seccomp profile), enough locked memory, \
                     and with pin_cores = true at least num_cores CPUs"
                ))
            })?;
        handles.push(handle);
    }
    drop(ready_sender);
    for _ in 0..cores {
        match ready.recv() {
            Ok(Ok(core)) => tracing::debug!(core, "core ready"),
            Ok(Err(error)) => return Err(error),
            Err(_) => {
                return Err(StartError::Core {
                    core: usize::MAX,
                    message: "an executor stopped during startup".to_owned(),
                })
            }
        }
    }
    Ok(RunningBookie {
        handles,
        bookie_id: config.bookie_id(),
        cores,
        state,
        registration: None,
    })
}

fn dir_error(path: &Path, message: impl ToString) -> StartError {
    StartError::Directory {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// Creates the shard directories, checks `O_DIRECT` on them, and checks or records the shard
/// count in every ledger directory.
fn prepare_dirs(config: &Config, cores: usize) -> Result<(), StartError> {
    for root in config.journal_dirs.iter().chain(&config.ledger_dirs) {
        if !root.is_dir() {
            return Err(dir_error(root, "does not exist"));
        }
    }
    for core in 0..cores {
        let (journal, ledger) = shard_dirs(config, core);
        for dir in [&journal, &ledger] {
            std::fs::create_dir_all(dir).map_err(|error| dir_error(dir, error))?;
            disk::preflight::check_o_direct(dir)
                .map_err(|error| StartError::Preflight(error.to_string()))?;
        }
    }
    for root in &config.ledger_dirs {
        let path = root.join("current").join(SHARDS_FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let recorded = text
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| dir_error(&path, format!("unreadable shard count {text:?}")))?;
                if recorded != cores {
                    return Err(StartError::ShardCount {
                        path: path.display().to_string(),
                        recorded,
                        configured: cores,
                    });
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                std::fs::write(&path, format!("{cores}\n"))
                    .map_err(|error| dir_error(&path, error))?;
                let file = std::fs::File::open(&path).map_err(|error| dir_error(&path, error))?;
                file.sync_all().map_err(|error| dir_error(&path, error))?;
            }
            Err(error) => return Err(dir_error(&path, error)),
        }
    }
    Ok(())
}

/// Fails if some socket already listens on `port`. The executors bind with `SO_REUSEPORT`,
/// which would silently share the port with another bookie of the same user; and a plain bind
/// probe would fail on the previous process's closing connections after a restart. So the
/// kernel's socket tables are read instead (Linux `/proc/net/tcp` and `tcp6`, state 0A).
///
/// A process killed with SIGKILL can keep its listening socket for a moment while the kernel
/// tears down its io_uring rings, so a listener found here is looked for again for up to
/// [`PORT_RELEASE_WAIT`] before the start fails.
fn probe_port(address: &str, port: u16, key: &'static str) -> Result<(), StartError> {
    let started = std::time::Instant::now();
    loop {
        match probe_port_once(address, port, key) {
            Err(error) if started.elapsed() < PORT_RELEASE_WAIT => {
                tracing::debug!(%error, "port still in use; looking again");
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            result => return result,
        }
    }
}

/// How long a start waits for a port held by a dying process.
const PORT_RELEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

fn probe_port_once(address: &str, port: u16, key: &'static str) -> Result<(), StartError> {
    let address = format!("{address}:{port}");
    let port_hex = format!(":{port:04X}");
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        let listening = text.lines().skip(1).any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            matches!((fields.get(1), fields.get(3)), (Some(local), Some(&"0A")) if local.ends_with(&port_hex))
        });
        if listening {
            return Err(StartError::PortInUse {
                address,
                message: "another process listens on this port".to_owned(),
                key,
            });
        }
    }
    Ok(())
}

type Senders = Vec<Vec<Option<SharedSender<RemoteRequest>>>>;
type Receivers = Vec<Vec<Option<SharedReceiver<RemoteRequest>>>>;

/// One bounded channel per ordered pair of cores: `senders[from][to]`, `receivers[to][from]`.
fn channel_mesh(cores: usize, capacity: usize) -> (Senders, Receivers) {
    let mut senders: Senders = (0..cores)
        .map(|_| (0..cores).map(|_| None).collect())
        .collect();
    let mut receivers: Receivers = (0..cores)
        .map(|_| (0..cores).map(|_| None).collect())
        .collect();
    for from in 0..cores {
        for to in 0..cores {
            if from == to {
                continue;
            }
            let (sender, receiver) = shared_channel::new_bounded(capacity);
            senders[from][to] = Some(sender);
            receivers[to][from] = Some(receiver);
        }
    }
    (senders, receivers)
}

/// What one executor is handed at start.
struct CoreWiring {
    core: usize,
    cores: usize,
    config: Arc<Config>,
    state: Arc<BookieState>,
    all_metrics: Arc<Vec<Arc<CoreMetrics>>>,
    senders: Vec<Option<SharedSender<RemoteRequest>>>,
    receivers: Vec<Option<SharedReceiver<RemoteRequest>>>,
}

async fn run_core(wiring: CoreWiring, ready: mpsc::Sender<Result<usize, StartError>>) {
    let core = wiring.core;
    let listener = match setup_core(wiring).await {
        Ok(listener) => listener,
        Err(message) => {
            let _ = ready.send(Err(StartError::Core { core, message }));
            return;
        }
    };
    let (context, listener, journal_writer) = listener;
    let _ = ready.send(Ok(core));
    loop {
        let accepted = futures_lite::future::or(async { Some(listener.accept().await) }, async {
            stop_requested(&context.state).await;
            None
        })
        .await;
        match accepted {
            None => break,
            Some(Ok(stream)) => {
                glommio::spawn_local(connection::serve(Rc::clone(&context), stream)).detach();
            }
            Some(Err(error)) => {
                tracing::warn!(core, %error, "accept failed");
                glommio::timer::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
    }
    drop(listener);
    stop_core(&context, journal_writer).await;
}

/// How often a core looks at the stop flag (set from a signal handler, so it cannot wake us).
const STOP_POLL: std::time::Duration = std::time::Duration::from_millis(50);

async fn stop_requested(state: &BookieState) {
    while !state.is_stopping() {
        glommio::timer::sleep(STOP_POLL).await;
    }
}

/// The clean stop of one core, after it stopped accepting: the journal takes no more records and
/// writes out what is queued (those adds are acknowledged), then a checkpoint flushes the ledger
/// store and moves the mark to the journal's end, so the next start replays nothing. Returning
/// ends the executor, which drops the connections still open.
async fn stop_core(context: &Rc<CoreContext>, journal_writer: glommio::Task<()>) {
    let core = context.core;
    tracing::info!(core, "stopping: no new connections, draining the journal");
    context.shard.close();
    journal_writer.await;
    match context.shard.checkpoint().await {
        Ok(report) => tracing::info!(
            core,
            mark = ?report.mark,
            entries_flushed = report.flush.entries_flushed,
            "core stopped cleanly"
        ),
        Err(error) => {
            tracing::error!(core, %error, "final checkpoint failed; the next start replays the journal")
        }
    }
}

/// A core's serving parts: its context, its listener, and its journal writer task.
type CoreParts = (Rc<CoreContext>, TcpListener, glommio::Task<()>);

async fn setup_core(wiring: CoreWiring) -> Result<CoreParts, String> {
    let CoreWiring {
        core,
        cores,
        config,
        state,
        all_metrics,
        senders,
        receivers,
    } = wiring;
    let (journal_path, ledger_path) = shard_dirs(&config, core);
    let journal_dir = DmaDir::open(&journal_path)
        .map_err(|error| format!("journal dir {}: {error}", journal_path.display()))?;
    let ledger_dir = DmaDir::open(&ledger_path)
        .map_err(|error| format!("ledger dir {}: {error}", ledger_path.display()))?;
    let shard_config = ShardConfig {
        journal: config.journal_config(),
        store: config.store_config(),
    };
    let (shard, report) =
        StorageShard::recover(journal_dir, ledger_dir, shard_config, GlommioTimer)
            .await
            .map_err(|error| {
                format!(
                    "recovering {} and {}: {error}",
                    journal_path.display(),
                    ledger_path.display()
                )
            })?;
    tracing::info!(core, records_applied = report.records_applied, mark = ?report.mark, "shard recovered");
    let shard = Rc::new(shard);
    let writer = Rc::clone(&shard);
    let journal_writer = glommio::spawn_local(async move {
        if let Err(error) = writer.run_journal_writer().await {
            tracing::error!(core, %error, "journal writer stopped: this core acknowledges nothing more; restart the bookie");
        }
    });
    let ledger_roots = config
        .ledger_dirs
        .iter()
        .map(|dir| {
            PosixDir::open(dir).map_err(|error| format!("ledger dir {}: {error}", dir.display()))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let outboxes = connect_outboxes(core, senders, config.cross_core_channel_requests_max);
    let context = Rc::new(CoreContext::new(
        core,
        cores,
        shard,
        state,
        all_metrics,
        Arc::clone(&config),
        ledger_roots,
        outboxes,
    ));
    for receiver in receivers.into_iter().flatten() {
        let context = Rc::clone(&context);
        glommio::spawn_local(async move {
            let receiver = receiver.connect().await;
            while let Some(request) = receiver.recv().await {
                let context = Rc::clone(&context);
                glommio::spawn_local(async move {
                    let outcome = context.execute_local(request.op).await;
                    let _ = request.reply.send(outcome);
                })
                .detach();
            }
        })
        .detach();
    }
    periodic::spawn_core_tasks(&context);
    let address = format!("{}:{}", config.listen_address, config.bookie_port);
    let listener = TcpListener::bind(&address)
        .map_err(|error| format!("cannot listen on {address}: {error}"))?;
    if core == 0 {
        periodic::spawn_disk_monitor(&context);
        if config.http_server_enabled {
            let address = format!("{}:{}", config.listen_address, config.http_server_port);
            let admin = TcpListener::bind(&address)
                .map_err(|error| format!("cannot listen on {address}: {error}"))?;
            glommio::spawn_local(http::serve(Rc::clone(&context), admin)).detach();
        }
    }
    Ok((context, listener, journal_writer))
}

/// Starts one forwarder per peer core: a local bounded outbox (many local producers) drained
/// into the cross-core channel (one producer, as glommio's shared channel requires).
fn connect_outboxes(
    core: usize,
    senders: Vec<Option<SharedSender<RemoteRequest>>>,
    capacity: usize,
) -> Vec<Option<local_channel::LocalSender<RemoteRequest>>> {
    senders
        .into_iter()
        .map(|sender| {
            let sender = sender?;
            let (outbox, inbox) = local_channel::new_bounded::<RemoteRequest>(capacity);
            glommio::spawn_local(async move {
                let sender = sender.connect().await;
                while let Some(request) = inbox.recv().await {
                    if sender.send(request).await.is_err() {
                        tracing::error!(core, "cross-core channel closed");
                        break;
                    }
                }
            })
            .detach();
            Some(outbox)
        })
        .collect()
}
