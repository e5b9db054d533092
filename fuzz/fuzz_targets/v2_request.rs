//! Fuzzes `v2::Request::decode`. Oracle: no panic, and a decoded request re-encodes to bytes that
//! decode to the same request.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use proto::v2::Request;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = Request::decode(Bytes::copy_from_slice(data)) {
        let mut out = BytesMut::new();
        request.encode(&mut out);
        assert_eq!(Request::decode(out.freeze()).as_ref(), Ok(&request));
    }
});
