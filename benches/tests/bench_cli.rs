//! `bench` end to end against a real bookie started in this process (`bookie::runtime::start`
//! on 127.0.0.1 with a free port): `bench writes` writes a JSON report with the percentile
//! fields and a valid PNG, `bench reads` reads back what it wrote, and bad flags fail with a
//! message naming the flag. Every run is bounded (a few seconds of load, a hard timeout).

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use client::test_support::scratch_dir;

/// Longest any `bench` run may take before the test fails.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Starts a one-core bookie in this process; it serves until the test process exits.
fn start_bookie(root: &Path) -> u16 {
    let port = client::test_support::free_port();
    let sets = client::test_support::small_bookie_sets(root, port);
    let config = bookie::Config::load(None, &sets).unwrap();
    let running = bookie::runtime::start(config).unwrap();
    // The executors keep serving after the handle is forgotten; the process exit ends them.
    std::mem::forget(running);
    port
}

/// Runs `bench` with `args`, killing it after `RUN_TIMEOUT`.
fn bench(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > RUN_TIMEOUT {
            let _ = child.kill();
            panic!("bench {args:?} ran longer than {RUN_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        bytes.get(..8),
        Some(&b"\x89PNG\r\n\x1a\n"[..]),
        "{} is not a PNG",
        path.display()
    );
    assert!(
        bytes.len() > 5_000,
        "{} is only {} bytes",
        path.display(),
        bytes.len()
    );
}

#[test]
fn writes_report_has_percentiles_disk_ratios_and_a_png() {
    let dir = scratch_dir();
    let port = start_bookie(&dir.path().join("bookie"));
    let (json, png) = (
        dir.path().join("writes.json"),
        dir.path().join("writes.png"),
    );
    let disk_dir = dir.path().join("disk");
    let address = format!("127.0.0.1:{port}");
    let output = bench(&[
        "writes",
        "--bookie",
        &address,
        "--entry-bytes",
        "512",
        "--max-outstanding",
        "64",
        "--rate",
        "2000",
        "--warmup",
        "0.5",
        "--duration",
        "2",
        "--disk-dir",
        disk_dir.to_str().unwrap(),
        "--disk-seconds",
        "0.3",
        "--json-out",
        json.to_str().unwrap(),
        "--png-out",
        png.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("x the disk's write+fdatasync p50; throughput ="),
        "{}",
        text(&output)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for field in [
        "p50_us",
        "p90_us",
        "p99_us",
        "p99_9_us",
        "p99_99_us",
        "max_us",
    ] {
        let value = report["latency"][field].as_f64().unwrap();
        assert!(value > 0.0, "{field} = {value}");
    }
    // Open loop at 2000/s for 2 s: every scheduled add is acknowledged or reported unissued.
    let (ops, unissued) = (
        report["ops"].as_u64().unwrap(),
        report["unissued"].as_u64().unwrap(),
    );
    assert_eq!(ops + unissued, 4000, "{report}");
    assert!(report["ops_per_second"].as_f64().unwrap() > 0.0);
    assert!(
        report["disk"]["fsync"]["write_and_sync"]["p50_us"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(
        report["ratios"]["p50_over_disk_fsync_p50"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(report["percentile_curve"].as_array().unwrap().len() > 5);
    assert_png(&png);
}

#[test]
fn catch_up_reads_read_back_every_entry_written_over_v3() {
    let dir = scratch_dir();
    let port = start_bookie(&dir.path().join("bookie"));
    let json = dir.path().join("reads.json");
    let address = format!("127.0.0.1:{port}");
    let output = bench(&[
        "reads",
        "--mode",
        "catchup",
        "--protocol",
        "v3",
        "--bookie",
        &address,
        "--entries",
        "3000",
        "--max-outstanding",
        "100",
        "--disk-seconds",
        "0",
        "--json-out",
        json.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["kind"], "reads-catchup");
    assert_eq!(report["ops"].as_u64(), Some(3000), "{report}");
    assert!(report["latency"]["p99_us"].as_f64().unwrap() > 0.0);
}

#[test]
fn tailing_reads_report_end_to_end_and_read_after_ack_latency() {
    let dir = scratch_dir();
    let port = start_bookie(&dir.path().join("bookie"));
    let json = dir.path().join("tailing.json");
    let address = format!("127.0.0.1:{port}");
    let output = bench(&[
        "reads",
        "--mode",
        "tailing",
        "--bookie",
        &address,
        "--rate",
        "1000",
        "--warmup",
        "0.2",
        "--duration",
        "1",
        "--disk-seconds",
        "0",
        "--json-out",
        json.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let (ops, unissued) = (
        report["ops"].as_u64().unwrap(),
        report["unissued"].as_u64().unwrap(),
    );
    assert_eq!(ops + unissued, 1000, "{report}");
    let end_to_end = report["latency"]["p50_us"].as_f64().unwrap();
    let after_ack = report["secondary_latency"]["p50_us"].as_f64().unwrap();
    assert!(
        after_ack > 0.0 && after_ack <= end_to_end,
        "read after ack {after_ack} us, end to end {end_to_end} us"
    );
}

#[test]
fn bad_flags_fail_with_a_message_naming_the_flag() {
    let cases: [(&[&str], &str); 5] = [
        (&["writes", "--bookie", "localhost"], "--bookie"),
        (
            &["reads", "--metadata-uri", "zk://127.0.0.1:2181/ledgers"],
            "runs against one bookie",
        ),
        (
            &["writes", "--bookie", "127.0.0.1:1", "-E", "3"],
            "--ensemble",
        ),
        (
            &[
                "writes",
                "--bookie",
                "127.0.0.1:1",
                "--max-outstanding",
                "0",
            ],
            "--max-outstanding",
        ),
        (
            &["disk", "--dir", "/proc/bench", "--seconds", "0.1"],
            "/proc/bench",
        ),
    ];
    for (args, expected) in cases {
        let output = bench(args);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(
            text(&output).contains(expected),
            "{args:?}: {}",
            text(&output)
        );
    }
}
