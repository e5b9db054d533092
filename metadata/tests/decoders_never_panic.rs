//! Goal: no decoder panics on arbitrary bytes, and every valid record round-trips.
//! Method: proptest feeds random bytes (and random mutations of the fixture bytes) to every
//! decoder, and random ledger metadata and cookies through encode then decode.

#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use metadata::format::ledger_path::parse_ledger_path;
use metadata::{
    BookieId, BookieServiceInfo, Cookie, DigestType, InstanceId, Layout, LedgerMetadata,
    LedgerState, Segment,
};
use proptest::prelude::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/bookkeeper-4.16.7/zk")
        .join(name);
    std::fs::read(path).unwrap()
}

fn decode_all(bytes: &[u8]) {
    let _ = LedgerMetadata::decode(bytes);
    let _ = Cookie::decode(bytes);
    let _ = BookieServiceInfo::decode(bytes);
    let _ = Layout::decode(bytes);
    let _ = InstanceId::decode(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = parse_ledger_path(text);
        let _ = metadata::MetadataServiceUri::parse(text);
    }
}

fn bookie_id() -> impl Strategy<Value = BookieId> {
    "[a-z0-9.]{1,12}:[0-9]{1,5}".prop_map(|s| BookieId::parse(&s).unwrap())
}

fn ledger_metadata() -> impl Strategy<Value = LedgerMetadata> {
    (
        1u32..6,
        any::<bool>(),
        0u64..1 << 40,
        -1i64..1 << 40,
        0usize..3,
        proptest::option::of(any::<i64>()),
    )
        .prop_flat_map(
            |(ensemble_size, closed, length_bytes, last_entry_id, segments, ctime_ms)| {
                (
                    Just((ensemble_size, closed, length_bytes, last_entry_id, ctime_ms)),
                    1..=ensemble_size,
                    proptest::collection::vec(
                        proptest::collection::vec(bookie_id(), ensemble_size as usize),
                        segments + 1,
                    ),
                    proptest::collection::vec(
                        ("[a-z]{0,8}", proptest::collection::vec(any::<u8>(), 0..8)),
                        0..3,
                    ),
                    proptest::option::of(proptest::collection::vec(any::<u8>(), 0..12)),
                    any::<i64>(),
                )
            },
        )
        .prop_map(
            |(
                (ensemble_size, closed, length_bytes, last_entry_id, ctime_ms),
                qw,
                ensembles,
                custom,
                password,
                token,
            )| {
                LedgerMetadata {
                    ensemble_size,
                    write_quorum_size: qw,
                    ack_quorum_size: if qw > 1 { Some(qw - 1) } else { None },
                    length_bytes,
                    last_entry_id,
                    state: if closed {
                        LedgerState::Closed
                    } else {
                        LedgerState::Open
                    },
                    ensembles: ensembles
                        .into_iter()
                        .enumerate()
                        .map(|(i, bookies)| Segment {
                            first_entry_id: i as i64 * 100,
                            bookies,
                        })
                        .collect(),
                    digest_type: Some(DigestType::Crc32c),
                    password: password.map(Bytes::from),
                    ctime_ms,
                    custom_metadata: custom
                        .into_iter()
                        .map(|(k, v)| (k, Bytes::from(v)))
                        .collect(),
                    creator_token: Some(token),
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        decode_all(&bytes);
    }

    #[test]
    fn mutated_fixture_bytes_never_panic(index in 0usize..161, value in any::<u8>(), cut in 0usize..161) {
        for name in ["ledgers__00__0000__L0000.bin", "ledgers__cookies__127.0.0.1_3181.bin", "ledgers__available__127.0.0.1_3181.bin"] {
            let mut bytes = fixture(name);
            let index = index % bytes.len();
            bytes[index] = value;
            decode_all(&bytes);
            bytes.truncate(cut % (bytes.len() + 1));
            decode_all(&bytes);
        }
    }

    #[test]
    fn ledger_metadata_round_trips(metadata in ledger_metadata()) {
        let bytes = metadata.encode();
        prop_assert_eq!(LedgerMetadata::decode(&bytes).unwrap(), metadata);
    }

    #[test]
    fn cookies_round_trip(
        bookie in "[ -~]{1,20}",
        journal in proptest::collection::vec("[^,\u{0}]{1,10}", 1..3),
        ledgers in proptest::collection::vec("[^\t]{1,10}", 0..3),
        instance in proptest::option::of("[ -~]{1,36}"),
    ) {
        let cookie = Cookie { bookie_id: bookie, journal_dirs: journal, ledger_dirs: ledgers, instance_id: instance, index_dirs: None };
        prop_assert_eq!(Cookie::decode(&cookie.encode()).unwrap(), cookie);
    }
}
