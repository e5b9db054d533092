//! Registration in a real ZooKeeper (Debian's zookeeper package, started by
//! `metadata::test_support`): `bookie init-cluster`, three bookie processes registered under
//! `/ledgers/available` with their cookies, a read-only switch moving one registration under
//! `available/readonly`, a clean stop (SIGTERM) removing its registration at once, and a restart
//! with other directories refused for a cookie mismatch.

#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use metadata::test_support::ZooKeeperServer;
use metadata::{BookieId, BookieSet, MetadataStore, ZkMetadataStore, ZkOptions};
use support::{init_cluster, scratch_dir, Bookie};

fn list(store: &ZkMetadataStore) -> BookieSet {
    futures::executor::block_on(store.list_bookies()).unwrap()
}

fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn three_bookies_register_and_follow_read_only_mode() {
    let zookeeper = ZooKeeperServer::start().unwrap();
    let uri = zookeeper.uri("/ledgers");
    init_cluster(&uri);
    let uri_set = format!("metadataServiceUri={uri:?}");

    let dirs: Vec<_> = (0..3).map(|_| scratch_dir()).collect();
    let mut bookies: Vec<Bookie> = dirs
        .iter()
        .map(|dir| Bookie::start(dir.path(), 1, &[&uri_set]))
        .collect();
    let store =
        futures::executor::block_on(ZkMetadataStore::connect(&uri, ZkOptions::default())).unwrap();
    let ids: Vec<BookieId> = bookies
        .iter()
        .map(|bookie| BookieId::parse(&format!("127.0.0.1:{}", bookie.port)).unwrap())
        .collect();
    let registered = list(&store);
    for (id, bookie) in ids.iter().zip(&bookies) {
        assert!(
            registered.writable.contains(id),
            "{id:?} not under /ledgers/available: {registered:?}"
        );
        let (cookie, _) = futures::executor::block_on(store.read_cookie(id)).unwrap();
        assert_eq!(cookie.bookie_id, id.as_str());
        let info = futures::executor::block_on(store.bookie_service_info(id)).unwrap();
        assert_eq!(info.rpc_address(), Some(("127.0.0.1", bookie.port)));
    }
    // The local VERSION files hold the same cookie.
    let local = std::fs::read(dirs[0].path().join("ledgers/current/VERSION")).unwrap();
    let (remote, _) = futures::executor::block_on(store.read_cookie(&ids[0])).unwrap();
    assert_eq!(metadata::Cookie::decode(&local).unwrap(), remote);

    // Read-only mode moves the registration, and back.
    bookies[1].http(
        "PUT",
        "/api/v1/bookie/state/readonly",
        "{\"readOnly\":true}",
    );
    wait_until("a read-only registration", || {
        let set = list(&store);
        set.readonly.contains(&ids[1]) && !set.writable.contains(&ids[1])
    });
    bookies[1].http(
        "PUT",
        "/api/v1/bookie/state/readonly",
        "{\"readOnly\":false}",
    );
    wait_until("a writable registration", || {
        list(&store).writable.contains(&ids[1])
    });

    // SIGTERM: the bookie deletes its registration itself (not after a session timeout).
    let status = bookies[0].terminate();
    assert!(status.success(), "{status}: {}", bookies[0].log_text());
    assert!(
        bookies[0].log_text().contains("bookie unregistered"),
        "{}",
        bookies[0].log_text()
    );
    let set = list(&store);
    assert!(
        !set.writable.contains(&ids[0]) && !set.readonly.contains(&ids[0]),
        "{set:?}"
    );

    // Restarting bookie 2 with an extra ledger directory is refused: its cookie names one.
    let extra = dirs[2].path().join("ledgers-extra");
    std::fs::create_dir_all(&extra).unwrap();
    let journal = dirs[2].path().join("journal");
    let ledgers = dirs[2].path().join("ledgers");
    let refused = Command::new(env!("CARGO_BIN_EXE_bookie"))
        .args([
            "--set",
            &uri_set,
            "--set",
            &format!("bookie_port={}", bookies[2].port),
            "--set",
            "listen_address=\"127.0.0.1\"",
        ])
        .args([
            "--set",
            &format!("journal_dirs=[{:?}]", journal.display().to_string()),
        ])
        .args([
            "--set",
            &format!(
                "ledger_dirs=[{:?}, {:?}]",
                ledgers.display().to_string(),
                extra.display().to_string()
            ),
        ])
        .args([
            "--set",
            "num_cores=1",
            "--set",
            "pin_cores=false",
            "--set",
            "io_memory_bytes=262144",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("cookie mismatch"), "{stderr}");

    // A second init-cluster is refused with a clear error.
    let again = Command::new(env!("CARGO_BIN_EXE_bookie"))
        .args(["init-cluster", "--metadata-service-uri", &uri])
        .output()
        .unwrap();
    assert!(!again.status.success());
}
