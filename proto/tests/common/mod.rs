//! Shared helpers for the fixture tests: loading the captured TCP streams of the real
//! BookKeeper 4.16.7 and parsing the independent `.txt` listings that describe each frame.

#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use proto::{DigestType, FrameDecoder, MacKey};

/// The password of every fixture ledger.
pub const FIXTURE_PASSWORD: &[u8] = b"fixture-pw";

/// Master key stated by the fixture README.
pub const FIXTURE_MASTER_KEY_HEX: &str = "1b60c396b55951f1cbae767e2964ef7cf1a85ef3";

/// Path of a file under `shared/fixtures/bookkeeper-4.16.7/wire/`.
pub fn wire_path(relative: &str) -> String {
    format!(
        "{}/../../shared/fixtures/bookkeeper-4.16.7/wire/{relative}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Splits a captured stream into frame payloads; the stream must end exactly on a frame boundary.
pub fn frames(relative: &str) -> Vec<Bytes> {
    let raw = std::fs::read(wire_path(&format!("{relative}.bin"))).expect("fixture .bin readable");
    let mut stream = BytesMut::from(&raw[..]);
    let decoder = FrameDecoder::default();
    let mut frames = Vec::new();
    while let Some(frame) = decoder
        .decode(&mut stream)
        .expect("fixture frames are within the limit")
    {
        frames.push(frame);
    }
    assert!(
        stream.is_empty(),
        "{relative}: {} bytes after the last whole frame",
        stream.len()
    );
    frames
}

/// What the independent listing says about one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// v2 opcode or v3 operation number.
    pub operation: i32,
    /// v3 txnId.
    pub txn_id: Option<u64>,
    /// Ledger id named by the frame.
    pub ledger_id: Option<i64>,
    /// Entry id named by the frame (from the body for v2 ADD requests).
    pub entry_id: Option<i64>,
    /// v2 rc or v3 top-level status number.
    pub status: Option<i32>,
    /// v2 flags.
    pub flags: Option<u16>,
    /// v3 header priority.
    pub priority: Option<u32>,
    /// v3 inner flag name (`FENCE_LEDGER`, `RECOVERY_ADD`).
    pub flag_name: Option<String>,
}

fn word_after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(key)? + key.len();
    let rest = &line[start..];
    let end = rest.find([' ', '}']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The number in parentheses of `NAME(n)`.
fn enum_number(word: &str) -> Option<i32> {
    let open = word.find('(')?;
    word[open + 1..word.find(')')?].parse().ok()
}

fn number_after<T: std::str::FromStr>(line: &str, key: &str) -> Option<T> {
    word_after(line, key)?.parse().ok()
}

/// Parses the `[n] ...` lines of a `.txt` listing, one per frame, in order.
pub fn listings(relative: &str) -> Vec<Listing> {
    let text = std::fs::read_to_string(wire_path(&format!("{relative}.txt")))
        .expect("fixture .txt readable");
    text.lines()
        .filter(|line| line.starts_with('['))
        .map(|line| Listing {
            operation: word_after(line, "opcode=")
                .or_else(|| word_after(line, "operation="))
                .and_then(enum_number)
                .expect("listing names the operation"),
            txn_id: number_after(line, "txnId="),
            // Frames name their ids as ledgerId/entryId; a v2 ADD request only has them in its body.
            ledger_id: if line.contains("ledgerId=") {
                number_after(line, "ledgerId=")
            } else {
                number_after(line, "entry{ledger=")
            },
            entry_id: if line.contains("ledgerId=") {
                number_after(line, "entryId=")
            } else {
                number_after(line, " entry=")
            },
            status: word_after(line, " rc=")
                .or_else(|| word_after(line, " status="))
                .and_then(enum_number),
            flags: word_after(line, "flags=0x")
                .and_then(|word| u16::from_str_radix(&word[..4], 16).ok()),
            priority: number_after(line, "priority="),
            flag_name: word_after(line, " flag=")
                .map(|word| word[..word.find('(').unwrap_or(word.len())].to_owned()),
        })
        .collect()
}

/// The digest type of a fixture ledger (README table: A = CRC32C, B = CRC32, C = HMAC).
pub fn digest_of_ledger(ledger_id: i64) -> DigestType {
    match ledger_id {
        0 | 3 => DigestType::Crc32c,
        1 | 4 => DigestType::Crc32,
        2 | 5 => DigestType::Hmac,
        other => panic!("no fixture ledger {other}"),
    }
}

/// Verifies an entry body from the fixtures and returns (ledger, entry, payload).
pub fn verify_fixture_body(body: &[u8]) -> (i64, i64, Vec<u8>) {
    let ledger_id = proto::EntryHeader::parse(body)
        .expect("body has a header")
        .ledger_id;
    let key = MacKey::from_password(FIXTURE_PASSWORD);
    let parsed = proto::verify_entry_body(digest_of_ledger(ledger_id), &key, body)
        .expect("fixture digest verifies");
    let expected_payload = format!("entry-{}", parsed.header.entry_id);
    assert_eq!(
        parsed.payload,
        expected_payload.as_bytes(),
        "payload of entry {}",
        parsed.header.entry_id
    );
    (
        parsed.header.ledger_id,
        parsed.header.entry_id,
        parsed.payload.to_vec(),
    )
}

/// Frame counts stated by the fixture README: (connection, client-to-bookie, bookie-to-client).
pub const FRAME_COUNTS: [(&str, usize, usize); 2] = [("conn1", 64, 64), ("conn2", 4, 4)];
