//! Shared helpers of the wire tests: a real `bookie` process on 127.0.0.1 with temporary
//! directories on a persistent file system, and a blocking client speaking v2 or v3 frames
//! built with `proto`'s encoders. Every wait is bounded.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use proto::v3::{self, RequestBody};
use proto::{make_entry_body, v2, DigestType, EntryHeader, FrameDecoder, MacKey};
use types::{EntryId, LedgerId, MasterKey};

/// How long any single wait (startup, a response) may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// A temporary directory on a persistent file system: `$BOOKIE_TEST_SCRATCH`, else /tmp unless
/// it is tmpfs, else the cargo target tmp dir.
pub fn scratch_dir() -> tempfile::TempDir {
    let base = match std::env::var_os("BOOKIE_TEST_SCRATCH") {
        Some(dir) => PathBuf::from(dir),
        None if !tmp_is_tmpfs() => PathBuf::from("/tmp"),
        None => PathBuf::from(env!("CARGO_TARGET_TMPDIR")),
    };
    std::fs::create_dir_all(&base).unwrap();
    tempfile::Builder::new()
        .prefix("bookie-wire-")
        .tempdir_in(base)
        .unwrap()
}

fn tmp_is_tmpfs() -> bool {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.get(1) == Some(&"/tmp") && matches!(fields.get(2), Some(&"tmpfs") | Some(&"ramfs"))
    })
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running bookie process.
pub struct Bookie {
    child: Option<Child>,
    /// The client port.
    pub port: u16,
    /// The HTTP admin port.
    pub http_port: u16,
    /// Root of its directories.
    pub root: PathBuf,
    log: PathBuf,
    args: Vec<String>,
}

impl Bookie {
    /// Starts a bookie with `cores` cores under `root` (journal and ledger dirs inside it),
    /// plus `extra` `--set` overrides; waits until it accepts connections.
    pub fn start(root: &Path, cores: usize, extra: &[&str]) -> Bookie {
        let (journal, ledgers) = (root.join("journal"), root.join("ledgers"));
        std::fs::create_dir_all(&journal).unwrap();
        std::fs::create_dir_all(&ledgers).unwrap();
        let (port, http_port) = (free_port(), free_port());
        let mut args = vec![
            format!("journal_dirs=[{:?}]", journal.display().to_string()),
            format!("ledger_dirs=[{:?}]", ledgers.display().to_string()),
            format!("bookie_port={port}"),
            "listen_address=\"127.0.0.1\"".to_owned(),
            format!("num_cores={cores}"),
            "pin_cores=false".to_owned(),
            "io_memory_bytes=262144".to_owned(),
            "ring_depth=32".to_owned(),
            "http_server_enabled=true".to_owned(),
            format!("http_server_port={http_port}"),
            "write_cache_bytes_max=16777216".to_owned(),
            "read_cache_bytes_max=4194304".to_owned(),
            "journal_preallocate_step_bytes=1048576".to_owned(),
            // Shared build machines run with full disks; read-only mode has its own tests.
            "disk_usage_threshold=0.999".to_owned(),
            "disk_usage_lwm_threshold=0.998".to_owned(),
        ];
        args.extend(extra.iter().map(|set| (*set).to_owned()));
        let mut bookie = Bookie {
            child: None,
            port,
            http_port,
            root: root.to_path_buf(),
            log: root.join("bookie.log"),
            args,
        };
        bookie.spawn();
        bookie
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_bookie"));
        for set in &self.args {
            command.arg("--set").arg(set);
        }
        command
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log);
        let log_bytes_before = self.log_text().len();
        self.child = Some(command.spawn().unwrap());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("bookie exited at start with {status}: {}", self.log_text());
            }
            // Readiness is the log line, not a successful connect: a connect to a free local port
            // can succeed by TCP self-connection.
            if self
                .log_text()
                .get(log_bytes_before..)
                .is_some_and(|new| new.contains("bookie ready"))
            {
                return;
            }
            assert!(
                started.elapsed() < WAIT,
                "bookie did not listen within {WAIT:?}: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The process's log so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILLs the process and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM (a clean stop) and waits for the process to exit; returns its status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("the bookie is running");
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM failed");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if started.elapsed() > WAIT {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "bookie did not stop within {WAIT:?} of SIGTERM: {}",
                    self.log_text()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the same bookie again (same directories and ports).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// A new client connection.
    pub fn connect(&self) -> Client {
        Client::connect(self.port)
    }

    /// One HTTP request to the admin port; returns (status, body).
    pub fn http(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.http_port)).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }
}

impl Drop for Bookie {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A blocking client connection.
pub struct Client {
    /// The socket.
    pub stream: TcpStream,
    buffer: BytesMut,
}

impl Client {
    /// Connects to 127.0.0.1:`port`.
    pub fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(WAIT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            buffer: BytesMut::new(),
        }
    }

    /// A client over an existing stream (for example a reader thread's clone).
    pub fn from_stream(stream: TcpStream) -> Client {
        Client {
            stream,
            buffer: BytesMut::new(),
        }
    }

    /// Writes raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Sends a v2 request.
    pub fn send_v2(&mut self, request: &v2::Request) {
        let mut out = BytesMut::new();
        request
            .encode_frame(proto::FRAME_BYTES_MAX_DEFAULT, &mut out)
            .unwrap();
        self.send_raw(&out);
    }

    /// Sends a v3 request.
    pub fn send_v3(&mut self, request: &v3::Request) {
        let mut out = BytesMut::new();
        request
            .encode_frame(proto::FRAME_BYTES_MAX_DEFAULT, &mut out)
            .unwrap();
        self.send_raw(&out);
    }

