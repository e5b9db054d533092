//! Test support for this and other crates: real ZooKeeper and etcd servers on free loopback ports.
//!
//! [`ZooKeeperServer::start`] writes a `zoo.cfg` in its own temporary directory (data dir,
//! `clientPortAddress=127.0.0.1`, no admin server, four-letter words `ruok,srvr,stat,mntr`),
//! starts Debian's ZooKeeper 3.8 (`/usr/share/java/zookeeper.jar`) with `java`, and returns once
//! `ruok` answers `imok` (at most [`READY_WAIT_MS_MAX`]). Dropping it kills the process by its PID
//! and removes the directory. Nothing here is a mock: it is the server BookKeeper runs against.
//!
//! [`EtcdServer`] does the same for Debian's etcd 3.4 (`etcd-server`), for the etcd backend.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod etcd_server;
pub use etcd_server::{EtcdServer, EtcdServerError, ETCD_BINARY, ETCD_READY_WAIT_MS_MAX};

/// Where Debian's `zookeeper` package puts the server jar.
pub const ZOOKEEPER_JAR: &str = "/usr/share/java/zookeeper.jar";
/// Optional logging backend; when present the server log goes to `zookeeper.log`.
const SLF4J_SIMPLE_JAR: &str = "/usr/share/java/slf4j-simple.jar";
/// Longest wait for `ruok` to answer `imok` after start.
pub const READY_WAIT_MS_MAX: u64 = 20_000;
/// Default `tickTime`; the server accepts session timeouts from 2 to 20 ticks.
pub const TICK_MS_DEFAULT: u64 = 2_000;

/// Why a test ZooKeeper could not start.
#[derive(Debug, thiserror::Error)]
pub enum ZooKeeperServerError {
    /// The jar is not installed.
    #[error("{ZOOKEEPER_JAR} is missing: install Debian's zookeeper package (apt-get install zookeeper)")]
    NotInstalled,
    /// Spawning `java` or preparing the directory failed.
    #[error("starting ZooKeeper: {0}")]
    Io(#[from] std::io::Error),
    /// The server exited or did not answer `ruok` in time.
    #[error("ZooKeeper on 127.0.0.1:{port} not ready: {reason}; log tail:\n{log_tail}")]
    NotReady {
        /// The client port.
        port: u16,
        /// What happened.
        reason: String,
        /// The end of the server's log.
        log_tail: String,
    },
}

/// A running ZooKeeper server, killed on drop.
pub struct ZooKeeperServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl ZooKeeperServer {
    /// Starts a server with the default tick time.
    pub fn start() -> Result<Self, ZooKeeperServerError> {
        Self::start_with_tick_ms(TICK_MS_DEFAULT)
    }

    /// Starts a server with `tickTime = tick_ms` (short ticks allow short session timeouts).
    pub fn start_with_tick_ms(tick_ms: u64) -> Result<Self, ZooKeeperServerError> {
        if !Path::new(ZOOKEEPER_JAR).exists() {
            return Err(ZooKeeperServerError::NotInstalled);
        }
        // A port picked free can be taken by someone else before Java binds it: retry a few times.
        let mut last_error = None;
        for _ in 0..3 {
            match Self::try_start(tick_ms) {
                Ok(server) => return Ok(server),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or(ZooKeeperServerError::NotInstalled))
    }

    fn try_start(tick_ms: u64) -> Result<Self, ZooKeeperServerError> {
        let dir = tempfile::Builder::new().prefix("metadata-zk-").tempdir()?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let data_dir = dir.path().join("data");
        std::fs::create_dir(&data_dir)?;
        let config = format!(
            "tickTime={tick_ms}\ndataDir={}\nclientPort={port}\nclientPortAddress=127.0.0.1\nmaxClientCnxns=0\n\
             admin.enableServer=false\n4lw.commands.whitelist=ruok,srvr,stat,mntr\n",
            data_dir.display()
        );
        let config_path = dir.path().join("zoo.cfg");
        std::fs::write(&config_path, config)?;
        let child = spawn_java(dir.path())?;
        let mut server = Self { child, port, dir };
        server.wait_ready()?;
        Ok(server)
    }

    /// Kills the server (an outage); its data directory and port stay reserved for
    /// [`Self::restart`]. Clients see a lost connection and, after their session timeout,
    /// an expired session.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port and data directory after [`Self::kill`].
    pub fn restart(&mut self) -> Result<(), ZooKeeperServerError> {
        self.kill();
        self.child = spawn_java(self.dir.path())?;
        self.wait_ready()
    }

    fn wait_ready(&mut self) -> Result<(), ZooKeeperServerError> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(self.not_ready(format!("exited with {status}")));
            }
            if self.four_letter_word("ruok").as_deref() == Some("imok") {
                return Ok(());
            }
            if started.elapsed() > Duration::from_millis(READY_WAIT_MS_MAX) {
                return Err(self.not_ready(format!("no imok within {READY_WAIT_MS_MAX} ms")));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn not_ready(&self, reason: String) -> ZooKeeperServerError {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let tail_start = log.len().saturating_sub(2000);
        let log_tail = log.get(tail_start..).unwrap_or_default().to_owned();
        ZooKeeperServerError::NotReady {
            port: self.port,
            reason,
            log_tail,
        }
    }

    /// Sends a four-letter command (`ruok`, `srvr`, `stat`, `mntr`) and returns the answer.
    pub fn four_letter_word(&self, command: &str) -> Option<String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_millis(500)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        stream.write_all(command.as_bytes()).ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        Some(answer)
    }

    /// The client port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`, the connect string.
    pub fn connect_string(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `zk+hierarchical://127.0.0.1:<port><root>`, a metadata service URI for `root`.
    pub fn uri(&self, root: &str) -> String {
        format!("zk+hierarchical://127.0.0.1:{}{root}", self.port)
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("zookeeper.log")
    }
}

fn spawn_java(dir: &Path) -> Result<Child, ZooKeeperServerError> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("zookeeper.log"))?;
    let mut class_path = ZOOKEEPER_JAR.to_owned();
    if Path::new(SLF4J_SIMPLE_JAR).exists() {
        class_path.push(':');
        class_path.push_str(SLF4J_SIMPLE_JAR);
    }
    Ok(Command::new("java")
        .arg("-Xmx256m")
        .arg("-cp")
        .arg(class_path)
        .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
        .arg(dir.join("zoo.cfg"))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?)
}

impl Drop for ZooKeeperServer {
    fn drop(&mut self) {
        // Kill by PID (the child we started), then reap it so no zombie is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
