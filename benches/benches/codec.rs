//! The wire codec per operation (pure CPU): encode and decode of v2 ADD/READ requests and
//! responses and of v3 ADD/READ requests and responses, with a 1 KiB entry.
//! Short by default (small samples); `cargo bench -p benches --bench codec`.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, Criterion};
use proto::{make_entry_body, v2, v3, DigestType, EntryHeader, MacKey, StatusCode};

const ENTRY_BYTES: usize = 1024;

fn entry_body() -> Bytes {
    let header = EntryHeader {
        ledger_id: 7,
        entry_id: 42,
        last_add_confirmed: 41,
        length: 43 * ENTRY_BYTES as i64,
    };
    Bytes::from(make_entry_body(
        DigestType::Crc32c,
        &MacKey::from_password(b"bench"),
        &header,
        &vec![0xa5u8; ENTRY_BYTES],
    ))
}

fn v2_messages() -> Result<[(&'static str, Encoded); 4], proto::v2::V2DecodeError> {
    let key = proto::master_key(b"bench");
    let add = v2::Request::Add(v2::AddRequest::new(2, v2::Flags::NONE, key, entry_body())?);
    let read = v2::ReadRequest {
        version: 2,
        flags: v2::Flags::NONE,
        ledger_id: 7,
        entry_id: 42,
        master_key: None,
    };
    let add_response = v2::Response::Add(v2::AddResponse {
        version: 2,
        status: StatusCode::Ok,
        ledger_id: 7,
        entry_id: 42,
    });
    let read_response = v2::Response::Read(v2::ReadResponse::answering(
        &read,
        StatusCode::Ok,
        entry_body(),
    ));
    Ok([
        ("v2_add_request", Encoded::V2Request(add)),
        (
            "v2_read_request",
            Encoded::V2Request(v2::Request::Read(read)),
        ),
        ("v2_add_response", Encoded::V2Response(add_response)),
        ("v2_read_response", Encoded::V2Response(read_response)),
    ])
}

fn v3_messages() -> [(&'static str, Encoded); 4] {
    let key = proto::master_key(b"bench");
    let add = v3::Request::new(
        9,
        v3::RequestBody::Add(v3::AddRequest {
            ledger_id: 7,
            entry_id: 42,
            master_key: Bytes::copy_from_slice(&key),
            body: entry_body(),
            write_flags: None,
            flag: None,
        }),
    );
    let read = v3::Request::new(
        10,
        v3::RequestBody::Read(v3::ReadRequest {
            ledger_id: 7,
            entry_id: 42,
            master_key: None,
            previous_lac: None,
            timeout_ms: None,
            flag: None,
        }),
    );
    let add_response = v3::Response::answering(
        9,
        v3::ResponseBody::Add(v3::AddResponse {
            status: StatusCode::Ok,
            ledger_id: 7,
            entry_id: 42,
        }),
    );
    let read_response = v3::Response::answering(
        10,
        v3::ResponseBody::Read(v3::ReadResponse {
            status: StatusCode::Ok,
            ledger_id: 7,
            entry_id: 42,
            body: Some(entry_body()),
            max_lac: Some(41),
            lac_update_timestamp: None,
        }),
    );
    [
        ("v3_add_request", Encoded::V3Request(add)),
        ("v3_read_request", Encoded::V3Request(read)),
        ("v3_add_response", Encoded::V3Response(add_response)),
        ("v3_read_response", Encoded::V3Response(read_response)),
    ]
}

enum Encoded {
    V2Request(v2::Request),
    V2Response(v2::Response),
    V3Request(v3::Request),
    V3Response(v3::Response),
}

impl Encoded {
    fn encode(&self, out: &mut BytesMut) {
        match self {
            Self::V2Request(message) => message.encode(out),
            Self::V2Response(message) => message.encode(out),
            Self::V3Request(message) => message.encode(out),
            Self::V3Response(message) => message.encode(out),
        }
    }

    /// Decodes `payload` as the same kind of message; true when it decoded.
    fn decode_same(&self, payload: Bytes) -> bool {
        match self {
            Self::V2Request(_) => v2::Request::decode(payload).is_ok(),
            Self::V2Response(_) => v2::Response::decode(payload).is_ok(),
            Self::V3Request(_) => v3::Request::decode(payload).is_ok(),
            Self::V3Response(_) => v3::Response::decode(payload).is_ok(),
        }
    }
}

fn codec(criterion: &mut Criterion) {
    let Ok(v2) = v2_messages() else {
        eprintln!("codec bench: building the v2 messages failed");
        return;
    };
    let mut encode = criterion.benchmark_group("codec_encode");
    let messages: Vec<(&str, Encoded)> = v2.into_iter().chain(v3_messages()).collect();
    let mut out = BytesMut::with_capacity(4096);
    for (name, message) in &messages {
        encode.bench_function(*name, |bencher| {
            bencher.iter(|| {
                out.clear();
                message.encode(&mut out);
                std::hint::black_box(out.len())
            })
        });
    }
    encode.finish();
    let mut decode = criterion.benchmark_group("codec_decode");
    for (name, message) in &messages {
        let mut encoded = BytesMut::new();
        message.encode(&mut encoded);
        let encoded = encoded.freeze();
        assert!(
            message.decode_same(encoded.clone()),
            "{name} does not decode"
        );
        decode.bench_function(*name, |bencher| {
            bencher.iter(|| std::hint::black_box(message.decode_same(encoded.clone())))
        });
    }
    decode.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = codec
}
criterion_main!(benches);
