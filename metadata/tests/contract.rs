//! Goal: both backends pass the same contract (see `common/mod.rs`).
//! Method: one test per backend runs the whole suite against a real ZooKeeper 3.8 server
//! (started on a free loopback port) and against a redb file in a temporary directory.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{run_contract, within, Backend};
use metadata::test_support::ZooKeeperServer;
use metadata::{EmbeddedMetadataStore, LedgerPathScheme, ZkMetadataStore, ZkOptions};

struct ZooKeeper {
    server: ZooKeeperServer,
}

impl Backend for ZooKeeper {
    type Store = ZkMetadataStore;

    async fn open(&self, root: &str) -> ZkMetadataStore {
        let options = ZkOptions {
            session_timeout_ms: 4_000,
            registration_wait_ms: None,
        };
        ZkMetadataStore::connect_servers(
            &self.server.connect_string(),
            root,
            LedgerPathScheme::Hierarchical,
            options,
        )
        .await
        .unwrap()
    }

    async fn raw(&self, store: &ZkMetadataStore, path: &str) -> Vec<u8> {
        store.client().get_data(path).await.unwrap().0
    }
}

struct Embedded {
    first: EmbeddedMetadataStore,
    _dir: tempfile::TempDir,
}

impl Backend for Embedded {
    type Store = EmbeddedMetadataStore;

    async fn open(&self, root: &str) -> EmbeddedMetadataStore {
        self.first.new_session_at(root).unwrap()
    }

    async fn raw(&self, store: &EmbeddedMetadataStore, path: &str) -> Vec<u8> {
        store.raw_node(path).unwrap()
    }
}

#[test]
fn zookeeper_backend_meets_the_contract() {
    let server = ZooKeeperServer::start().unwrap();
    let backend = Arc::new(ZooKeeper { server });
    futures::executor::block_on(within(
        120,
        "contract",
        run_contract(&*backend, "/contract"),
    ));
}

#[test]
fn embedded_backend_meets_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let first = EmbeddedMetadataStore::open(&dir.path().join("metadata.redb"), "/unused").unwrap();
    let backend = Embedded { first, _dir: dir };
    futures::executor::block_on(within(120, "contract", run_contract(&backend, "/contract")));
}
