//! A bookie on an etcd metadata service (Debian's etcd 3.4): `bookie init-cluster` prepares the
//! etcd layout, and a bookie process writes its cookie and registers under
//! `bookies/writable/`. Built with the `etcd` feature only.

#![cfg(feature = "etcd")]
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use metadata::test_support::EtcdServer;
use metadata::{AnyMetadataStore, BookieId, MetadataStore, ZkOptions};
use support::{init_cluster, scratch_dir, Bookie};

#[test]
fn a_bookie_registers_on_etcd() {
    let etcd = EtcdServer::start().unwrap();
    let uri = etcd.uri("/ledgers");
    init_cluster(&uri);

    let dir = scratch_dir();
    let bookie = Bookie::start(dir.path(), 1, &[&format!("metadataServiceUri={uri:?}")]);
    let id = BookieId::parse(&format!("127.0.0.1:{}", bookie.port)).unwrap();
    let store =
        futures::executor::block_on(AnyMetadataStore::connect(&uri, ZkOptions::default())).unwrap();
    let started = Instant::now();
    while !futures::executor::block_on(store.list_bookies())
        .unwrap()
        .writable
        .contains(&id)
    {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{id} never registered: {}",
            bookie.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (cookie, _) = futures::executor::block_on(store.read_cookie(&id)).unwrap();
    assert_eq!(cookie.bookie_id, id.as_str());
}
