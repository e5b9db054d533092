//! The contract every `MetadataStore` backend must meet, as one generic suite, plus helpers.
//!
//! Goal: the ZooKeeper, embedded and etcd backends behave the same for every operation the
//! bookie, the client and autorecovery rely on. Method: each check gets a fresh root and one or
//! more sessions (`Backend::open`), drives the public trait only, and asserts results and error
//! kinds; every wait is bounded by `within`. Raw bytes are checked by their ZooKeeper path; a
//! backend with another layout (etcd) maps the path to its own key in `Backend::raw`.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use futures::future::{join, select, Either};
use metadata::{
    BookieId, BookieServiceInfo, BookieSet, Cookie, DigestType, LedgerMetadata, LedgerState,
    MetadataError, MetadataStore, Segment, Version,
};

/// A backend under test: opens a new session (client) with ledgers under `root`.
pub trait Backend {
    type Store: MetadataStore;
    /// Whether one store's generated ledger ids increase (ZooKeeper sequences do; etcd's
    /// round-robin buckets do not).
    const IDS_INCREASE: bool = true;
    fn open(&self, root: &str) -> impl Future<Output = Self::Store>;
    /// The raw bytes of the node the ZooKeeper layout names `path`, read past the store.
    fn raw(&self, store: &Self::Store, path: &str) -> impl Future<Output = Vec<u8>>;
    /// The `LAYOUT` bytes `init_cluster` writes (the 4.16.7 fixture's hierarchical layout).
    fn layout_bytes(&self) -> Vec<u8> {
        fixture("ledgers__LAYOUT.bin")
    }
}

/// Runs `future`, failing the test if it takes longer than `seconds`.
pub async fn within<T>(seconds: u64, what: &str, future: impl Future<Output = T>) -> T {
    let timer = async_io::Timer::after(Duration::from_secs(seconds));
    futures::pin_mut!(future);
    match select(future, timer).await {
        Either::Left((value, _)) => value,
        Either::Right(_) => panic!("{what}: not done within {seconds} s"),
    }
}

pub async fn sleep_ms(ms: u64) {
    async_io::Timer::after(Duration::from_millis(ms)).await;
}

