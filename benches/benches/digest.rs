//! Entry digests per entry size (pure CPU): CRC32, CRC32C and HMAC-SHA1 over the entry header
//! and payload, as a client computes them per add, for 100 B, 1 KiB and 64 KiB payloads.
//! Short by default; `cargo bench -p benches --bench digest`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use proto::{DigestType, EntryHeader, MacKey};

fn digests(criterion: &mut Criterion) {
    let mac_key = MacKey::from_password(b"bench");
    let header = EntryHeader {
        ledger_id: 7,
        entry_id: 42,
        last_add_confirmed: 41,
        length: 4200,
    }
    .to_bytes();
    for digest in [DigestType::Crc32, DigestType::Crc32c, DigestType::Hmac] {
        let mut group = criterion.benchmark_group(format!("digest_{digest:?}").to_lowercase());
        for entry_bytes in [100usize, 1024, 65536] {
            let payload = vec![0x5au8; entry_bytes];
            group.throughput(Throughput::Bytes(entry_bytes as u64));
            group.bench_with_input(
                BenchmarkId::new("entry_bytes", entry_bytes),
                &payload,
                |bencher, payload| {
                    bencher.iter(|| {
                        let value = digest.compute(&mac_key, &[&header, payload]);
                        std::hint::black_box(value.as_bytes().len())
                    })
                },
            );
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = digests
}
criterion_main!(benches);
