//! Startup checks fail with errors that name the problem and the fix: a missing directory, a
//! port already in use, an unknown key, a bad value, a changed core count, and a metadata
//! service that is not initialised.

#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;

use support::{free_port, scratch_dir, Bookie};

fn run_bookie(sets: &[String]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bookie"));
    for set in sets {
        command.arg("--set").arg(set);
    }
    let output = command.output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn base_sets(root: &std::path::Path, port: u16, cores: usize) -> Vec<String> {
    vec![
        format!(
            "journal_dirs=[{:?}]",
            root.join("journal").display().to_string()
        ),
        format!(
            "ledger_dirs=[{:?}]",
            root.join("ledgers").display().to_string()
        ),
        format!("bookie_port={port}"),
        "listen_address=\"127.0.0.1\"".to_owned(),
        format!("num_cores={cores}"),
        "pin_cores=false".to_owned(),
        "io_memory_bytes=262144".to_owned(),
    ]
}

#[test]
fn bad_configurations_are_refused_with_the_fix() {
    let dir = scratch_dir();
    let (ok, stderr) = run_bookie(&base_sets(dir.path(), free_port(), 1));
    assert!(
        !ok && stderr.contains("does not exist") && stderr.contains("journal_dirs"),
        "{stderr}"
    );

    let mut sets = base_sets(dir.path(), free_port(), 1);
    sets.push("journal_dir_typo=1".to_owned());
    let (ok, stderr) = run_bookie(&sets);
    assert!(!ok && stderr.contains("journal_dir_typo"), "{stderr}");

    let mut sets = base_sets(dir.path(), free_port(), 1);
    sets.push("flushInterval=0".to_owned());
    let (ok, stderr) = run_bookie(&sets);
    assert!(!ok && stderr.contains("flush_interval_ms"), "{stderr}");
}

#[test]
fn a_taken_port_and_a_changed_core_count_are_refused() {
    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 2, &[]);
    let other = scratch_dir();
    std::fs::create_dir_all(other.path().join("journal")).unwrap();
    std::fs::create_dir_all(other.path().join("ledgers")).unwrap();
    let (ok, stderr) = run_bookie(&base_sets(other.path(), bookie.port, 1));
    assert!(
        !ok && stderr.contains("bookie_port") && stderr.contains(&bookie.port.to_string()),
        "{stderr}"
    );

    let port = bookie.port;
    drop(bookie);
    let (ok, stderr) = run_bookie(&base_sets(dir.path(), port, 1));
    assert!(!ok && stderr.contains("num_cores = 2"), "{stderr}");
}

#[test]
fn an_uninitialised_metadata_service_is_refused() {
    let zookeeper = metadata::test_support::ZooKeeperServer::start().unwrap();
    let dir = scratch_dir();
    std::fs::create_dir_all(dir.path().join("journal")).unwrap();
    std::fs::create_dir_all(dir.path().join("ledgers")).unwrap();
    let mut sets = base_sets(dir.path(), free_port(), 1);
    sets.push(format!(
        "metadataServiceUri={:?}",
        zookeeper.uri("/ledgers")
    ));
    let (ok, stderr) = run_bookie(&sets);
    assert!(!ok && stderr.contains("init-cluster"), "{stderr}");
}
