//! ZooKeeper-only behaviour: session expiry and renewal, a crashed previous session's
//! registration, corrupt znodes written by someone else, and unreachable servers.
//! Method: a real ZooKeeper 3.8 with tickTime 500 ms (so sessions of 1-10 s are allowed); a
//! session is expired by an outage: the server is killed for longer than the session timeout
//! and restarted on the same port and data directory.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{bookie, sleep_ms, within};
use metadata::test_support::ZooKeeperServer;
use metadata::{
    BookieServiceInfo, LedgerPathScheme, MetadataError, MetadataStore, ZkMetadataStore, ZkOptions,
};
use zookeeper_client::{Acls, Client, CreateMode};

fn options(session_timeout_ms: u64) -> ZkOptions {
    ZkOptions {
        session_timeout_ms,
        registration_wait_ms: None,
    }
}

async fn store(server: &ZooKeeperServer, root: &str, options: ZkOptions) -> ZkMetadataStore {
    ZkMetadataStore::connect_servers(
        &server.connect_string(),
        root,
        LedgerPathScheme::Hierarchical,
        options,
    )
    .await
    .unwrap()
}

#[test]
fn expired_session_is_renewed_and_the_registration_restored() {
    let mut server = ZooKeeperServer::start_with_tick_ms(500).unwrap();
    let server = &mut server;
    futures::executor::block_on(within(60, "test", async {
        let bookie_store = store(server, "/ledgers", options(2_000)).await;
        bookie_store.init_cluster().await.unwrap();
        let observer = store(server, "/ledgers", options(2_000)).await;
        let id = bookie("127.0.0.1:3181");
        bookie_store
            .register_bookie(
                &id,
                &BookieServiceInfo::bookie_rpc("127.0.0.1", 3181, true),
                true,
            )
            .await
            .unwrap();
        let old_session = bookie_store.session_id();

        // An outage longer than the session timeout expires the session on the client side.
        let mut state = bookie_store.client().state_watcher();
        server.kill();
        within(20, "session expiry", async {
            while state.changed().await != zookeeper_client::SessionState::Expired {}
        })
        .await;
        server.restart().unwrap();

        // The store notices, opens a new session and registers again (read-only, as before),
        // after the restarted server has expired the old session's node.
        let path = "/ledgers/available/readonly/127.0.0.1:3181";
        let started = Instant::now();
        loop {
            // The observer's session expired too and is being renewed: errors are expected here.
            let owner = observer
                .client()
                .get_data(path)
                .await
                .map(|(_, stat)| stat.ephemeral_owner);
            if bookie_store.session_id() != old_session && owner == Ok(bookie_store.session_id()) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "not re-registered: owner {owner:?}"
            );
            sleep_ms(100).await;
        }
        assert!(observer
            .list_bookies()
            .await
            .unwrap()
            .readonly
            .contains(&id));
        // The renewed store works for everything else too.
        assert!(bookie_store.generate_ledger_id().await.is_ok());
    }));
}

#[test]
fn registration_left_by_a_crashed_session_is_awaited_until_it_expires() {
    let server = ZooKeeperServer::start_with_tick_ms(500).unwrap();
    futures::executor::block_on(within(60, "test", async {
        let admin = store(&server, "/ledgers", options(2_000)).await;
        admin.init_cluster().await.unwrap();
        let id = bookie("127.0.0.1:3181");
        let path = "/ledgers/available/127.0.0.1:3181";

        // A "crashed bookie": a detached session whose connection goes away without closing it.
        let crashed = Client::connector()
            .with_session_timeout(Duration::from_millis(2_000))
            .with_detached()
            .connect(&server.connect_string())
            .await
            .unwrap();
        crashed
            .create(
                path,
                b"old",
                &CreateMode::Ephemeral.with_acls(Acls::anyone_all()),
            )
            .await
            .unwrap();
        drop(crashed);

        // A store that waits only 300 ms gives up with a timeout, leaving the old node alone.
        let impatient = store(
            &server,
            "/ledgers",
            ZkOptions {
                session_timeout_ms: 2_000,
                registration_wait_ms: Some(300),
            },
        )
        .await;
        let info = BookieServiceInfo::bookie_rpc("127.0.0.1", 3181, false);
        assert!(matches!(
            impatient.register_bookie(&id, &info, false).await,
            Err(MetadataError::Timeout { .. })
        ));

        // The restarted bookie waits for ZooKeeper to expire the old session, then registers.
        let restarted = store(&server, "/ledgers", options(2_000)).await;
        let started = Instant::now();
        restarted.register_bookie(&id, &info, false).await.unwrap();
        let waited = started.elapsed();
        assert!(waited < Duration::from_secs(15), "{waited:?}");
        let (data, stat) = admin.client().get_data(path).await.unwrap();
        assert_eq!(stat.ephemeral_owner, restarted.session_id());
        assert_eq!(BookieServiceInfo::decode(&data).unwrap(), info);
    }));
}

