//! The cookie (spec §5.4): `/ledgers/cookies/<bookieId>` and the `VERSION` file of every
//! journal and ledger `current/` directory hold the same bytes.
//!
//! Layout version 5: the line `5\n`, then protobuf text format of
//! `CookieFormat { bookieHost=1; journalDir=2; ledgerDirs=3; optional instanceId=4; optional indexDirs=5 }`,
//! one `name: "value"\n` line per present field in field-number order.
//! `journalDir` is the comma-joined journal directories; `ledgerDirs` and `indexDirs` are
//! `"<count>\t<dir1>\t<dir2>..."`.
//! Invariant: `decode(encode(c)) == c`, and `encode(decode(b)) == b` for every cookie Java writes.
//! Layout version 3 (four plain lines, pre-4.0) is rejected as unsupported.

use super::text_format::{parse_string_fields, write_string_field};
use super::FormatError;

/// The only cookie layout version this crate writes and reads.
pub const COOKIE_LAYOUT_VERSION: u32 = 5;

/// A bookie's cookie: the identity and directory set it was formatted with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    /// `bookieHost`: the bookie id (spec §5.4).
    pub bookie_id: String,
    /// `journalDir`, split on `,`.
    pub journal_dirs: Vec<String>,
    /// `ledgerDirs`, without the count prefix.
    pub ledger_dirs: Vec<String>,
    /// `instanceId`: the cluster's INSTANCEID, absent on cookies of clusters without one.
    pub instance_id: Option<String>,
    /// `indexDirs`, absent unless the bookie has separate index directories.
    pub index_dirs: Option<Vec<String>>,
}

impl Cookie {
    /// Encodes the cookie as layout version 5 text.
    pub fn encode(&self) -> Vec<u8> {
        let mut text = format!("{COOKIE_LAYOUT_VERSION}\n");
        write_string_field(&mut text, "bookieHost", &self.bookie_id);
        write_string_field(&mut text, "journalDir", &self.journal_dirs.join(","));
        write_string_field(&mut text, "ledgerDirs", &encode_dir_list(&self.ledger_dirs));
        if let Some(instance_id) = &self.instance_id {
            write_string_field(&mut text, "instanceId", instance_id);
        }
        if let Some(index_dirs) = &self.index_dirs {
            write_string_field(&mut text, "indexDirs", &encode_dir_list(index_dirs));
        }
        text.into_bytes()
    }

    /// Decodes cookie bytes (from the metadata store or a `VERSION` file).
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        let newline = bytes
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| FormatError::BadHeader("no layout version line".into()))?;
        let version_text =
            std::str::from_utf8(&bytes[..newline]).map_err(|_| FormatError::NotUtf8)?;
        let version: u32 = version_text.trim().parse().map_err(|_| {
            FormatError::BadHeader(format!("layout version {version_text:?} is not a number"))
        })?;
        if version != COOKIE_LAYOUT_VERSION {
            return Err(FormatError::UnsupportedVersion(format!(
                "cookie layout {version}"
            )));
        }
        let mut bookie_id = None;
        let mut journal_dir = None;
        let mut ledger_dirs = None;
        let mut instance_id = None;
        let mut index_dirs = None;
        for (name, value) in parse_string_fields(&bytes[newline + 1..])? {
            let slot = match name.as_str() {
                "bookieHost" => &mut bookie_id,
                "journalDir" => &mut journal_dir,
                "ledgerDirs" => &mut ledger_dirs,
                "instanceId" => &mut instance_id,
                "indexDirs" => &mut index_dirs,
                _ => {
                    return Err(FormatError::bad_field(
                        "CookieFormat",
                        format!("unknown field {name:?}"),
                    ))
                }
            };
            // Text format lets a later value of a singular field replace an earlier one.
            *slot = Some(value);
        }
        let journal_dir = journal_dir.ok_or(FormatError::MissingField("journalDir"))?;
        Ok(Self {
            bookie_id: bookie_id.ok_or(FormatError::MissingField("bookieHost"))?,
            journal_dirs: journal_dir.split(',').map(str::to_owned).collect(),
            ledger_dirs: decode_dir_list(
                "ledgerDirs",
                &ledger_dirs.ok_or(FormatError::MissingField("ledgerDirs"))?,
            )?,
            instance_id,
            index_dirs: index_dirs
                .map(|dirs| decode_dir_list("indexDirs", &dirs))
                .transpose()?,
        })
    }
}

/// How a bookie's current cookie differs from the stored one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cookie field {field} does not match: stored {stored:?}, this bookie {current:?}")]
pub struct CookieMismatch {
    /// The differing field (`bookieHost`, `journalDir`, `ledgerDirs`, `instanceId`, `indexDirs`).
    pub field: &'static str,
    /// The stored value.
    pub stored: String,
    /// This bookie's value.
    pub current: String,
}

