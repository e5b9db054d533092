//! etcd-only behaviour (feature `etcd`): the Java driver's key layout, a registration held by
//! another lease, a lease etcd drops, corrupt values written by someone else, unreachable
//! endpoints, and connecting through `AnyMetadataStore`.
//! Method: a real etcd 3.4 on free loopback ports per test; values are read and written past the
//! store with a plain `etcd-client` on a test-owned tokio runtime.

#![cfg(feature = "etcd")]
#![allow(clippy::unwrap_used)]

mod common;

use std::future::Future;
use std::net::{Ipv4Addr, TcpListener};
use std::time::{Duration, Instant};

use common::{bookie, fixture, fixture_ledger_metadata, within};
use metadata::etcd::keys::{parse_ledger_key, BUCKET_SHIFT, ID_IN_BUCKET_MAX};
use metadata::test_support::EtcdServer;
use metadata::{
    AnyMetadataStore, BookieServiceInfo, BookieSet, EtcdMetadataStore, EtcdOptions, MetadataError,
    MetadataStore, ZkOptions,
};

fn options(lease_ttl_s: u64, registration_wait_ms: Option<u64>) -> EtcdOptions {
    EtcdOptions {
        lease_ttl_s,
        registration_wait_ms,
        ..EtcdOptions::default()
    }
}

async fn store(server: &EtcdServer, scope: &str, options: EtcdOptions) -> EtcdMetadataStore {
    EtcdMetadataStore::connect(&server.uri(scope), options)
        .await
        .unwrap()
}

/// Runs `work` with a plain etcd client on a tokio runtime owned by this call (bounded 20 s).
fn raw<T, F: Future<Output = T>>(
    server: &EtcdServer,
    work: impl FnOnce(etcd_client::Client) -> F,
) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = etcd_client::Client::connect([server.endpoint()], None)
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(20), work(client))
            .await
            .unwrap()
    })
}

#[test]
fn keys_and_values_follow_the_java_etcd_driver() {
    let server = EtcdServer::start().unwrap();
    futures::executor::block_on(within(30, "test", async {
        let store = store(&server, "/ledgers", EtcdOptions::default()).await;
        let instance_id = store.init_cluster().await.unwrap();
        let keys = raw(&server, |mut client| async move {
            let options = etcd_client::GetOptions::new()
                .with_range("/ledgers0")
                .with_keys_only();
            let response = client.get("/ledgers", Some(options)).await.unwrap();
            response
                .kvs()
                .iter()
                .map(|kv| kv.key_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        });
        assert_eq!(
            keys,
            [
                "/ledgers",
                "/ledgers/bookies",
                "/ledgers/bookies/readonly",
                "/ledgers/bookies/writable",
                "/ledgers/buckets",
                "/ledgers/cookies",
                "/ledgers/instanceid",
                "/ledgers/layout",
                "/ledgers/ledgers",
                "/ledgers/underreplication",
            ]
        );
        assert_eq!(
            store
                .raw_value("/ledgers/instanceid")
                .await
                .unwrap()
                .unwrap(),
            instance_id.as_str().as_bytes()
        );

        // Ledger metadata lives at the Java UUID key, in the same V3 bytes as on ZooKeeper.
        store
            .create_ledger_metadata(0x1234, &fixture_ledger_metadata())
            .await
            .unwrap();
        assert_eq!(
            store
                .raw_value("/ledgers/ledgers/00000000-0000-0000-0000-000000001234")
                .await
                .unwrap()
                .unwrap(),
            fixture("ledgers__00__0000__L0000.bin")
        );

        // Generated ids are (bucket << 56) | version of the bucket key.
        for _ in 0..3 {
            let id = store.generate_ledger_id().await.unwrap();
            let bucket = id >> BUCKET_SHIFT;
            assert!((0..128).contains(&bucket), "{id:#x}");
            let version = raw(&server, |mut client| async move {
                let key = format!("/ledgers/buckets/{bucket:03}");
                client.get(key, None).await.unwrap().kvs()[0].version()
            });
            assert_eq!(id & ID_IN_BUCKET_MAX, version, "{id:#x}");
        }
        assert_eq!(
            parse_ledger_key("/ledgers/ledgers/00000000-0000-0000-0000-000000001234").unwrap(),
            0x1234
        );
    }));
}

#[test]
fn registration_of_another_lease_is_awaited_then_times_out() {
    let server = EtcdServer::start().unwrap();
    futures::executor::block_on(within(30, "test", async {
        let first = store(&server, "/ledgers", options(30, None)).await;
        first.init_cluster().await.unwrap();
        let id = bookie("restarted:3181");
        let info = BookieServiceInfo::bookie_rpc("restarted", 3181, false);
        first.register_bookie(&id, &info, false).await.unwrap();

        let second = store(&server, "/ledgers", options(30, Some(700))).await;
        let started = Instant::now();
        let other = BookieServiceInfo::bookie_rpc("other", 1, false);
        match second.register_bookie(&id, &other, false).await {
            Err(MetadataError::Timeout { waited_ms, .. }) => assert_eq!(waited_ms, 700),
            other => panic!("expected Timeout, got {other:?}"),
        }
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(650) && waited < Duration::from_secs(5),
            "{waited:?}"
        );
        // The other lease's registration is untouched, and unregistering it is not ours to do.
        second.unregister_bookie(&id).await.unwrap();
        assert_eq!(second.bookie_service_info(&id).await.unwrap(), info);
    }));
}