#[test]
fn corrupt_znodes_are_errors_naming_the_path() {
    let server = ZooKeeperServer::start().unwrap();
    futures::executor::block_on(within(60, "test", async {
        let store = store(&server, "/ledgers", options(4_000)).await;
        store.init_cluster().await.unwrap();
        let raw = store.client();
        let acl = CreateMode::Persistent.with_acls(Acls::anyone_all());
        raw.mkdir("/ledgers/00/0000", &acl).await.unwrap();
        raw.create(
            "/ledgers/00/0000/L0001",
            b"BookieMetadataFormatVersion\t3\n\x30\x08",
            &acl,
        )
        .await
        .unwrap();
        raw.create("/ledgers/cookies/b:1", b"5\nbookieHost: \"b:1\n", &acl)
            .await
            .unwrap();
        raw.create(
            "/ledgers/available/b:1",
            b"\xff\xff",
            &CreateMode::Ephemeral.with_acls(Acls::anyone_all()),
        )
        .await
        .unwrap();
        raw.set_data("/ledgers/INSTANCEID", b"", None)
            .await
            .unwrap();
        // A stray node under a ledger directory is skipped by the listing, not fatal.
        raw.create("/ledgers/00/0000/junk", b"", &acl)
            .await
            .unwrap();

        match store.read_ledger_metadata(1).await {
            Err(MetadataError::Corrupt { path, .. }) => assert_eq!(path, "/ledgers/00/0000/L0001"),
            other => panic!("{other:?}"),
        }
        match store.read_cookie(&bookie("b:1")).await {
            Err(MetadataError::Corrupt { path, .. }) => assert_eq!(path, "/ledgers/cookies/b:1"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            store.bookie_service_info(&bookie("b:1")).await,
            Err(MetadataError::Corrupt { .. })
        ));
        assert!(matches!(
            store.instance_id().await,
            Err(MetadataError::Corrupt { .. })
        ));
        assert_eq!(store.list_ledgers().await.unwrap(), vec![1]);
    }));
}

#[test]
fn unreachable_server_is_a_bounded_connection_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    futures::executor::block_on(within(30, "connect", async {
        let result =
            ZkMetadataStore::connect(&format!("zk://127.0.0.1:{port}/ledgers"), options(2_000))
                .await;
        assert!(
            matches!(result, Err(MetadataError::Connection(_))),
            "{:?}",
            result.err()
        );
    }));
    let bad_uri = futures::executor::block_on(ZkMetadataStore::connect(
        "zk://127.0.0.1:0/ledgers",
        options(2_000),
    ));
    assert!(matches!(bad_uri, Err(MetadataError::Uri(_))));
}

#[test]
fn null_manager_follows_the_cluster_layout() {
    let server = ZooKeeperServer::start().unwrap();
    futures::executor::block_on(within(60, "test", async {
        let port = server.port();
        let long = ZkMetadataStore::connect(
            &format!("zk+longhierarchical://127.0.0.1:{port}/long"),
            options(4_000),
        )
        .await
        .unwrap();
        long.init_cluster().await.unwrap();
        long.create_ledger_metadata(5, &common::fixture_ledger_metadata())
            .await
            .unwrap();
        let (layout, _) = long.client().get_data("/long/LAYOUT").await.unwrap();
        assert_eq!(
            layout,
            b"2\norg.apache.bookkeeper.meta.LongHierarchicalLedgerManagerFactory:1"
        );
        assert!(long
            .client()
            .get_data("/long/000/0000/0000/0000/L0005")
            .await
            .is_ok());

        // A `zk+null` client reads LAYOUT and uses the long paths too.
        let null =
            ZkMetadataStore::connect(&format!("zk+null://127.0.0.1:{port}/long"), options(4_000))
                .await
                .unwrap();
        assert_eq!(null.list_ledgers().await.unwrap(), vec![5]);
        assert_eq!(
            null.read_ledger_metadata(5).await.unwrap().0,
            common::fixture_ledger_metadata()
        );
        // On the default layout it uses the hybrid paths.
        let short = ZkMetadataStore::connect(&server.uri("/short"), options(4_000))
            .await
            .unwrap();
        short.init_cluster().await.unwrap();
        let null =
            ZkMetadataStore::connect(&format!("zk+null://127.0.0.1:{port}/short"), options(4_000))
                .await
                .unwrap();
        null.create_ledger_metadata(5, &common::fixture_ledger_metadata())
            .await
            .unwrap();
        assert!(short
            .client()
            .get_data("/short/00/0000/L0005")
            .await
            .is_ok());
    }));
}

#[test]
fn long_ids_come_from_the_highest_hob_directory() {
    let server = ZooKeeperServer::start().unwrap();
    futures::executor::block_on(within(60, "test", async {
        let store = store(&server, "/ledgers", options(4_000)).await;
        store.init_cluster().await.unwrap();
        assert_eq!(store.generate_ledger_id().await.unwrap(), 0);
        // A cluster that has moved to 63-bit ids (as after 2^31 - 1 ledgers): idgen-long exists.
        let acl = CreateMode::Persistent.with_acls(Acls::anyone_all());
        store
            .client()
            .create("/ledgers/idgen-long", b"", &acl)
            .await
            .unwrap();
        assert_eq!(
            store.generate_ledger_id().await.unwrap(),
            1 << 32,
            "first HOB is 1"
        );
        assert!(store
            .client()
            .get_data("/ledgers/idgen-long/HOB-0000000001")
            .await
            .is_ok());
        store
            .client()
            .create("/ledgers/idgen-long/HOB-0000000005", b"", &acl)
            .await
            .unwrap();
        let first = store.generate_ledger_id().await.unwrap();
        let second = store.generate_ledger_id().await.unwrap();
        assert_eq!((first, second), ((5 << 32), (5 << 32) | 1));
        // Such ids live under long paths and are listed like any other.
        store
            .create_ledger_metadata(second, &common::fixture_ledger_metadata())
            .await
            .unwrap();
        assert!(store
            .client()
            .get_data("/ledgers/000/0000/0214/7483/L6481")
            .await
            .is_ok());
        assert_eq!(store.list_ledgers().await.unwrap(), vec![second]);
    }));
}
