//! bkctl against a real cluster (ZooKeeper + 3 bookie processes on 127.0.0.1): every verb, its
//! JSON output, and its errors.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use client::test_support::Cluster;
use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn bkctl(uri: &str, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_bkctl"))
        .arg("--metadata-uri")
        .arg(uri)
        .args(args)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn json(uri: &str, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let run = bkctl(uri, &all);
    assert_eq!(run.code, 0, "bkctl {args:?} failed: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap_or_else(|error| panic!("{error}: {}", run.stdout))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bkctl_verbs_work_against_a_real_cluster() {
    let cluster = Cluster::start(3).await;
    let uri = cluster.uri.clone();
    tokio::task::spawn_blocking(move || check_verbs(&uri))
        .await
        .unwrap();
}

fn check_verbs(uri: &str) {
    // cluster init on a fresh root, then info; a second init says why it failed.
    let fresh = uri.replace("/ledgers", "/other-cluster");
    let init = json(&fresh, &["cluster", "init"]);
    assert!(init["instanceId"].as_str().unwrap().len() >= 32);
    let again = bkctl(&fresh, &["cluster", "init"]);
    assert_eq!(again.code, 1);
    assert!(
        again.stderr.contains("already initialised"),
        "{}",
        again.stderr
    );
    let info = json(uri, &["cluster", "info"]);
    assert_eq!(info["writableBookies"], 3);

    // bookies list / info.
    let bookies = json(uri, &["bookies", "list"]);
    assert_eq!(bookies["readwrite"].as_array().unwrap().len(), 3);
    assert_eq!(bookies["readonly"].as_array().unwrap().len(), 0);
    let text = bkctl(uri, &["bookies", "list", "--readwrite"]);
    assert!(
        text.stdout.starts_with("ReadWrite Bookies:"),
        "{}",
        text.stdout
    );
    let disk = json(uri, &["bookies", "info"]);
    for row in disk["bookies"].as_array().unwrap() {
        assert!(row["totalBytes"].as_i64().unwrap() > 0, "{row}");
    }

    // ledger write / read / metadata / list / delete.
    let written = json(
        uri,
        &[
            "ledger",
            "write",
            "-e",
            "3",
            "-w",
            "3",
            "-a",
            "2",
            "--password",
            "pw",
            "--data",
            "alpha",
            "--data",
            "beta",
        ],
    );
    let id = written["ledgerId"].as_i64().unwrap();
    let id_text = id.to_string();
    let read = json(uri, &["ledger", "read", &id_text, "--password", "pw"]);
    let payloads: Vec<&str> = read["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payload"].as_str().unwrap())
        .collect();
    assert_eq!(payloads, ["alpha", "beta"]);
    let wrong = bkctl(uri, &["ledger", "read", &id_text, "--password", "nope"]);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("unauthorized"), "{}", wrong.stderr);
    let metadata = json(uri, &["ledger", "metadata", &id_text]);
    assert_eq!(metadata["state"], "CLOSED");
    assert_eq!(metadata["lastEntryId"], 1);
    assert_eq!(metadata["length"], 9);
    assert_eq!(
        metadata["ensembles"][0]["bookies"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // An open, empty ledger recovered by `read --recover` closes at -1.
    let created = json(uri, &["ledger", "create", "-e", "2", "-w", "2", "-a", "1"]);
    let open_id = created["ledgerId"].as_i64().unwrap().to_string();
    assert_eq!(created["state"], "OPEN");
    let recovered = json(uri, &["ledger", "read", &open_id, "--recover"]);
    assert_eq!(recovered["entries"].as_array().unwrap().len(), 0);
    assert_eq!(
        json(uri, &["ledger", "metadata", &open_id])["state"],
        "CLOSED"
    );

    let list = json(uri, &["ledger", "list"]);
    let ids: Vec<i64> = list["ledgers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(ids.contains(&id), "{ids:?}");
    json(uri, &["ledger", "delete", &id_text]);
    let gone = bkctl(uri, &["ledger", "metadata", &id_text]);
    assert_eq!(gone.code, 1);
    assert!(gone.stderr.contains("does not exist"), "{}", gone.stderr);

    // Bad usage exits 2 with clap's message; a bad URI names the bad part.
    let usage = bkctl(uri, &["ledger", "frobnicate"]);
    assert_eq!(usage.code, 2);
    let bad_uri = bkctl("zk+flat://127.0.0.1:1/ledgers", &["bookies", "list"]);
    assert_eq!(bad_uri.code, 1);
    assert!(
        bad_uri.stderr.contains("flat ledger manager"),
        "{}",
        bad_uri.stderr
    );
}
