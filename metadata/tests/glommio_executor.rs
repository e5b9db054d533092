//! Goal: show how the bookie, which runs on glommio, uses the registry.
//! Method: a glommio `LocalExecutor` (Placement::Unbound, never pinned) connects through a
//! `metadataServiceUri`, initialises the cluster, registers a bookie, watches membership and
//! writes ledger metadata by awaiting the store's futures directly; a second store in the same
//! executor observes the registration. Nothing blocks the executor's thread except the test's
//! own bounded timer. With the `etcd` feature the same round trip runs against etcd.

#![allow(clippy::unwrap_used)]

mod common;

use common::{bookie, within};
use glommio::{LocalExecutorBuilder, Placement};
use metadata::test_support::ZooKeeperServer;
use metadata::{BookieServiceInfo, BookieSet, MetadataStore, ZkMetadataStore, ZkOptions};

/// Initialises, registers, watches and writes ledger metadata, awaiting everything on glommio.
async fn registry_round_trip<S: MetadataStore + 'static>(store: S, observer: S) {
    store.init_cluster().await.unwrap();
    let id = bookie("127.0.0.1:3181");
    let waiter = glommio::spawn_local(async move {
        observer
            .wait_bookies_changed(&BookieSet::default())
            .await
            .unwrap()
    });
    store
        .register_bookie(
            &id,
            &BookieServiceInfo::bookie_rpc("127.0.0.1", 3181, false),
            false,
        )
        .await
        .unwrap();
    assert!(waiter.await.writable.contains(&id));
    let ledger = store.generate_ledger_id().await.unwrap();
    store
        .create_ledger_metadata(ledger, &common::fixture_ledger_metadata())
        .await
        .unwrap();
    assert_eq!(
        store.read_ledger_metadata(ledger).await.unwrap().0,
        common::fixture_ledger_metadata()
    );
}

#[test]
fn registry_runs_inside_a_glommio_executor() {
    let server = ZooKeeperServer::start().unwrap();
    let uri = server.uri("/ledgers");
    LocalExecutorBuilder::new(Placement::Unbound)
        .name("bookie-0")
        .spawn(move || async move {
            within(60, "registry on glommio", async {
                let store = ZkMetadataStore::connect(&uri, ZkOptions::default())
                    .await
                    .unwrap();
                let observer = ZkMetadataStore::connect(&uri, ZkOptions::default())
                    .await
                    .unwrap();
                registry_round_trip(store, observer).await;
            })
            .await
        })
        .unwrap()
        .join()
        .unwrap();
}

/// The etcd store's futures come from its own tokio runtime thread; glommio awaits them as is.
#[cfg(feature = "etcd")]
#[test]
fn etcd_registry_runs_inside_a_glommio_executor() {
    use metadata::test_support::EtcdServer;
    use metadata::{EtcdMetadataStore, EtcdOptions};

    let server = EtcdServer::start().unwrap();
    let uri = server.uri("/ledgers");
    LocalExecutorBuilder::new(Placement::Unbound)
        .name("bookie-0")
        .spawn(move || async move {
            within(60, "etcd registry on glommio", async {
                let store = EtcdMetadataStore::connect(&uri, EtcdOptions::default())
                    .await
                    .unwrap();
                let observer = EtcdMetadataStore::connect(&uri, EtcdOptions::default())
                    .await
                    .unwrap();
                registry_round_trip(store, observer).await;
            })
            .await
        })
        .unwrap()
        .join()
        .unwrap();
}
