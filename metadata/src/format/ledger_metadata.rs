//! Ledger metadata (spec §5.6): the data of a ledger's znode.
//!
//! Format V3 (what this crate writes): `BookieMetadataFormatVersion\t3\n`, then a
//! `LedgerMetadataFormat` protobuf prefixed by its varint length.
//! Fields are written in field-number order, `lastEntryId` and `cToken` always (as the Java
//! writer does), `ackQuorumSize`, `digestType`, `password` and `ctime` only when present, so a
//! decoded record re-encodes to the same bytes (fixture README point 5: no `ctime`, `cToken` 0
//! after close).
//! Invariants kept by [`LedgerMetadata::validate`]: 1 <= Qa <= Qw <= E, ensembles non-empty,
//! ascending by first entry id starting at 0, each with exactly E bookies, and a closed ledger's
//! last entry id is >= -1.
//! V2 bodies (protobuf text format, written by 4.2-4.8) are read too; V1 (line format, pre-4.2)
//! is rejected as unsupported. Writers always write V3.

use bytes::Bytes;
use prost::Message;

use super::pb::{ledger_metadata_format as lmf, LedgerMetadataFormat};
use super::text_format::{parse_message, TextValue};
use super::FormatError;
use crate::bookie_id::BookieId;

/// The header every ledger metadata znode starts with, before the decimal version.
pub const HEADER_PREFIX: &[u8] = b"BookieMetadataFormatVersion\t";
/// The format version this crate writes.
pub const FORMAT_VERSION: u32 = 3;

/// A ledger's lifecycle state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerState {
    /// Being written.
    Open,
    /// A client is recovering it (fenced, not yet closed).
    InRecovery,
    /// Closed: `last_entry_id` and `length_bytes` are final.
    Closed,
}

/// Digest type of a ledger's entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestType {
    /// CRC32, 8-byte digest.
    Crc32,
    /// HMAC-SHA1, 20-byte digest.
    Hmac,
    /// CRC32C, 4-byte digest.
    Crc32c,
    /// No digest.
    Dummy,
}

/// One ensemble: the bookies holding entries from `first_entry_id` up to the next segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// First entry id written to this ensemble.
    pub first_entry_id: i64,
    /// The ensemble, in write-set order.
    pub bookies: Vec<BookieId>,
}

/// Decoded ledger metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerMetadata {
    /// E: ensemble size.
    pub ensemble_size: u32,
    /// Qw: write quorum size (`quorumSize`, field 1).
    pub write_quorum_size: u32,
    /// Qa as stored; `None` means "equal to Qw" (spec §10 point 5). See [`Self::ack_quorum`].
    pub ack_quorum_size: Option<u32>,
    /// Total bytes of the ledger; 0 while open.
    pub length_bytes: u64,
    /// Last entry id; -1 while open. An absent field decodes as -1.
    pub last_entry_id: i64,
    /// Lifecycle state.
    pub state: LedgerState,
    /// Ensembles, ascending by first entry id.
    pub ensembles: Vec<Segment>,
    /// Digest type; honoured only when `password` is present.
    pub digest_type: Option<DigestType>,
    /// The raw ledger password; the Java writer always sets it (empty if none).
    pub password: Option<Bytes>,
    /// Creation time in ms since the epoch, if stored (4.16 defaults do not store it).
    pub ctime_ms: Option<i64>,
    /// Custom metadata, in stored order.
    pub custom_metadata: Vec<(String, Bytes)>,
    /// Creator token (`cToken`): random while open, 0 after close; `None` if absent.
    pub creator_token: Option<i64>,
}

impl LedgerMetadata {
    /// The ack quorum: the stored value, or Qw when absent.
    pub fn ack_quorum(&self) -> u32 {
        self.ack_quorum_size.unwrap_or(self.write_quorum_size)
    }

