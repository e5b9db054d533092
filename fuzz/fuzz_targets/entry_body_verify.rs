//! Fuzzes entry-body and LAC-blob verification. The first input byte picks the digest type, the
//! rest is the body; the MAC key is the fixture password's. Oracle: no panic, and a body that
//! verifies is rebuilt byte for byte by `make_entry_body` from its parsed parts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proto::digest::DIGEST_TYPES_ALL;
use proto::lac::verify_lac_body;
use proto::{make_entry_body, verify_entry_body, EntryHeader, MacKey};

fuzz_target!(|data: &[u8]| {
    let Some((selector, body)) = data.split_first() else { return };
    let digest = DIGEST_TYPES_ALL[usize::from(*selector) % DIGEST_TYPES_ALL.len()];
    let key = MacKey::from_password(b"fixture-pw");
    let _ = EntryHeader::parse(body);
    let _ = verify_lac_body(digest, &key, body);
    if let Ok(parsed) = verify_entry_body(digest, &key, body) {
        assert_eq!(make_entry_body(digest, &key, &parsed.header, parsed.payload), body);
    }
});