    /// The next frame's payload, or `None` when the bookie closed the connection.
    pub fn recv_frame(&mut self) -> Option<Bytes> {
        let decoder = FrameDecoder::default();
        loop {
            if let Some(frame) = decoder.decode(&mut self.buffer).unwrap() {
                return Some(frame);
            }
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(read) => self.buffer.extend_from_slice(&chunk[..read]),
                Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => return None,
                Err(error) if error.kind() == std::io::ErrorKind::ConnectionAborted => return None,
                Err(error) => panic!("no response within {WAIT:?}: {error}"),
            }
        }
    }

    /// The next v2 response.
    pub fn recv_v2(&mut self) -> v2::Response {
        v2::Response::decode(self.recv_frame().expect("connection closed")).unwrap()
    }

    /// The next v3 response.
    pub fn recv_v3(&mut self) -> v3::Response {
        v3::Response::decode(self.recv_frame().expect("connection closed")).unwrap()
    }

    /// Sends a v3 request and returns its response (no other request in flight).
    pub fn call_v3(&mut self, txn_id: u64, body: RequestBody) -> v3::Response {
        self.send_v3(&v3::Request::new(txn_id, body));
        let response = self.recv_v3();
        assert_eq!(response.header.txn_id, txn_id);
        response
    }

    /// Whether the bookie closes the connection within the wait.
    pub fn is_closed_by_bookie(&mut self) -> bool {
        let _ = self.stream.shutdown(Shutdown::Write);
        loop {
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
        }
    }
}

/// The master key of password `password`.
pub fn key(password: &[u8]) -> MasterKey {
    proto::master_key(password)
}

/// A CRC32C entry body of `ledger_id`/`entry_id` with LAC `entry_id - 1`.
pub fn entry(ledger_id: LedgerId, entry_id: EntryId, payload: &[u8]) -> Bytes {
    let header = EntryHeader {
        ledger_id,
        entry_id,
        last_add_confirmed: entry_id - 1,
        length: (entry_id + 1) * payload.len() as i64,
    };
    Bytes::from(make_entry_body(
        DigestType::Crc32c,
        &MacKey::from_password(b"pw"),
        &header,
        payload,
    ))
}

/// A v2 ADD.
pub fn v2_add(master_key: MasterKey, body: Bytes, flags: v2::Flags) -> v2::Request {
    v2::Request::Add(v2::AddRequest::new(2, flags, master_key, body).unwrap())
}

/// A v2 READ (fencing when `fence_key` is given).
pub fn v2_read(
    ledger_id: LedgerId,
    entry_id: EntryId,
    fence_key: Option<MasterKey>,
) -> v2::Request {
    let flags = if fence_key.is_some() {
        v2::Flags::DO_FENCING
    } else {
        v2::Flags::NONE
    };
    v2::Request::Read(v2::ReadRequest {
        version: 2,
        flags,
        ledger_id,
        entry_id,
        master_key: fence_key,
    })
}

/// A v3 ADD body.
pub fn v3_add(
    ledger_id: LedgerId,
    entry_id: EntryId,
    master_key: MasterKey,
    body: Bytes,
    recovery: bool,
) -> RequestBody {
    RequestBody::Add(v3::AddRequest {
        ledger_id,
        entry_id,
        master_key: Bytes::copy_from_slice(&master_key),
        body,
        write_flags: None,
        flag: recovery.then_some(v3::AddFlag::RecoveryAdd),
    })
}

/// A v3 READ body.
pub fn v3_read(ledger_id: LedgerId, entry_id: EntryId) -> v3::ReadRequest {
    v3::ReadRequest {
        ledger_id,
        entry_id,
        master_key: None,
        previous_lac: None,
        timeout_ms: None,
        flag: None,
    }
}

/// Pipelines v2 adds of entries `0..entries` to each ledger of `ledgers` (interleaved, payload
/// `"{tag}-{ledger}-{entry}"`) on `client` without waiting, then checks that every answer is an
/// EOK v2 ADD of one of them, in any order. Returns the bodies by (ledger, entry).
pub fn pipeline_v2_adds(
    client: &mut Client,
    ledgers: std::ops::RangeInclusive<LedgerId>,
    entries: EntryId,
    tag: &str,
) -> std::collections::HashMap<(LedgerId, EntryId), Bytes> {
    let mut bodies = std::collections::HashMap::new();
    for entry_id in 0..entries {
        for ledger_id in ledgers.clone() {
            let body = entry(
                ledger_id,
                entry_id,
                format!("{tag}-{ledger_id}-{entry_id}").as_bytes(),
            );
            bodies.insert((ledger_id, entry_id), body.clone());
            client.send_v2(&v2_add(key(b"pw"), body, v2::Flags::NONE));
        }
    }
    for _ in 0..bodies.len() {
        let v2::Response::Add(add) = client.recv_v2() else {
            panic!("expected an ADD response")
        };
        assert_eq!(add.status, proto::StatusCode::Ok);
        assert_eq!(add.version, 2);
        assert!(bodies.contains_key(&(add.ledger_id, add.entry_id)));
    }
    bodies
}

/// Runs `bookie init-cluster` against `uri` and asserts that it succeeded.
pub fn init_cluster(uri: &str) {
    let init = Command::new(env!("CARGO_BIN_EXE_bookie"))
        .args(["init-cluster", "--metadata-service-uri", uri])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
}