pub fn bookie(id: &str) -> BookieId {
    BookieId::parse(id).unwrap()
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/bookkeeper-4.16.7/zk")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The metadata of fixture ledger 0: closed, CRC32C, password `fixture-pw`.
pub fn fixture_ledger_metadata() -> LedgerMetadata {
    LedgerMetadata {
        ensemble_size: 1,
        write_quorum_size: 1,
        ack_quorum_size: Some(1),
        length_bytes: 70,
        last_entry_id: 9,
        state: LedgerState::Closed,
        ensembles: vec![Segment {
            first_entry_id: 0,
            bookies: vec![bookie("127.0.0.1:3181")],
        }],
        digest_type: Some(DigestType::Crc32c),
        password: Some(Bytes::from_static(b"fixture-pw")),
        ctime_ms: None,
        custom_metadata: vec![],
        creator_token: Some(0),
    }
}

fn open_ledger(ensemble: &[&str]) -> LedgerMetadata {
    LedgerMetadata {
        ensemble_size: ensemble.len() as u32,
        write_quorum_size: ensemble.len() as u32,
        ack_quorum_size: Some(1),
        length_bytes: 0,
        last_entry_id: -1,
        state: LedgerState::Open,
        ensembles: vec![Segment {
            first_entry_id: 0,
            bookies: ensemble.iter().map(|b| bookie(b)).collect(),
        }],
        digest_type: Some(DigestType::Crc32c),
        password: Some(Bytes::from_static(b"pw")),
        ctime_ms: None,
        custom_metadata: vec![("application".into(), Bytes::from_static(b"test"))],
        creator_token: Some(42),
    }
}

fn cookie(bookie_id: &str, instance_id: &str) -> Cookie {
    Cookie {
        bookie_id: bookie_id.into(),
        journal_dirs: vec!["/data/journal".into()],
        ledger_dirs: vec!["/data/ledgers".into()],
        instance_id: Some(instance_id.into()),
        index_dirs: None,
    }
}

fn set(writable: &[&str], readonly: &[&str]) -> BookieSet {
    BookieSet {
        writable: writable.iter().map(|b| bookie(b)).collect::<BTreeSet<_>>(),
        readonly: readonly.iter().map(|b| bookie(b)).collect::<BTreeSet<_>>(),
    }
}

/// Runs every check; each uses its own root under `prefix`.
pub async fn run_contract<B: Backend>(backend: &B, prefix: &str) {
    cluster_init_creates_the_layout_once_and_format_wipes(backend, &format!("{prefix}/cluster"))
        .await;
    cookies_are_created_once_and_replaced_only_at_their_version(
        backend,
        &format!("{prefix}/cookies"),
    )
    .await;
    registration_switches_modes_and_vanishes_with_its_session(
        backend,
        &format!("{prefix}/registration"),
    )
    .await;
    membership_waiters_wake_on_registration_changes(backend, &format!("{prefix}/watch")).await;
    registration_waits_for_another_sessions_node_bounded(backend, &format!("{prefix}/expiry"))
        .await;
    ledger_metadata_is_compare_and_set(backend, &format!("{prefix}/ledgers")).await;
    ledger_metadata_bytes_match_the_fixtures(backend, &format!("{prefix}/bytes")).await;
    generated_ledger_ids_are_unique_across_sessions(backend, &format!("{prefix}/idgen")).await;
}

pub async fn cluster_init_creates_the_layout_once_and_format_wipes<B: Backend>(
    backend: &B,
    root: &str,
) {
    let store = backend.open(root).await;
    assert!(matches!(
        store.instance_id().await,
        Err(MetadataError::NotFound { .. })
    ));
    let instance_id = store.init_cluster().await.unwrap();
    assert_eq!(store.instance_id().await.unwrap(), instance_id);
    assert!(matches!(
        store.init_cluster().await,
        Err(MetadataError::Exists { .. })
    ));
    // The layout bytes are exactly what `initnewcluster` writes (fixture LAYOUT on ZooKeeper).
    assert_eq!(
        backend.raw(&store, &format!("{root}/LAYOUT")).await,
        backend.layout_bytes()
    );
    assert_eq!(
        backend.raw(&store, &format!("{root}/INSTANCEID")).await,
        instance_id.as_str().as_bytes()
    );
    for dir in ["available", "available/readonly", "cookies", "idgen"] {
        assert!(
            backend
                .raw(&store, &format!("{root}/{dir}"))
                .await
                .is_empty(),
            "{dir}"
        );
    }
    assert_eq!(store.list_bookies().await.unwrap(), BookieSet::default());
    assert_eq!(store.list_ledgers().await.unwrap(), Vec::<i64>::new());

    store
        .create_ledger_metadata(7, &open_ledger(&["b1:1"]))
        .await
        .unwrap();
    store
        .write_cookie(&bookie("b1:1"), &cookie("b1:1", instance_id.as_str()), None)
        .await
        .unwrap();
    let new_id = store.format_cluster().await.unwrap();
    assert_ne!(new_id, instance_id);
    assert_eq!(store.instance_id().await.unwrap(), new_id);
    assert_eq!(store.list_ledgers().await.unwrap(), Vec::<i64>::new());
    assert!(matches!(
        store.read_cookie(&bookie("b1:1")).await,
        Err(MetadataError::NotFound { .. })
    ));
}

pub async fn cookies_are_created_once_and_replaced_only_at_their_version<B: Backend>(
    backend: &B,
    root: &str,
) {
    let store = backend.open(root).await;
    let instance_id = store.init_cluster().await.unwrap();
    let id = bookie("127.0.0.1:3181");
    assert!(matches!(
        store.read_cookie(&id).await,
        Err(MetadataError::NotFound { .. })
    ));
    let first = cookie("127.0.0.1:3181", instance_id.as_str());
    let v0 = store.write_cookie(&id, &first, None).await.unwrap();
    assert!(matches!(
        store.write_cookie(&id, &first, None).await,
        Err(MetadataError::Exists { .. })
    ));
    assert_eq!(store.read_cookie(&id).await.unwrap(), (first.clone(), v0));

    let second = Cookie {
        ledger_dirs: vec!["/data/ledgers".into(), "/data/ledgers2".into()],
        ..first.clone()
    };
    let v1 = store.write_cookie(&id, &second, Some(v0)).await.unwrap();
    assert_ne!(v1, v0);
    // A writer holding the old version loses.
    assert!(matches!(
        store.write_cookie(&id, &first, Some(v0)).await,
        Err(MetadataError::BadVersion { .. })
    ));
    assert_eq!(store.read_cookie(&id).await.unwrap(), (second, v1));
    assert!(matches!(
        store.delete_cookie(&id, Some(v0)).await,
        Err(MetadataError::BadVersion { .. })
    ));
    store.delete_cookie(&id, Some(v1)).await.unwrap();
    assert!(matches!(
        store.read_cookie(&id).await,
        Err(MetadataError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete_cookie(&id, None).await,
        Err(MetadataError::NotFound { .. })
    ));

    // A cookie written through the store is byte-identical to the fixture cookie of the same content.
    let fixture_cookie = Cookie::decode(&fixture("ledgers__cookies__127.0.0.1_3181.bin")).unwrap();
    store
        .write_cookie(&id, &fixture_cookie, None)
        .await
        .unwrap();
    assert_eq!(
        backend
            .raw(&store, &format!("{root}/cookies/127.0.0.1:3181"))
            .await,
        fixture("ledgers__cookies__127.0.0.1_3181.bin")
    );
}

pub async fn registration_switches_modes_and_vanishes_with_its_session<B: Backend>(
    backend: &B,
    root: &str,
) {
    let observer = backend.open(root).await;
    observer.init_cluster().await.unwrap();
    let id = bookie("127.0.0.1:3181");
    let info = BookieServiceInfo::bookie_rpc("127.0.0.1", 3181, false);
    let bookie_store = backend.open(root).await;
    assert!(matches!(
        observer.bookie_service_info(&id).await,
        Err(MetadataError::NotFound { .. })
    ));

    bookie_store
        .register_bookie(&id, &info, false)
        .await
        .unwrap();
    assert_eq!(
        observer.list_bookies().await.unwrap(),
        set(&["127.0.0.1:3181"], &[])
    );
    assert_eq!(observer.bookie_service_info(&id).await.unwrap(), info);
    // Registration bytes are those of the fixture (Java bookie 4.16.7, same endpoint).
    assert_eq!(
        backend
            .raw(&observer, &format!("{root}/available/127.0.0.1:3181"))
            .await,
        fixture("ledgers__available__127.0.0.1_3181.bin")
    );
    // Registering again in the same mode replaces the info.
    let tls_info = BookieServiceInfo::bookie_rpc("127.0.0.1", 3181, true);
    bookie_store
        .register_bookie(&id, &tls_info, false)
        .await
        .unwrap();
    assert_eq!(observer.bookie_service_info(&id).await.unwrap(), tls_info);

    bookie_store
        .register_bookie(&id, &info, true)
        .await
        .unwrap();
    assert_eq!(
        observer.list_bookies().await.unwrap(),
        set(&[], &["127.0.0.1:3181"])
    );
    assert_eq!(observer.bookie_service_info(&id).await.unwrap(), info);
    bookie_store
        .register_bookie(&id, &info, false)
        .await
        .unwrap();
    assert_eq!(
        observer.list_bookies().await.unwrap(),
        set(&["127.0.0.1:3181"], &[])
    );

    bookie_store.unregister_bookie(&id).await.unwrap();
    assert_eq!(observer.list_bookies().await.unwrap(), BookieSet::default());
    bookie_store.unregister_bookie(&id).await.unwrap();

    // The registration is ephemeral: closing the session removes it.
    bookie_store
        .register_bookie(&id, &info, true)
        .await
        .unwrap();
    let before = observer.list_bookies().await.unwrap();
    assert_eq!(before, set(&[], &["127.0.0.1:3181"]));
    drop(bookie_store);
    let after = within(
        15,
        "registration to vanish",
        observer.wait_bookies_changed(&before),
    )
    .await
    .unwrap();
    assert_eq!(after, BookieSet::default());
}

pub async fn membership_waiters_wake_on_registration_changes<B: Backend>(backend: &B, root: &str) {
    let observer = backend.open(root).await;
    observer.init_cluster().await.unwrap();
    let bookie_a = backend.open(root).await;
    let bookie_b = backend.open(root).await;
    let info = BookieServiceInfo::bookie_rpc("127.0.0.1", 1, false);
    let empty = BookieSet::default();
    let (changed, registered) = join(
        within(10, "waiter", observer.wait_bookies_changed(&empty)),
        async {
            sleep_ms(200).await;
            bookie_a.register_bookie(&bookie("a:1"), &info, false).await
        },
    )
    .await;
    registered.unwrap();
    assert_eq!(changed.unwrap(), set(&["a:1"], &[]));

    let known = set(&["a:1"], &[]);
    let (changed, registered) = join(
        within(10, "waiter", observer.wait_bookies_changed(&known)),
        async {
            sleep_ms(200).await;
            bookie_b.register_bookie(&bookie("b:1"), &info, true).await
        },
    )
    .await;
    registered.unwrap();
    assert_eq!(changed.unwrap(), set(&["a:1"], &["b:1"]));
    // Level-triggered: a stale `known` returns at once.
    assert_eq!(
        within(5, "stale", observer.wait_bookies_changed(&empty))
            .await
            .unwrap(),
        set(&["a:1"], &["b:1"])
    );
}

pub async fn registration_waits_for_another_sessions_node_bounded<B: Backend>(
    backend: &B,
    root: &str,
) {
    let first = backend.open(root).await;
    first.init_cluster().await.unwrap();
    let id = bookie("restarted:3181");
    let info = BookieServiceInfo::bookie_rpc("restarted", 3181, false);
    first.register_bookie(&id, &info, false).await.unwrap();

    // The old session ends while the new one waits: registration then succeeds.
    let second = backend.open(root).await;
    let (registered, ()) = join(
        within(
            20,
            "second registration",
            second.register_bookie(&id, &info, false),
        ),
        async {
            sleep_ms(300).await;
            drop(first);
        },
    )
    .await;
    registered.unwrap();
    assert_eq!(
        second.list_bookies().await.unwrap(),
        set(&["restarted:3181"], &[])
    );
}

pub async fn ledger_metadata_is_compare_and_set<B: Backend>(backend: &B, root: &str) {
    let writer = backend.open(root).await;
    writer.init_cluster().await.unwrap();
    let other = backend.open(root).await;
    let metadata = open_ledger(&["b1:1", "b2:1", "b3:1"]);
    assert!(matches!(
        writer.read_ledger_metadata(5).await,
        Err(MetadataError::NotFound { .. })
    ));
    let v0 = writer.create_ledger_metadata(5, &metadata).await.unwrap();
    assert!(matches!(
        other.create_ledger_metadata(5, &metadata).await,
        Err(MetadataError::Exists { .. })
    ));
    assert_eq!(
        other.read_ledger_metadata(5).await.unwrap(),
        (metadata.clone(), v0)
    );

    // Recovery by `other` wins the race; the writer's close at the old version fails.
    let in_recovery = LedgerMetadata {
        state: LedgerState::InRecovery,
        ..metadata.clone()
    };
    let v1 = other
        .write_ledger_metadata(5, &in_recovery, v0)
        .await
        .unwrap();
    let closed = LedgerMetadata {
        state: LedgerState::Closed,
        last_entry_id: 3,
        length_bytes: 40,
        creator_token: Some(0),
        ..metadata.clone()
    };
    assert!(matches!(
        writer.write_ledger_metadata(5, &closed, v0).await,
        Err(MetadataError::BadVersion { .. })
    ));
    let v2 = other.write_ledger_metadata(5, &closed, v1).await.unwrap();
    assert_eq!(writer.read_ledger_metadata(5).await.unwrap(), (closed, v2));
    assert!(matches!(
        writer.write_ledger_metadata(6, &metadata, v0).await,
        Err(MetadataError::NotFound { .. })
    ));

    // Metadata breaking the quorum rules is refused before anything is written.
    let bad = LedgerMetadata {
        ack_quorum_size: Some(4),
        ..metadata.clone()
    };
    assert!(matches!(
        writer.create_ledger_metadata(8, &bad).await,
        Err(MetadataError::InvalidArgument(_))
    ));
    assert!(matches!(
        writer.create_ledger_metadata(-1, &metadata).await,
        Err(MetadataError::InvalidArgument(_))
    ));

    // Listing covers short and long paths and skips the special nodes.
    let long_id = (1_i64 << 31) + 5;
    for id in [0, 9_999, 10_000, 1_234_567, long_id] {
        writer.create_ledger_metadata(id, &metadata).await.unwrap();
    }
    assert_eq!(
        writer.list_ledgers().await.unwrap(),
        vec![0, 5, 9_999, 10_000, 1_234_567, long_id]
    );
    assert!(!backend
        .raw(&writer, &format!("{root}/00/0123/L4567"))
        .await
        .is_empty());
    assert!(!backend
        .raw(&writer, &format!("{root}/000/0000/0021/4748/L3653"))
        .await
        .is_empty());

    assert!(matches!(
        writer.delete_ledger(5, Some(v1)).await,
        Err(MetadataError::BadVersion { .. })
    ));
    writer.delete_ledger(5, Some(v2)).await.unwrap();
    writer.delete_ledger(long_id, None).await.unwrap();
    assert!(matches!(
        writer.delete_ledger(5, None).await,
        Err(MetadataError::NotFound { .. })
    ));
    assert_eq!(
        writer.list_ledgers().await.unwrap(),
        vec![0, 9_999, 10_000, 1_234_567]
    );
}

pub async fn ledger_metadata_bytes_match_the_fixtures<B: Backend>(backend: &B, root: &str) {
    let store = backend.open(root).await;
    store.init_cluster().await.unwrap();
    // Same content as fixture ledger 0; the znode written must be the Java bytes.
    store
        .create_ledger_metadata(0, &fixture_ledger_metadata())
        .await
        .unwrap();
    assert_eq!(
        backend.raw(&store, &format!("{root}/00/0000/L0000")).await,
        fixture("ledgers__00__0000__L0000.bin")
    );
    let open =
        LedgerMetadata::decode(&fixture("after-kill9/ledgers__00__0000__L0006.bin")).unwrap();
    store.create_ledger_metadata(6, &open).await.unwrap();
    assert_eq!(
        backend.raw(&store, &format!("{root}/00/0000/L0006")).await,
        fixture("after-kill9/ledgers__00__0000__L0006.bin")
    );
}

pub async fn generated_ledger_ids_are_unique_across_sessions<B: Backend>(backend: &B, root: &str) {
    let first = backend.open(root).await;
    first.init_cluster().await.unwrap();
    let second = backend.open(root).await;
    let mut ids = BTreeSet::new();
    for _ in 0..25 {
        let (a, b) = join(first.generate_ledger_id(), second.generate_ledger_id()).await;
        assert!(ids.insert(a.unwrap()));
        assert!(ids.insert(b.unwrap()));
    }
    assert_eq!(ids.len(), 50);
    // The id-generation nodes are deleted right away.
    assert!(backend
        .raw(&first, &format!("{root}/idgen"))
        .await
        .is_empty());
    let mut sequential = Vec::new();
    for _ in 0..5 {
        sequential.push(first.generate_ledger_id().await.unwrap());
    }
    assert!(sequential.iter().all(|id| *id >= 0 && !ids.contains(id)));
    if B::IDS_INCREASE {
        assert!(sequential.windows(2).all(|w| w[0] < w[1]), "{sequential:?}");
        assert!(sequential[0] > *ids.last().unwrap());
    }
    let _ = Version(0);
}
