//! Goal: the embedded store is crash-safe: after `kill -9` of a writing process, every ledger
//! whose create returned is present and decodes, and the ledgers form a gap-free prefix.
//! Method: this test binary re-runs itself as a child (selected by an environment variable)
//! that creates ledgers 0, 1, 2, ... and prints each id after its create returned; the parent
//! kills the child with SIGKILL after 40 acknowledgements, reopens the file and checks it.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::fixture_ledger_metadata;
use metadata::{EmbeddedMetadataStore, MetadataStore};

const CHILD_ENV: &str = "METADATA_KILL9_CHILD_FILE";

#[test]
fn kill9_child_writer() {
    // Only does something when started by the parent test below.
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    futures::executor::block_on(async {
        let store = EmbeddedMetadataStore::open(path.as_ref(), "/ledgers").unwrap();
        store.init_cluster().await.unwrap();
        let mut stdout = std::io::stdout();
        for ledger in 0..100_000 {
            store
                .create_ledger_metadata(ledger, &fixture_ledger_metadata())
                .await
                .unwrap();
            writeln!(stdout, "acked {ledger}").unwrap();
            stdout.flush().unwrap();
        }
    });
}

#[test]
fn acknowledged_creates_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metadata.redb");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "kill9_child_writer",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Read the child's output on a thread so the wait for acknowledgements is bounded.
    let stdout = child.stdout.take().unwrap();
    let (acks, acks_received) = std::sync::mpsc::channel::<i64>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(id) = line.strip_prefix("acked ") {
                if acks.send(id.parse().unwrap()).is_err() {
                    return;
                }
            }
        }
    });
    let mut acked: i64 = -1;
    while acked < 40 {
        match acks_received.recv_timeout(Duration::from_secs(30)) {
            Ok(id) => acked = id,
            Err(e) => {
                let _ = child.kill();
                panic!("child gave {acked} acks, then {e}");
            }
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();

    futures::executor::block_on(async {
        let store = EmbeddedMetadataStore::open(&path, "/ledgers").unwrap();
        let ledgers = store.list_ledgers().await.unwrap();
        assert!(
            ledgers.len() as i64 > acked,
            "acked {acked}, found {}",
            ledgers.len()
        );
        assert_eq!(ledgers, (0..ledgers.len() as i64).collect::<Vec<_>>());
        for ledger in ledgers {
            assert_eq!(
                store.read_ledger_metadata(ledger).await.unwrap().0,
                fixture_ledger_metadata()
            );
        }
    });
}
