//! Measures the latency of metadata operations on both backends, one at a time (no pipelining):
//! ledger metadata create, read and compare-and-set write, and ledger id generation.
//! Run: `cargo run --release -p metadata --example metadata_latency -- [operations]`.
//! Needs Debian's zookeeper package (a real server is started on a free loopback port).

use std::time::Instant;

use metadata::test_support::ZooKeeperServer;
use metadata::{
    BookieId, DigestType, EmbeddedMetadataStore, LedgerMetadata, LedgerPathScheme, LedgerState,
    MetadataStore, Segment, ZkMetadataStore, ZkOptions,
};

fn metadata() -> anyhow::Result<LedgerMetadata> {
    let bookies = ["127.0.0.1:3181", "127.0.0.1:3182", "127.0.0.1:3183"]
        .iter()
        .map(|b| BookieId::parse(b))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(LedgerMetadata {
        ensemble_size: 3,
        write_quorum_size: 2,
        ack_quorum_size: Some(2),
        length_bytes: 0,
        last_entry_id: -1,
        state: LedgerState::Open,
        ensembles: vec![Segment {
            first_entry_id: 0,
            bookies,
        }],
        digest_type: Some(DigestType::Crc32c),
        password: Some(bytes::Bytes::from_static(b"pw")),
        ctime_ms: None,
        custom_metadata: vec![],
        creator_token: Some(7),
    })
}

async fn measure(name: &str, store: &impl MetadataStore, operations: i64) -> anyhow::Result<()> {
    store.init_cluster().await?;
    let metadata = metadata()?;
    let report = |op: &str, started: Instant| {
        let us = started.elapsed().as_micros() as f64 / operations as f64;
        println!("{name:<9} {op:<22} {us:>9.1} us/op  ({operations} ops)");
    };
    let started = Instant::now();
    for ledger in 0..operations {
        store.create_ledger_metadata(ledger, &metadata).await?;
    }
    report("create_ledger_metadata", started);
    let started = Instant::now();
    for ledger in 0..operations {
        store.read_ledger_metadata(ledger).await?;
    }
    report("read_ledger_metadata", started);
    let closed = LedgerMetadata {
        state: LedgerState::Closed,
        last_entry_id: 10,
        length_bytes: 100,
        ..metadata
    };
    let started = Instant::now();
    for ledger in 0..operations {
        store
            .write_ledger_metadata(ledger, &closed, metadata::Version(0))
            .await?;
    }
    report("write_ledger_metadata", started);
    let started = Instant::now();
    for _ in 0..operations {
        store.generate_ledger_id().await?;
    }
    report("generate_ledger_id", started);
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let operations: i64 = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(500);
    let server = ZooKeeperServer::start()?;
    let dir = tempfile::tempdir()?;
    futures::executor::block_on(async {
        let zk = ZkMetadataStore::connect_servers(
            &server.connect_string(),
            "/ledgers",
            LedgerPathScheme::Hierarchical,
            ZkOptions::default(),
        )
        .await?;
        measure("zookeeper", &zk, operations).await?;
        let embedded = EmbeddedMetadataStore::open(&dir.path().join("metadata.redb"), "/ledgers")?;
        measure("embedded", &embedded, operations).await
    })
}
