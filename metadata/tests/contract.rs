//! Goal: every backend passes the same contract (see `common/mod.rs`).
//! Method: one test per backend runs the whole suite against a real ZooKeeper 3.8 server
//! (started on a free loopback port), against a redb file in a temporary directory and, with the
//! `etcd` feature, against a real etcd 3.4 server on free loopback ports.

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

#[cfg(feature = "etcd")]
mod etcd {
    use super::*;
    use metadata::etcd::keys::EtcdKeys;
    use metadata::format::ledger_path::parse_ledger_path;
    use metadata::test_support::EtcdServer;
    use metadata::{EtcdMetadataStore, EtcdOptions};

    struct Etcd {
        server: EtcdServer,
    }

    /// The etcd key (spec §5.8) of the node the ZooKeeper layout names `path` under `root`.
    fn etcd_key(keys: &EtcdKeys, path: &str) -> String {
        let scope = keys.scope();
        let relative = path
            .strip_prefix(scope)
            .and_then(|r| r.strip_prefix('/'))
            .unwrap_or_else(|| panic!("{path} is not under {scope}"));
        match relative {
            "LAYOUT" => keys.layout(),
            "INSTANCEID" => keys.instance_id(),
            "available" => format!("{scope}/bookies/writable"),
            "available/readonly" => format!("{scope}/bookies/readonly"),
            "cookies" => format!("{scope}/cookies"),
            "idgen" => format!("{scope}/buckets"),
            _ => {
                if let Some(id) = relative.strip_prefix("available/readonly/") {
                    keys.registration(id, true)
                } else if let Some(id) = relative.strip_prefix("available/") {
                    keys.registration(id, false)
                } else if let Some(id) = relative.strip_prefix("cookies/") {
                    keys.cookie(id)
                } else {
                    keys.ledger(parse_ledger_path(relative).unwrap()).unwrap()
                }
            }
        }
    }

    impl Backend for Etcd {
        type Store = EtcdMetadataStore;
        const IDS_INCREASE: bool = false;

        async fn open(&self, root: &str) -> EtcdMetadataStore {
            let options = EtcdOptions {
                lease_ttl_s: 4,
                ..EtcdOptions::default()
            };
            EtcdMetadataStore::connect(&self.server.uri(root), options)
                .await
                .unwrap()
        }

        async fn raw(&self, store: &EtcdMetadataStore, path: &str) -> Vec<u8> {
            let key = etcd_key(store.keys(), path);
            store
                .raw_value(&key)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{key} (for {path}) is absent"))
        }

        fn layout_bytes(&self) -> Vec<u8> {
            // What the Java etcd driver's initNewCluster writes.
            b"2\norg.apache.bookkeeper.metadata.etcd.EtcdLedgerManagerFactory:0".to_vec()
        }
    }

    #[test]
    fn etcd_backend_meets_the_contract() {
        let server = EtcdServer::start().unwrap();
        let backend = Etcd { server };
        futures::executor::block_on(within(120, "contract", run_contract(&backend, "/contract")));
    }
}
