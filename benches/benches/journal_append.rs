//! The record encode path of the journal (pure CPU): framing + CRC32C of one entry record, and a
//! whole batch of records, for 100 B, 1 KiB and 64 KiB entries. Short by default (small samples).

use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use journal::format::Record;

fn encode_records(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("journal_record_encode");
    for entry_bytes in [100usize, 1024, 65536] {
        let record = Record::Entry {
            ledger_id: 7,
            entry_id: 42,
            body: Bytes::from(vec![0xa5u8; entry_bytes]),
        };
        let mut buffer = Vec::with_capacity(record.frame_bytes());
        group.throughput(Throughput::Bytes(entry_bytes as u64));
        group.bench_with_input(
            BenchmarkId::new("entry_bytes", entry_bytes),
            &record,
            |bencher, record| {
                bencher.iter(|| {
                    buffer.clear();
                    record.encode(0x1234, &mut buffer);
                    std::hint::black_box(buffer.len())
                })
            },
        );
    }
    group.finish();
}

fn encode_batch(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("journal_batch_encode_1MiB");
    for entry_bytes in [100usize, 1024, 65536] {
        let count = (1usize << 20) / (entry_bytes + 25);
        let records: Vec<Record> = (0..count as i64)
            .map(|entry_id| Record::Entry {
                ledger_id: entry_id % 64,
                entry_id,
                body: Bytes::from(vec![0x5au8; entry_bytes]),
            })
            .collect();
        let mut buffer = Vec::with_capacity(2 << 20);
        group.throughput(Throughput::Bytes((count * entry_bytes) as u64));
        group.bench_with_input(
            BenchmarkId::new("entry_bytes", entry_bytes),
            &records,
            |bencher, records| {
                bencher.iter(|| {
                    buffer.clear();
                    for record in records {
                        record.encode(0x1234, &mut buffer);
                    }
                    std::hint::black_box(buffer.len())
                })
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = encode_records, encode_batch
}
criterion_main!(benches);
