//! Load-aware tie-breaking in a real cluster: with `load_aware_tie_breaking` on, the client asks
//! every bookie for GET_BOOKIE_INFO before placing a ledger, and a bookie that does not answer
//! (frozen with SIGSTOP, still registered) ranks after every bookie that did, so it is never
//! chosen while enough others are; with it off (BookKeeper's random choice) it is.

#![allow(clippy::unwrap_used)]

use client::test_support::Cluster;
use client::{ClientConfig, CreateOptions};
use placement::PlacementConstraints;

const LEDGERS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bookie_that_does_not_answer_is_placed_last_only_when_load_aware() {
    let mut cluster = Cluster::start(4).await;
    let frozen = cluster.bookies[0].id.clone();
    cluster.bookies[0].pause();
    let options = CreateOptions {
        ensemble_size: 3,
        write_quorum: 3,
        ack_quorum: 2,
        ..CreateOptions::default()
    };

    // Random choice: 3 of 4 bookies per ledger, so the frozen one is in about 3 of 4 ledgers
    // (missing from all 12 has probability 4^-12).
    let blind = cluster.client(ClientConfig::default()).await;
    let mut blind_hits = 0;
    for _ in 0..LEDGERS {
        let ledger = blind.create_ledger(&options).await.unwrap();
        if ledger.metadata().ensembles[0].bookies.contains(&frozen) {
            blind_hits += 1;
        }
    }
    assert!(
        blind_hits > 0,
        "random placement never chose the frozen bookie"
    );

    let config = ClientConfig {
        placement: PlacementConstraints {
            load_aware_tie_breaking: true,
            ..PlacementConstraints::default()
        },
        ..ClientConfig::default()
    };
    let aware = cluster.client(config).await;
    for _ in 0..LEDGERS / 2 {
        let ledger = aware.create_ledger(&options).await.unwrap();
        let ensemble = &ledger.metadata().ensembles[0].bookies;
        assert!(
            !ensemble.contains(&frozen),
            "load-aware placement chose the bookie that did not answer: {ensemble:?}"
        );
    }
    cluster.bookies[0].resume();
}
