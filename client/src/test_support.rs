//! A real cluster on 127.0.0.1 for integration tests (the client's, bkctl's, the bench
//! harness's): a ZooKeeper server (Debian's package), an initialised `/ledgers` tree, and
//! `bookie` processes (the workspace's binary, found next to the test executable in
//! `target/<profile>/`, built by `cargo build --workspace`) registered in it.
//! Every wait is bounded; failures panic with the bookie's log, as a test helper should.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{BookKeeper, ClientConfig};
use metadata::test_support::ZooKeeperServer;
use metadata::{AnyMetadataStore, BookieId, MetadataStore, ZkOptions};

/// Longest any single wait may take.
pub const WAIT: Duration = Duration::from_secs(30);

/// The `bookie` binary next to this test's target directory (target/<profile>/bookie).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test> or target/<profile>/<binary>
    let parent = exe.parent().unwrap();
    if parent.ends_with("deps") {
        parent.parent().unwrap().to_path_buf()
    } else {
        parent.to_path_buf()
    }
}

fn bookie_binary() -> PathBuf {
    let profile_dir = profile_dir();
    let binary = profile_dir.join("bookie");
    assert!(
        binary.exists(),
        "{} is missing: build it first with `cargo build -p bookie` (scripts/test.sh builds the whole workspace)",
        binary.display()
    );
    binary
}

/// A temporary directory on a persistent file system (O_DIRECT needs one).
pub fn scratch_dir() -> tempfile::TempDir {
    let base = std::env::var_os("BOOKIE_TEST_SCRATCH")
        .map(PathBuf::from)
        .unwrap_or_else(|| profile_dir().join("test-scratch"));
    std::fs::create_dir_all(&base).unwrap();
    tempfile::Builder::new()
        .prefix("client-it-")
        .tempdir_in(base)
        .unwrap()
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `--set` overrides for a small one-core test bookie on 127.0.0.1:`port` with its journal and
/// ledger directories under `root` (created here): small rings, caches and preallocation, and
/// disk-usage thresholds that a shared, nearly full build disk does not trip (read-only mode
/// has its own tests).
pub fn small_bookie_sets(root: &std::path::Path, port: u16) -> Vec<String> {
    let (journal, ledgers) = (root.join("journal"), root.join("ledgers"));
    std::fs::create_dir_all(&journal).unwrap();
    std::fs::create_dir_all(&ledgers).unwrap();
    vec![
        format!("journal_dirs=[{:?}]", journal.display().to_string()),
        format!("ledger_dirs=[{:?}]", ledgers.display().to_string()),
        format!("bookie_port={port}"),
        "listen_address=\"127.0.0.1\"".to_owned(),
        "num_cores=1".to_owned(),
        "pin_cores=false".to_owned(),
        "io_memory_bytes=262144".to_owned(),
        "ring_depth=32".to_owned(),
        "http_server_enabled=false".to_owned(),
        "write_cache_bytes_max=16777216".to_owned(),
        "read_cache_bytes_max=4194304".to_owned(),
        "journal_preallocate_step_bytes=1048576".to_owned(),
        "disk_usage_threshold=0.999".to_owned(),
        "disk_usage_lwm_threshold=0.998".to_owned(),
    ]
}

/// One bookie process.
pub struct BookieProcess {
    child: Option<Child>,
    /// Its id, `127.0.0.1:<port>`.
    pub id: BookieId,
    dir: tempfile::TempDir,
    args: Vec<String>,
}

impl BookieProcess {
    fn start(metadata_uri: &str) -> Self {
        let dir = scratch_dir();
        let port = free_port();
        let mut args = small_bookie_sets(dir.path(), port);
        args.push(format!("metadataServiceUri={metadata_uri:?}"));
        let mut bookie = Self {
            child: None,
            id: BookieId::parse(&format!("127.0.0.1:{port}")).unwrap(),
            dir,
            args,
        };
        bookie.spawn();
        bookie
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("bookie.log")
    }

    /// The process's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .unwrap();
        let before = self.log_text().len();
        let mut command = Command::new(bookie_binary());
        for set in &self.args {
            command.arg("--set").arg(set);
        }
        command
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log);
        self.child = Some(command.spawn().unwrap());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("bookie exited at start with {status}: {}", self.log_text());
            }
            if self
                .log_text()
                .get(before..)
                .is_some_and(|new| new.contains("bookie ready"))
            {
                return;
            }
            assert!(
                started.elapsed() < WAIT,
                "bookie not ready: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILLs the process.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the process (SIGSTOP): its sockets stay open but it answers nothing.
    pub fn pause(&mut self) {
        self.signal("-STOP");
    }

    /// Thaws a paused process (SIGCONT).
    pub fn resume(&mut self) {
        self.signal("-CONT");
    }

    fn signal(&mut self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success(), "kill {signal} {pid} failed");
    }

    /// Starts it again on the same directories and port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for BookieProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// ZooKeeper plus bookies.
pub struct Cluster {
    /// The ZooKeeper server.
    pub zookeeper: ZooKeeperServer,
    /// `zk+hierarchical://127.0.0.1:<port>/ledgers`.
    pub uri: String,
    /// The bookies, in start order.
    pub bookies: Vec<BookieProcess>,
}

impl Cluster {
    /// Starts ZooKeeper, initialises the cluster and starts `bookies` bookies, waiting until all
    /// are registered.
    pub async fn start(bookies: usize) -> Cluster {
        let zookeeper = ZooKeeperServer::start().unwrap();
        let uri = zookeeper.uri("/ledgers");
        let store = AnyMetadataStore::connect(&uri, ZkOptions::default())
            .await
            .unwrap();
        store.init_cluster().await.unwrap();
        let mut cluster = Cluster {
            zookeeper,
            uri,
            bookies: Vec::new(),
        };
        for _ in 0..bookies {
            cluster.add_bookie().await;
        }
        cluster
    }

    /// Starts one more bookie and waits for its registration.
    pub async fn add_bookie(&mut self) -> BookieId {
        let uri = self.uri.clone();
        let bookie = tokio::task::spawn_blocking(move || BookieProcess::start(&uri))
            .await
            .unwrap();
        let id = bookie.id.clone();
        let store = self.store().await;
        let started = Instant::now();
        while !store.list_bookies().await.unwrap().writable.contains(&id) {
            assert!(
                started.elapsed() < WAIT,
                "{id} never registered; its log:\n{}",
                bookie.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.bookies.push(bookie);
        id
    }

    /// A new metadata store session.
    pub async fn store(&self) -> Arc<AnyMetadataStore> {
        Arc::new(
            AnyMetadataStore::connect(&self.uri, ZkOptions::default())
                .await
                .unwrap(),
        )
    }

    /// A new client with `config`.
    pub async fn client(&self, config: ClientConfig) -> BookKeeper {
        BookKeeper::with_store(self.store().await, config)
    }

    /// The bookie process with this id.
    pub fn bookie_mut(&mut self, id: &BookieId) -> &mut BookieProcess {
        self.bookies.iter_mut().find(|b| &b.id == id).unwrap()
    }
}

/// The payload of entry `index` of a test stream: recognisable and of varying length.
pub fn payload(stream: u64, index: u64) -> Vec<u8> {
    let mut bytes = format!("stream-{stream}-entry-{index}-").into_bytes();
    bytes.resize(bytes.len() + (index as usize * 7) % 200, b'x');
    bytes
}
