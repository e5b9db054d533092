//! Fuzzes `v3::Response::decode`. Oracle: no panic, and a decoded response re-encodes to bytes
//! that decode to the same response.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use proto::v3::Response;

fuzz_target!(|data: &[u8]| {
    if let Ok(response) = Response::decode(Bytes::copy_from_slice(data)) {
        let mut out = BytesMut::new();
        response.encode(&mut out);
        assert_eq!(Response::decode(out.freeze()).as_ref(), Ok(&response));
    }
});
