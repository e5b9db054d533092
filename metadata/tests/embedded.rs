//! Embedded-store behaviour beyond the contract: durability across reopen and the URI entry point.
//! Method: write through one store handle, drop it (as a process exit would), reopen the same
//! redb file and check that persistent nodes survive, registrations do not, and generated ids
//! keep increasing.

#![allow(clippy::unwrap_used)]

mod common;

use common::{bookie, fixture_ledger_metadata};
use metadata::{
    AnyMetadataStore, BookieServiceInfo, BookieSet, MetadataError, MetadataStore, ZkOptions,
};

#[test]
fn reopened_store_keeps_persistent_nodes_and_drops_registrations() {
    let dir = tempfile::tempdir().unwrap();
    let uri = format!("embedded://{}", dir.path().join("metadata.redb").display());
    futures::executor::block_on(async {
        let (instance_id, last_id) = {
            let store = AnyMetadataStore::connect(&uri, ZkOptions::default())
                .await
                .unwrap();
            let instance_id = store.init_cluster().await.unwrap();
            store
                .create_ledger_metadata(3, &fixture_ledger_metadata())
                .await
                .unwrap();
            store
                .register_bookie(
                    &bookie("b:1"),
                    &BookieServiceInfo::bookie_rpc("b", 1, false),
                    false,
                )
                .await
                .unwrap();
            let mut last_id = 0;
            for _ in 0..3 {
                last_id = store.generate_ledger_id().await.unwrap();
            }
            (instance_id, last_id)
        };
        let store = AnyMetadataStore::connect(&uri, ZkOptions::default())
            .await
            .unwrap();
        assert_eq!(store.instance_id().await.unwrap(), instance_id);
        assert_eq!(
            store.read_ledger_metadata(3).await.unwrap().0,
            fixture_ledger_metadata()
        );
        assert_eq!(store.list_bookies().await.unwrap(), BookieSet::default());
        assert!(store.generate_ledger_id().await.unwrap() > last_id);
        assert!(matches!(
            store.init_cluster().await,
            Err(MetadataError::Exists { .. })
        ));
    });
}

#[test]
fn embedded_uri_must_be_absolute() {
    let result = futures::executor::block_on(AnyMetadataStore::connect(
        "embedded://relative",
        ZkOptions::default(),
    ));
    assert!(matches!(result, Err(MetadataError::Uri(_))));
}
