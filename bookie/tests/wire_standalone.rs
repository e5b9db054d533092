//! `bookie standalone`: three bookies in one process on loopback, registered in the embedded
//! metadata store, each accepting adds; a restart on the same data directory passes the
//! cookie checks and registers again.

#![allow(clippy::unwrap_used)]

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proto::v2::Flags;
use proto::StatusCode;
use support::{entry, free_port, key, scratch_dir, v2_add, Client};

/// The standalone process, killed when dropped: also when an assertion fails, so a failing test
/// leaves no bookies running.
struct Standalone(std::process::Child);

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run_standalone(data_dir: &std::path::Path, base_port: u16, log: &std::path::Path) -> Standalone {
    let log_file = std::fs::File::create(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_bookie"))
        .args([
            "standalone",
            "--bookies",
            "3",
            "--base-port",
            &base_port.to_string(),
            "--data-dir",
        ])
        .arg(data_dir)
        .args(["--set", "io_memory_bytes=262144", "--set", "ring_depth=32"])
        // As every wire test: the host's disk may be fuller than the default 95% threshold,
        // which would start the bookies read-only (that path has its own test).
        .args([
            "--set",
            "disk_usage_threshold=0.999",
            "--set",
            "disk_usage_lwm_threshold=0.998",
        ])
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .unwrap();
    let child = Standalone(child);
    let started = Instant::now();
    while !std::fs::read_to_string(log)
        .unwrap()
        .contains("standalone cluster ready")
    {
        assert!(
            started.elapsed() < support::WAIT,
            "standalone not ready: {}",
            std::fs::read_to_string(log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[test]
fn standalone_runs_three_registered_bookies_and_restarts() {
    let dir = scratch_dir();
    // Three consecutive free ports, found by probing a random base.
    let base_port = loop {
        let base = free_port();
        if base < 65000
            && (1..3)
                .all(|offset| std::net::TcpListener::bind(("127.0.0.1", base + offset)).is_ok())
        {
            break base;
        }
    };
    let log = dir.path().join("standalone.log");
    for round in 0..2 {
        let child = run_standalone(&dir.path().join("data"), base_port, &log);
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains("writable=3"), "{text}");
        for offset in 0..3 {
            let mut client = Client::connect(base_port + offset);
            client.send_v2(&v2_add(
                key(b"pw"),
                entry(1, round, b"standalone"),
                Flags::NONE,
            ));
            assert_eq!(client.recv_v2().status(), StatusCode::Ok);
        }
        drop(child);
    }
}