    /// Checks the structural invariants listed in the module doc.
    pub fn validate(&self) -> Result<(), FormatError> {
        let qa = self.ack_quorum();
        if !(1 <= qa
            && qa <= self.write_quorum_size
            && self.write_quorum_size <= self.ensemble_size)
        {
            return Err(FormatError::bad_field(
                "quorumSize",
                format!(
                    "need 1 <= Qa <= Qw <= E, got E={} Qw={} Qa={qa}",
                    self.ensemble_size, self.write_quorum_size
                ),
            ));
        }
        let Some(first) = self.ensembles.first() else {
            return Err(FormatError::MissingField("segment"));
        };
        if first.first_entry_id != 0 {
            return Err(FormatError::bad_field(
                "segment",
                "the first ensemble does not start at entry 0",
            ));
        }
        let mut previous: Option<i64> = None;
        for segment in &self.ensembles {
            if previous.is_some_and(|p| segment.first_entry_id <= p) {
                return Err(FormatError::bad_field(
                    "segment",
                    "first entry ids are not ascending",
                ));
            }
            previous = Some(segment.first_entry_id);
            if segment.bookies.len() != self.ensemble_size as usize {
                return Err(FormatError::bad_field(
                    "segment",
                    format!(
                        "ensemble has {} bookies, E is {}",
                        segment.bookies.len(),
                        self.ensemble_size
                    ),
                ));
            }
        }
        if self.last_entry_id < -1 {
            return Err(FormatError::bad_field(
                "lastEntryId",
                format!("{} < -1", self.last_entry_id),
            ));
        }
        Ok(())
    }

    /// Encodes as format V3. It does not check [`Self::validate`]; the stores do before writing.
    pub fn encode(&self) -> Vec<u8> {
        let message = LedgerMetadataFormat {
            quorum_size: Some(to_i32(self.write_quorum_size)),
            ensemble_size: Some(to_i32(self.ensemble_size)),
            length: Some(i64::try_from(self.length_bytes).unwrap_or(i64::MAX)),
            last_entry_id: Some(self.last_entry_id),
            state: Some(match self.state {
                LedgerState::Open => lmf::State::Open,
                LedgerState::InRecovery => lmf::State::InRecovery,
                LedgerState::Closed => lmf::State::Closed,
            } as i32),
            segment: self
                .ensembles
                .iter()
                .map(|s| lmf::Segment {
                    ensemble_member: s.bookies.iter().map(|b| b.as_str().to_owned()).collect(),
                    first_entry_id: Some(s.first_entry_id),
                })
                .collect(),
            digest_type: self.digest_type.map(|d| {
                (match d {
                    DigestType::Crc32 => lmf::DigestType::Crc32,
                    DigestType::Hmac => lmf::DigestType::Hmac,
                    DigestType::Crc32c => lmf::DigestType::Crc32c,
                    DigestType::Dummy => lmf::DigestType::Dummy,
                }) as i32
            }),
            password: self.password.clone(),
            ack_quorum_size: self.ack_quorum_size.map(to_i32),
            ctime: self.ctime_ms,
            custom_metadata: self
                .custom_metadata
                .iter()
                .map(|(k, v)| lmf::CMetadataMapEntry {
                    key: Some(k.clone()),
                    value: Some(v.clone()),
                })
                .collect(),
            c_token: Some(self.creator_token.unwrap_or(0)),
        };
        let mut out = Vec::with_capacity(HEADER_PREFIX.len() + 2 + message.encoded_len() + 2);
        out.extend_from_slice(HEADER_PREFIX);
        out.extend_from_slice(format!("{FORMAT_VERSION}\n").as_bytes());
        // Encoding into a Vec cannot run out of space.
        let _ = message.encode_length_delimited(&mut out);
        out
    }