#[test]
fn dropped_lease_is_replaced_and_the_registration_restored() {
    let server = EtcdServer::start().unwrap();
    let (bookie_store, observer, old_lease) =
        futures::executor::block_on(within(20, "setup", async {
            let bookie_store = store(&server, "/ledgers", options(2, None)).await;
            bookie_store.init_cluster().await.unwrap();
            let observer = store(&server, "/ledgers", EtcdOptions::default()).await;
            let info = BookieServiceInfo::bookie_rpc("127.0.0.1", 3181, true);
            bookie_store
                .register_bookie(&bookie("127.0.0.1:3181"), &info, true)
                .await
                .unwrap();
            let old_lease = bookie_store.lease_id().unwrap();
            (bookie_store, observer, old_lease)
        }));
    // Someone (an operator, or etcd after an outage) revokes the lease: the registration vanishes.
    raw(&server, |mut client| async move {
        client.lease_revoke(old_lease).await.unwrap();
    });
    futures::executor::block_on(within(20, "re-registration", async {
        let registered = BookieSet {
            readonly: [bookie("127.0.0.1:3181")].into(),
            ..BookieSet::default()
        };
        let mut current = observer.list_bookies().await.unwrap();
        // The keeper notices at its next keep-alive (a third of the 2 s TTL) and registers again.
        while current != registered || bookie_store.lease_id() == Some(old_lease) {
            current = observer.wait_bookies_changed(&current).await.unwrap();
        }
        let new_lease = bookie_store.lease_id().unwrap();
        assert_ne!(new_lease, old_lease);
        let lease_on_key = raw(&server, |mut client| async move {
            client
                .get("/ledgers/bookies/readonly/127.0.0.1:3181", None)
                .await
                .unwrap()
                .kvs()[0]
                .lease()
        });
        assert_eq!(lease_on_key, new_lease);
    }));
}

