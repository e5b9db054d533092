//! `bench writes --metadata-uri` against a real 3-bookie cluster (ZooKeeper + bookie processes
//! on 127.0.0.1): replicated adds through the client library (E3/Qw2/Qa2 here), with the
//! percentile fields, the quorums and the disk ratios in the JSON and a valid PNG.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use client::test_support::{scratch_dir, Cluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_run_against_a_three_bookie_zookeeper_cluster() {
    let cluster = Cluster::start(3).await;
    let dir = scratch_dir();
    let (json, png, disk) = (
        dir.path().join("cluster.json"),
        dir.path().join("cluster.png"),
        dir.path().join("disk"),
    );
    let args: Vec<String> = [
        "writes",
        "--metadata-uri",
        &cluster.uri,
        "-E",
        "3",
        "--qw",
        "2",
        "--qa",
        "2",
        "--protocol",
        "v3",
        "--ledgers",
        "4",
        "--rate",
        "1000",
        "--warmup",
        "0.5",
        "--duration",
        "2",
        "--disk-dir",
        disk.to_str().unwrap(),
        "--disk-seconds",
        "0.3",
        "--json-out",
        json.to_str().unwrap(),
        "--png-out",
        png.to_str().unwrap(),
        "--quiet",
    ]
    .iter()
    .map(|arg| (*arg).to_owned())
    .collect();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_bench"))
            .args(&args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(
        report["target"].as_str().unwrap().contains("E3/Qw2/Qa2"),
        "{report}"
    );
    for field in [
        "p50_us",
        "p90_us",
        "p99_us",
        "p99_9_us",
        "p99_99_us",
        "max_us",
    ] {
        assert!(report["latency"][field].as_f64().unwrap() > 0.0, "{field}");
    }
    assert_eq!(
        report["ops"].as_u64().unwrap() + report["unissued"].as_u64().unwrap(),
        2000,
        "{report}"
    );
    assert!(
        report["ratios"]["p50_over_disk_fsync_p50"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let png = std::fs::read(&png).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}