    /// Decodes ledger metadata bytes (any version header; only V3 bodies are supported).
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        let Some(rest) = bytes.strip_prefix(HEADER_PREFIX) else {
            return Err(FormatError::BadHeader(
                "missing \"BookieMetadataFormatVersion\\t\"".into(),
            ));
        };
        let newline = rest
            .iter()
            .take(12)
            .position(|&b| b == b'\n')
            .ok_or_else(|| FormatError::BadHeader("no newline after the format version".into()))?;
        let version_text =
            std::str::from_utf8(&rest[..newline]).map_err(|_| FormatError::NotUtf8)?;
        let version: u32 = version_text.parse().map_err(|_| {
            FormatError::BadHeader(format!("format version {version_text:?} is not a number"))
        })?;
        if version == 2 {
            return Self::from_message(v2_message(&rest[newline + 1..])?);
        }
        if version != FORMAT_VERSION {
            return Err(FormatError::UnsupportedVersion(format!(
                "ledger metadata V{version}"
            )));
        }
        let mut body = &rest[newline + 1..];
        let message = LedgerMetadataFormat::decode_length_delimited(&mut body)
            .map_err(|e| FormatError::Protobuf(e.to_string()))?;
        if !body.is_empty() {
            return Err(FormatError::Protobuf(format!(
                "{} bytes after the message",
                body.len()
            )));
        }
        Self::from_message(message)
    }

    fn from_message(m: LedgerMetadataFormat) -> Result<Self, FormatError> {
        let metadata = Self {
            write_quorum_size: to_u32(
                "quorumSize",
                m.quorum_size
                    .ok_or(FormatError::MissingField("quorumSize"))?,
            )?,
            ensemble_size: to_u32(
                "ensembleSize",
                m.ensemble_size
                    .ok_or(FormatError::MissingField("ensembleSize"))?,
            )?,
            ack_quorum_size: m
                .ack_quorum_size
                .map(|q| to_u32("ackQuorumSize", q))
                .transpose()?,
            length_bytes: u64::try_from(m.length.ok_or(FormatError::MissingField("length"))?)
                .map_err(|_| FormatError::bad_field("length", "negative"))?,
            last_entry_id: m.last_entry_id.unwrap_or(-1),
            state: match m.state.map(lmf::State::try_from) {
                None => return Err(FormatError::MissingField("state")),
                Some(Ok(lmf::State::Open)) => LedgerState::Open,
                Some(Ok(lmf::State::InRecovery)) => LedgerState::InRecovery,
                Some(Ok(lmf::State::Closed)) => LedgerState::Closed,
                Some(Err(e)) => return Err(FormatError::bad_field("state", e.to_string())),
            },
            ensembles: m
                .segment
                .into_iter()
                .map(|s| {
                    Ok(Segment {
                        first_entry_id: s
                            .first_entry_id
                            .ok_or(FormatError::MissingField("firstEntryId"))?,
                        bookies: s
                            .ensemble_member
                            .iter()
                            .map(|b| {
                                BookieId::parse(b).map_err(|e| {
                                    FormatError::bad_field("ensembleMember", e.to_string())
                                })
                            })
                            .collect::<Result<_, _>>()?,
                    })
                })
                .collect::<Result<_, FormatError>>()?,
            digest_type: match m.digest_type.map(lmf::DigestType::try_from) {
                None => None,
                Some(Ok(lmf::DigestType::Crc32)) => Some(DigestType::Crc32),
                Some(Ok(lmf::DigestType::Hmac)) => Some(DigestType::Hmac),
                Some(Ok(lmf::DigestType::Crc32c)) => Some(DigestType::Crc32c),
                Some(Ok(lmf::DigestType::Dummy)) => Some(DigestType::Dummy),
                Some(Err(e)) => return Err(FormatError::bad_field("digestType", e.to_string())),
            },
            password: m.password,
            ctime_ms: m.ctime,
            custom_metadata: m
                .custom_metadata
                .into_iter()
                .map(|e| (e.key.unwrap_or_default(), e.value.unwrap_or_default()))
                .collect(),
            creator_token: m.c_token,
        };
        metadata.validate()?;
        Ok(metadata)
    }
}