impl Cookie {
    /// Checks this bookie's cookie (`self`, built from its configuration) against a stored copy
    /// (the metadata store's or a `VERSION` file's), as the bookie does at startup (spec §5.4):
    /// bookie id, journal dirs, instance id and index dirs must be equal; ledger dirs must be
    /// equal, or, with `allow_storage_expansion`, a superset of the stored ones.
    pub fn verify(
        &self,
        stored: &Cookie,
        allow_storage_expansion: bool,
    ) -> Result<(), CookieMismatch> {
        fn mismatch(
            field: &'static str,
            stored: impl std::fmt::Debug,
            current: impl std::fmt::Debug,
        ) -> CookieMismatch {
            CookieMismatch {
                field,
                stored: format!("{stored:?}"),
                current: format!("{current:?}"),
            }
        }
        if self.bookie_id != stored.bookie_id {
            return Err(mismatch("bookieHost", &stored.bookie_id, &self.bookie_id));
        }
        if self.journal_dirs != stored.journal_dirs {
            return Err(mismatch(
                "journalDir",
                &stored.journal_dirs,
                &self.journal_dirs,
            ));
        }
        let ledger_dirs_ok = if allow_storage_expansion {
            stored
                .ledger_dirs
                .iter()
                .all(|dir| self.ledger_dirs.contains(dir))
        } else {
            self.ledger_dirs == stored.ledger_dirs
        };
        if !ledger_dirs_ok {
            return Err(mismatch(
                "ledgerDirs",
                &stored.ledger_dirs,
                &self.ledger_dirs,
            ));
        }
        if self.instance_id != stored.instance_id {
            return Err(mismatch(
                "instanceId",
                &stored.instance_id,
                &self.instance_id,
            ));
        }
        let index_dirs_ok = match (&self.index_dirs, &stored.index_dirs) {
            (Some(current), Some(stored)) if allow_storage_expansion => {
                stored.iter().all(|d| current.contains(d))
            }
            (current, stored) => current == stored,
        };
        if !index_dirs_ok {
            return Err(mismatch("indexDirs", &stored.index_dirs, &self.index_dirs));
        }
        Ok(())
    }
}

fn encode_dir_list(dirs: &[String]) -> String {
    let mut text = dirs.len().to_string();
    for dir in dirs {
        text.push('\t');
        text.push_str(dir);
    }
    text
}

fn decode_dir_list(field: &'static str, text: &str) -> Result<Vec<String>, FormatError> {
    let mut parts = text.split('\t');
    let count_text = parts.next().unwrap_or_default();
    let count: usize = count_text.parse().map_err(|_| {
        FormatError::bad_field(field, format!("count {count_text:?} is not a number"))
    })?;
    let dirs: Vec<String> = parts.map(str::to_owned).collect();
    if dirs.len() != count {
        return Err(FormatError::bad_field(
            field,
            format!("count says {count} but {} dirs follow", dirs.len()),
        ));
    }
    Ok(dirs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixture;

    fn fixture_cookie() -> Cookie {
        Cookie {
            bookie_id: "127.0.0.1:3181".into(),
            journal_dirs: vec!["/mnt/bk-fixture/journal".into()],
            ledger_dirs: vec!["/mnt/bk-fixture/ledgers".into()],
            instance_id: Some("6fcac568-044b-42da-8ba1-7e6c5a6fb19b".into()),
            index_dirs: None,
        }
    }

    #[test]
    fn fixture_cookie_decodes_and_reencodes_byte_identical() {
        let bytes = fixture("ledgers__cookies__127.0.0.1_3181.bin");
        let cookie = Cookie::decode(&bytes).unwrap();
        assert_eq!(cookie, fixture_cookie());
        assert_eq!(cookie.encode(), bytes);
    }

    #[test]
    fn several_dirs_and_index_dirs_round_trip() {
        let cookie = Cookie {
            journal_dirs: vec!["/j1".into(), "/j2".into()],
            ledger_dirs: vec!["/l1".into(), "/l 2".into()],
            index_dirs: Some(vec!["/i1".into()]),
            ..fixture_cookie()
        };
        let text = String::from_utf8(cookie.encode()).unwrap();
        assert!(text.contains("journalDir: \"/j1,/j2\"\n"), "{text}");
        assert!(text.contains("ledgerDirs: \"2\\t/l1\\t/l 2\"\n"), "{text}");
        assert!(text.ends_with("indexDirs: \"1\\t/i1\"\n"), "{text}");
        assert_eq!(Cookie::decode(text.as_bytes()).unwrap(), cookie);
    }

    #[test]
    fn verification_names_the_first_differing_field() {
        let stored = fixture_cookie();
        assert_eq!(stored.verify(&stored, false), Ok(()));
        let moved = Cookie {
            journal_dirs: vec!["/other".into()],
            ..stored.clone()
        };
        assert_eq!(
            moved.verify(&stored, false).unwrap_err().field,
            "journalDir"
        );
        let other_cluster = Cookie {
            instance_id: Some("x".into()),
            ..stored.clone()
        };
        assert_eq!(
            other_cluster.verify(&stored, false).unwrap_err().field,
            "instanceId"
        );
        let expanded = Cookie {
            ledger_dirs: vec!["/mnt/bk-fixture/ledgers".into(), "/new".into()],
            ..stored.clone()
        };
        assert_eq!(
            expanded.verify(&stored, false).unwrap_err().field,
            "ledgerDirs"
        );
        assert_eq!(expanded.verify(&stored, true), Ok(()));
        let shrunk = Cookie {
            ledger_dirs: vec!["/new".into()],
            ..stored.clone()
        };
        assert_eq!(
            shrunk.verify(&stored, true).unwrap_err().field,
            "ledgerDirs"
        );
        let renamed = Cookie {
            bookie_id: "other:1".into(),
            ..stored.clone()
        };
        assert_eq!(
            renamed.verify(&stored, true).unwrap_err().field,
            "bookieHost"
        );
    }

    #[test]
    fn bad_cookies_are_errors_not_panics() {
        let cases: [&[u8]; 6] = [
            b"",
            b"3\nbookieHost\n",
            b"5\njournalDir: \"/j\"\nledgerDirs: \"1\\t/l\"\n",
            b"5\nbookieHost: \"b\"\njournalDir: \"/j\"\nledgerDirs: \"2\\t/l\"\n",
            b"5\nbookieHost: \"b\"\nfoo: \"x\"\n",
            b"x\n",
        ];
        for bytes in cases {
            assert!(
                Cookie::decode(bytes).is_err(),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }
}
