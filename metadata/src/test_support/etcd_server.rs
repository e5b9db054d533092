//! A real etcd server on free loopback ports, for tests of the etcd backend (and of any crate that
//! uses it).
//!
//! [`EtcdServer::start`] runs Debian's `etcd` (package `etcd-server`, 3.4) as a one-member
//! cluster: client and peer URLs on 127.0.0.1 ports picked free, its data directory in its own
//! temporary directory, its log in `etcd.log` there. It returns once `GET /health` answers
//! `"health":"true"` (at most [`ETCD_READY_WAIT_MS_MAX`]). Dropping it kills the process by its
//! PID, reaps it and removes the directory.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's `etcd-server` package puts the server.
pub const ETCD_BINARY: &str = "/usr/bin/etcd";
/// Longest wait for `/health` to report healthy after start.
pub const ETCD_READY_WAIT_MS_MAX: u64 = 20_000;
/// Attempts with fresh ports (a port picked free can be taken before etcd binds it).
const START_ATTEMPTS: usize = 3;

/// Why a test etcd could not start.
#[derive(Debug, thiserror::Error)]
pub enum EtcdServerError {
    /// The binary is not installed.
    #[error("{ETCD_BINARY} is missing: install Debian's etcd-server package (apt-get install etcd-server)")]
    NotInstalled,
    /// Spawning etcd or preparing its directory failed.
    #[error("starting etcd: {0}")]
    Io(#[from] std::io::Error),
    /// The server exited or did not report healthy in time.
    #[error("etcd on 127.0.0.1:{port} not ready: {reason}; log tail:\n{log_tail}")]
    NotReady {
        /// The client port.
        port: u16,
        /// What happened.
        reason: String,
        /// The end of the server's log.
        log_tail: String,
    },
}

/// A running single-member etcd, killed on drop.
pub struct EtcdServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl EtcdServer {
    /// Starts a server on free loopback ports.
    pub fn start() -> Result<Self, EtcdServerError> {
        if !Path::new(ETCD_BINARY).exists() {
            return Err(EtcdServerError::NotInstalled);
        }
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            match Self::try_start() {
                Ok(server) => return Ok(server),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or(EtcdServerError::NotInstalled))
    }

    fn try_start() -> Result<Self, EtcdServerError> {
        let dir = tempfile::Builder::new()
            .prefix("metadata-etcd-")
            .tempdir()?;
        // Hold both listeners until both ports are known, so they differ.
        let client_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let peer_listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = client_listener.local_addr()?.port();
        let peer_port = peer_listener.local_addr()?.port();
        drop((client_listener, peer_listener));
        let child = spawn_etcd(dir.path(), port, peer_port)?;
        let mut server = Self { child, port, dir };
        server.wait_ready()?;
        Ok(server)
    }

    fn wait_ready(&mut self) -> Result<(), EtcdServerError> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(self.not_ready(format!("exited with {status}")));
            }
            if self.healthy() {
                return Ok(());
            }
            if started.elapsed() > Duration::from_millis(ETCD_READY_WAIT_MS_MAX) {
                return Err(self.not_ready(format!(
                    "/health not true within {ETCD_READY_WAIT_MS_MAX} ms"
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn not_ready(&mut self, reason: String) -> EtcdServerError {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let tail_start = log.len().saturating_sub(2000);
        let log_tail = log.get(tail_start..).unwrap_or_default().to_owned();
        EtcdServerError::NotReady {
            port: self.port,
            reason,
            log_tail,
        }
    }

    /// Whether `GET /health` on the client port reports `"health":"true"` (bounded to 2 s).
    pub fn healthy(&self) -> bool {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(500))
        else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut answer = Vec::new();
        // A 2 s read timeout and `Connection: close` bound this read.
        let _ = stream.take(64 * 1024).read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).contains("\"health\":\"true\"")
    }

    /// The client port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:<port>`, the client endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `etcd://127.0.0.1:<port><scope>`, a metadata service URI for `scope` (e.g. `/ledgers`).
    pub fn uri(&self, scope: &str) -> String {
        format!("etcd://127.0.0.1:{}{scope}", self.port)
    }

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("etcd.log")
    }
}

fn spawn_etcd(dir: &Path, port: u16, peer_port: u16) -> Result<Child, EtcdServerError> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("etcd.log"))?;
    let client_url = format!("http://127.0.0.1:{port}");
    let peer_url = format!("http://127.0.0.1:{peer_port}");
    let name = "metadata-test";
    Ok(Command::new(ETCD_BINARY)
        .arg("--name")
        .arg(name)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--listen-client-urls")
        .arg(&client_url)
        .arg("--advertise-client-urls")
        .arg(&client_url)
        .arg("--listen-peer-urls")
        .arg(&peer_url)
        .arg("--initial-advertise-peer-urls")
        .arg(&peer_url)
        .arg("--initial-cluster")
        .arg(format!("{name}={peer_url}"))
        .arg("--initial-cluster-state")
        .arg("new")
        .arg("--logger")
        .arg("zap")
        .arg("--log-level")
        .arg("warn")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?)
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        // Kill by PID (the child we started), then reap it so no zombie is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