/// Reads a V2 body: protobuf text format of `LedgerMetadataFormat` (written by BookKeeper
/// 4.2-4.8 and by later clients configured with `ledgerMetadataVersion=2`).
fn v2_message(body: &[u8]) -> Result<LedgerMetadataFormat, FormatError> {
    let mut message = LedgerMetadataFormat::default();
    for (name, value) in parse_message(body)? {
        match name.as_str() {
            "quorumSize" => message.quorum_size = Some(number("quorumSize", &value)?),
            "ensembleSize" => message.ensemble_size = Some(number("ensembleSize", &value)?),
            "length" => message.length = Some(number("length", &value)?),
            "lastEntryId" => message.last_entry_id = Some(number("lastEntryId", &value)?),
            "state" => {
                let state = enum_value("state", &value, lmf::State::from_str_name)?;
                message.state = Some(state as i32);
            }
            "segment" => {
                let mut segment = lmf::Segment::default();
                for (name, value) in sub_message("segment", value)? {
                    match name.as_str() {
                        "ensembleMember" => {
                            segment.ensemble_member.push(text("ensembleMember", value)?)
                        }
                        "firstEntryId" => {
                            segment.first_entry_id = Some(number("firstEntryId", &value)?)
                        }
                        _ => {
                            return Err(FormatError::bad_field(
                                "segment",
                                format!("unknown field {name:?}"),
                            ))
                        }
                    }
                }
                message.segment.push(segment);
            }
            "digestType" => {
                let digest = enum_value("digestType", &value, lmf::DigestType::from_str_name)?;
                message.digest_type = Some(digest as i32);
            }
            "password" => message.password = Some(Bytes::from(quoted("password", value)?)),
            "ackQuorumSize" => message.ack_quorum_size = Some(number("ackQuorumSize", &value)?),
            "ctime" => message.ctime = Some(number("ctime", &value)?),
            "customMetadata" => {
                let mut entry = lmf::CMetadataMapEntry::default();
                for (name, value) in sub_message("customMetadata", value)? {
                    match name.as_str() {
                        "key" => entry.key = Some(text("key", value)?),
                        "value" => entry.value = Some(Bytes::from(quoted("value", value)?)),
                        _ => {
                            return Err(FormatError::bad_field(
                                "customMetadata",
                                format!("unknown field {name:?}"),
                            ))
                        }
                    }
                }
                message.custom_metadata.push(entry);
            }
            "cToken" => message.c_token = Some(number("cToken", &value)?),
            _ => {
                return Err(FormatError::bad_field(
                    "LedgerMetadataFormat",
                    format!("unknown field {name:?}"),
                ))
            }
        }
    }
    Ok(message)
}

fn number<T: std::str::FromStr>(field: &'static str, value: &TextValue) -> Result<T, FormatError> {
    match value {
        TextValue::Token(token) => token.parse().map_err(|_| {
            FormatError::bad_field(field, format!("{token:?} is not a number in range"))
        }),
        _ => Err(FormatError::bad_field(field, "expected a number")),
    }
}

fn enum_value<T>(
    field: &'static str,
    value: &TextValue,
    from_name: fn(&str) -> Option<T>,
) -> Result<T, FormatError> {
    match value {
        TextValue::Token(token) => from_name(token)
            .ok_or_else(|| FormatError::bad_field(field, format!("unknown value {token:?}"))),
        _ => Err(FormatError::bad_field(field, "expected an enum name")),
    }
}

fn quoted(field: &'static str, value: TextValue) -> Result<Vec<u8>, FormatError> {
    match value {
        TextValue::Quoted(bytes) => Ok(bytes),
        _ => Err(FormatError::bad_field(field, "expected a quoted string")),
    }
}