#[test]
fn corrupt_values_are_errors_naming_the_key() {
    let server = EtcdServer::start().unwrap();
    futures::executor::block_on(within(20, "test", async {
        let store = store(&server, "/ledgers", EtcdOptions::default()).await;
        store.init_cluster().await.unwrap();
        raw(&server, |mut client| async move {
            for key in [
                "/ledgers/ledgers/00000000-0000-0000-0000-000000000007",
                "/ledgers/cookies/b:1",
                "/ledgers/instanceid",
                "/ledgers/bookies/writable/b:1",
            ] {
                client
                    .put(key, b"\xff\x00garbage".to_vec(), None)
                    .await
                    .unwrap();
            }
        });
        let corrupt_path = |error: MetadataError| match error {
            MetadataError::Corrupt { path, .. } => path,
            other => panic!("expected Corrupt, got {other:?}"),
        };
        assert_eq!(
            corrupt_path(store.read_ledger_metadata(7).await.unwrap_err()),
            "/ledgers/ledgers/00000000-0000-0000-0000-000000000007"
        );
        assert_eq!(
            corrupt_path(store.read_cookie(&bookie("b:1")).await.unwrap_err()),
            "/ledgers/cookies/b:1"
        );
        assert_eq!(
            corrupt_path(store.instance_id().await.unwrap_err()),
            "/ledgers/instanceid"
        );
        assert_eq!(
            corrupt_path(store.bookie_service_info(&bookie("b:1")).await.unwrap_err()),
            "/ledgers/bookies/writable/b:1"
        );
        // A key under ledgers/ that is not a ledger UUID is skipped by listing.
        raw(&server, |mut client| async move {
            client
                .put("/ledgers/ledgers/not-a-uuid", Vec::new(), None)
                .await
                .unwrap();
        });
        assert_eq!(store.list_ledgers().await.unwrap(), vec![7]);
    }));
}

#[test]
fn unreachable_endpoint_is_a_bounded_connection_error() {
    // A port nobody listens on (bound, then released).
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = EtcdOptions {
        request_timeout_ms: 1_500,
        connect_timeout_ms: 500,
        ..EtcdOptions::default()
    };
    let started = Instant::now();
    let result = futures::executor::block_on(within(
        20,
        "connect",
        EtcdMetadataStore::connect(&format!("etcd://127.0.0.1:{port}/ledgers"), options),
    ));
    match result {
        Err(MetadataError::Connection(reason)) => assert!(reason.contains("127.0.0.1"), "{reason}"),
        Err(other) => panic!("expected Connection, got {other:?}"),
        Ok(_) => panic!("connected to a closed port"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn any_store_connects_from_an_etcd_uri() {
    let server = EtcdServer::start().unwrap();
    futures::executor::block_on(within(20, "test", async {
        let store = AnyMetadataStore::connect(&server.uri("/any"), ZkOptions::default())
            .await
            .unwrap();
        assert!(matches!(store, AnyMetadataStore::Etcd(_)));
        let instance_id = store.init_cluster().await.unwrap();
        assert_eq!(store.instance_id().await.unwrap(), instance_id);
        assert_eq!(store.list_bookies().await.unwrap(), BookieSet::default());
    }));
}

#[test]
fn registering_on_a_revoked_lease_takes_a_new_one_at_once() {
    let server = EtcdServer::start().unwrap();
    // A long TTL: the keeper's next keep-alive is 10 s away, so the registration itself must notice.
    let (bookie_store, old_lease) = futures::executor::block_on(within(20, "setup", async {
        let bookie_store = store(&server, "/ledgers", options(30, None)).await;
        bookie_store.init_cluster().await.unwrap();
        let info = BookieServiceInfo::bookie_rpc("127.0.0.1", 3181, false);
        bookie_store
            .register_bookie(&bookie("127.0.0.1:3181"), &info, false)
            .await
            .unwrap();
        let old_lease = bookie_store.lease_id().unwrap();
        (bookie_store, old_lease)
    }));
    raw(&server, |mut client| async move {
        client.lease_revoke(old_lease).await.unwrap();
    });
    futures::executor::block_on(within(10, "register again", async {
        let info = BookieServiceInfo::bookie_rpc("127.0.0.1", 3181, false);
        bookie_store
            .register_bookie(&bookie("127.0.0.1:3181"), &info, true)
            .await
            .unwrap();
        assert_ne!(bookie_store.lease_id(), Some(old_lease));
        let observed = bookie_store.list_bookies().await.unwrap();
        assert_eq!(observed.readonly, [bookie("127.0.0.1:3181")].into());
        assert!(observed.writable.is_empty());
    }));
}