fn text(field: &'static str, value: TextValue) -> Result<String, FormatError> {
    String::from_utf8(quoted(field, value)?).map_err(|_| FormatError::NotUtf8)
}

fn sub_message(
    field: &'static str,
    value: TextValue,
) -> Result<Vec<(String, TextValue)>, FormatError> {
    match value {
        TextValue::Message(fields) => Ok(fields),
        _ => Err(FormatError::bad_field(field, "expected a message")),
    }
}

fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn to_u32(field: &'static str, value: i32) -> Result<u32, FormatError> {
    u32::try_from(value).map_err(|_| FormatError::bad_field(field, format!("{value} is negative")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixture;

    fn closed(digest_type: DigestType) -> LedgerMetadata {
        LedgerMetadata {
            ensemble_size: 1,
            write_quorum_size: 1,
            ack_quorum_size: Some(1),
            length_bytes: 70,
            last_entry_id: 9,
            state: LedgerState::Closed,
            ensembles: vec![Segment {
                first_entry_id: 0,
                bookies: vec![BookieId::parse("127.0.0.1:3181").unwrap()],
            }],
            digest_type: Some(digest_type),
            password: Some(Bytes::from_static(b"fixture-pw")),
            ctime_ms: None,
            custom_metadata: vec![],
            creator_token: Some(0),
        }
    }

    #[test]
    fn fixture_ledgers_decode_and_reencode_byte_identical() {
        let digests = [DigestType::Crc32c, DigestType::Crc32, DigestType::Hmac];
        for id in 0..6 {
            let bytes = fixture(&format!("ledgers__00__0000__L000{id}.bin"));
            let metadata = LedgerMetadata::decode(&bytes).unwrap();
            assert_eq!(metadata, closed(digests[id % 3]), "ledger {id}");
            assert_eq!(metadata.encode(), bytes, "ledger {id}");
        }
    }

    #[test]
    fn open_fixture_ledger_keeps_its_creator_token() {
        let bytes = fixture("after-kill9/ledgers__00__0000__L0006.bin");
        let metadata = LedgerMetadata::decode(&bytes).unwrap();
        assert_eq!(metadata.state, LedgerState::Open);
        assert_eq!(metadata.last_entry_id, -1);
        assert_eq!(metadata.length_bytes, 0);
        assert_eq!(metadata.creator_token, Some(1013967394866133023));
        assert_eq!(metadata.encode(), bytes);
    }

    #[test]
    fn spec_example_encodes_to_the_spec_bytes() {
        // Spec §5.6 example: E=3, Qw=2, Qa=2, open, CRC32C, empty password, ctime 1700000000000.
        let bookies = ["b1:3181", "b2:3181", "b3:3181"].map(|b| BookieId::parse(b).unwrap());
        let metadata = LedgerMetadata {
            ensemble_size: 3,
            write_quorum_size: 2,
            ack_quorum_size: Some(2),
            length_bytes: 0,
            last_entry_id: -1,
            state: LedgerState::Open,
            ensembles: vec![Segment {
                first_entry_id: 0,
                bookies: bookies.to_vec(),
            }],
            digest_type: Some(DigestType::Crc32c),
            password: Some(Bytes::new()),
            ctime_ms: Some(1_700_000_000_000),
            custom_metadata: vec![],
            creator_token: Some(0),
        };
        let expected = "4108021003180020ffffffffffffffffff012801321d0a0762313a333138310a0762323a333138310a0762333a3331383110003803420048025080d095ffbc316000";
        let mut bytes = b"BookieMetadataFormatVersion\t3\n".to_vec();
        bytes.extend(hex::decode(expected).unwrap());
        assert_eq!(metadata.encode(), bytes);
        assert_eq!(LedgerMetadata::decode(&bytes).unwrap(), metadata);
    }

    #[test]
    fn v2_text_format_decodes_to_the_same_metadata() {
        // What Java's TextFormat.printToString writes for fixture ledger 0 (V2, 4.2-4.8 writers).
        let v2 = "BookieMetadataFormatVersion\t2\nquorumSize: 1\nensembleSize: 1\nlength: 70\nlastEntryId: 9\n\
                  state: CLOSED\nsegment {\n  ensembleMember: \"127.0.0.1:3181\"\n  firstEntryId: 0\n}\n\
                  digestType: CRC32C\npassword: \"fixture-pw\"\nackQuorumSize: 1\ncToken: 0\n";
        let metadata = LedgerMetadata::decode(v2.as_bytes()).unwrap();
        assert_eq!(metadata, closed(DigestType::Crc32c));
        // Re-encoding writes V3: the fixture bytes.
        assert_eq!(metadata.encode(), fixture("ledgers__00__0000__L0000.bin"));
        let with_custom =
            "BookieMetadataFormatVersion\t2\nquorumSize: 1\nensembleSize: 1\nlength: 0\n\
                           state: OPEN\nsegment { ensembleMember: \"b:1\" firstEntryId: 0 }\n\
                           customMetadata { key: \"k\" value: \"\\001v\" }\nctime: 5\n";
        let metadata = LedgerMetadata::decode(with_custom.as_bytes()).unwrap();
        assert_eq!(metadata.last_entry_id, -1);
        assert_eq!(
            metadata.custom_metadata,
            vec![("k".to_owned(), Bytes::from_static(b"\x01v"))]
        );
        assert_eq!(metadata.ctime_ms, Some(5));
        assert_eq!(metadata.password, None);
    }

    #[test]
    fn absent_ack_quorum_means_write_quorum() {
        let metadata = LedgerMetadata {
            ack_quorum_size: None,
            ..closed(DigestType::Crc32)
        };
        let decoded = LedgerMetadata::decode(&metadata.encode()).unwrap();
        assert_eq!(decoded.ack_quorum_size, None);
        assert_eq!(decoded.ack_quorum(), 1);
    }

    #[test]
    fn damaged_metadata_is_an_error_not_a_panic() {
        let good = fixture("ledgers__00__0000__L0000.bin");
        // Every truncation and every single-byte corruption must decode or fail cleanly.
        for len in 0..good.len() {
            assert!(
                LedgerMetadata::decode(&good[..len]).is_err(),
                "truncated to {len}"
            );
        }
        for index in 0..good.len() {
            let mut bad = good.clone();
            bad[index] ^= 0xff;
            let _ = LedgerMetadata::decode(&bad);
        }
        let v1 = b"BookieMetadataFormatVersion\t1\n1\n1\n0\n";
        assert!(matches!(
            LedgerMetadata::decode(v1),
            Err(FormatError::UnsupportedVersion(_))
        ));
        let v2_missing_state = b"BookieMetadataFormatVersion\t2\nquorumSize: 1\n";
        assert!(matches!(
            LedgerMetadata::decode(v2_missing_state),
            Err(FormatError::MissingField(_))
        ));
        for bad_v2 in [
            &b"quorumSize: x"[..],
            b"state: OPENED",
            b"segment: 1",
            b"password: 3",
            b"foo: 1",
        ] {
            let mut bytes = b"BookieMetadataFormatVersion\t2\n".to_vec();
            bytes.extend_from_slice(bad_v2);
            assert!(
                LedgerMetadata::decode(&bytes).is_err(),
                "{}",
                String::from_utf8_lossy(bad_v2)
            );
        }
    }

    #[test]
    fn metadata_breaking_quorum_rules_is_rejected() {
        let bad = LedgerMetadata {
            write_quorum_size: 2,
            ..closed(DigestType::Crc32)
        };
        assert!(bad.validate().is_err());
        let no_ensemble = LedgerMetadata {
            ensembles: vec![],
            ..closed(DigestType::Crc32)
        };
        assert!(LedgerMetadata::decode(&no_ensemble.encode()).is_err());
    }
}
