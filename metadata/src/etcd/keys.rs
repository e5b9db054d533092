//! The etcd key layout of BookKeeper's etcd metadata driver (spec §5.8), as pure functions.
//!
//! Every key lives under a scope prefix (the URI path, e.g. `/ledgers`):
//!
//! | Key | Value |
//! |---|---|
//! | `<scope>` | empty; its presence marks an initialised cluster |
//! | `<scope>/layout` | `LAYOUT` text naming `EtcdLedgerManagerFactory`, version 0 |
//! | `<scope>/instanceid` | the instance id (UUID text) |
//! | `<scope>/cookies/<bookieId>` | cookie text |
//! | `<scope>/ledgers/<UUID(0, ledgerId)>` | ledger metadata, format V3 |
//! | `<scope>/buckets/<3-digit bucket>` | empty; its etcd `version` is the bucket's id counter |
//! | `<scope>/bookies/writable/<bookieId>` | `BookieServiceInfo` protobuf, bound to a lease |
//! | `<scope>/bookies/readonly/<bookieId>` | `BookieServiceInfo` protobuf, bound to a lease |
//!
//! `init_cluster` also writes empty marker keys `cookies`, `bookies`, `bookies/writable`,
//! `bookies/readonly`, `ledgers`, `buckets` and `underreplication` under the scope, as the Java
//! driver does. A "directory" `<dir>` is scanned as the range `[<dir>/, <dir>0)`: `'0'` is the
//! byte after `'/'`, so the range holds exactly the keys that start with `<dir>/`.
//!
//! Ledger ids: bucket `b` in `[0, 128)` and the bucket key's etcd version `v` give
//! `id = (b << 56) | v`; `v` is at most [`ID_IN_BUCKET_MAX`].

use types::LedgerId;

/// Factory class the etcd driver writes into `<scope>/layout`.
pub const ETCD_FACTORY_CLASS: &str = "org.apache.bookkeeper.metadata.etcd.EtcdLedgerManagerFactory";
/// Version of that factory (`EtcdLedgerManagerFactory.VERSION`).
pub const ETCD_FACTORY_VERSION: u32 = 0;
/// Number of id-generation buckets.
pub const BUCKETS: u32 = 128;
/// Bits of a ledger id below the bucket number.
pub const BUCKET_SHIFT: u32 = 56;
/// Largest id inside one bucket (the low 56 bits).
pub const ID_IN_BUCKET_MAX: i64 = (1 << BUCKET_SHIFT) - 1;

/// Why an etcd key could not be built or parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Ledger ids are non-negative.
    #[error("ledger id {0} is negative")]
    NegativeLedgerId(LedgerId),
    /// A bucket outside `[0, 128)` or a counter outside `[1, 2^56)`.
    #[error("bucket {bucket} / version {version} do not form a ledger id (bucket < 128, 0 < version < 2^56)")]
    BadBucketId {
        /// The bucket number.
        bucket: u32,
        /// The bucket key's etcd version.
        version: i64,
    },
    /// The last component of a ledger key is not `00000000-0000-0000-xxxx-xxxxxxxxxxxx`.
    #[error(
        "{0:?} is not a ledger key (expected <scope>/ledgers/00000000-0000-0000-xxxx-xxxxxxxxxxxx)"
    )]
    NotALedgerKey(String),
}

/// The keys of one scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EtcdKeys {
    scope: String,
}

impl EtcdKeys {
    /// Keys under `scope` (e.g. `/ledgers`: starts with `/`, no trailing `/`; the URI parser checks).
    pub fn new(scope: &str) -> Self {
        Self {
            scope: scope.to_owned(),
        }
    }

    /// The scope key itself (marks an initialised cluster).
    pub fn scope(&self) -> &str {
        &self.scope
    }

    fn child(&self, relative: &str) -> String {
        format!("{}/{relative}", self.scope)
    }

    /// `<scope>/layout`.
    pub fn layout(&self) -> String {
        self.child("layout")
    }

    /// `<scope>/instanceid`.
    pub fn instance_id(&self) -> String {
        self.child("instanceid")
    }

    /// `<scope>/cookies/<bookieId>`.
    pub fn cookie(&self, bookie: &str) -> String {
        self.child(&format!("cookies/{bookie}"))
    }

    /// `<scope>/ledgers/<UUID(0, ledger)>`.
    pub fn ledger(&self, ledger: LedgerId) -> Result<String, KeyError> {
        if ledger < 0 {
            return Err(KeyError::NegativeLedgerId(ledger));
        }
        Ok(self.child(&format!("ledgers/{}", ledger_uuid(ledger))))
    }

    /// The range `[begin, end)` holding every ledger key.
    pub fn ledgers_range(&self) -> (String, String) {
        self.dir_range("ledgers")
    }

    /// `<scope>/buckets/<3-digit bucket>`.
    pub fn bucket(&self, bucket: u32) -> String {
        self.child(&format!("buckets/{bucket:03}"))
    }

    /// `<scope>/bookies/writable/<id>` or `<scope>/bookies/readonly/<id>`.
    pub fn registration(&self, bookie: &str, readonly: bool) -> String {
        let mode = if readonly { "readonly" } else { "writable" };
        self.child(&format!("bookies/{mode}/{bookie}"))
    }

    /// The prefix of writable (`false`) or read-only (`true`) registrations, with its trailing `/`.
    pub fn registration_prefix(&self, readonly: bool) -> String {
        let mode = if readonly { "readonly" } else { "writable" };
        self.child(&format!("bookies/{mode}/"))
    }

    /// The range `[begin, end)` holding every registration (both modes).
    pub fn bookies_range(&self) -> (String, String) {
        self.dir_range("bookies")
    }

    /// The range `[begin, end)` of every key below the scope (not the scope key itself).
    pub fn scope_range(&self) -> (String, String) {
        (format!("{}/", self.scope), format!("{}0", self.scope))
    }

    /// The empty marker keys `init_cluster` writes besides the scope, layout and instance id.
    pub fn marker_keys(&self) -> Vec<String> {
        [
            "cookies",
            "bookies",
            "bookies/writable",
            "bookies/readonly",
            "ledgers",
            "buckets",
            "underreplication",
        ]
        .iter()
        .map(|dir| self.child(dir))
        .collect()
    }

    fn dir_range(&self, dir: &str) -> (String, String) {
        (
            self.child(&format!("{dir}/")),
            self.child(&format!("{dir}0")),
        )
    }
}

/// Java's `new UUID(0, ledger).toString()`: `00000000-0000-0000-xxxx-xxxxxxxxxxxx`, lower-case
/// hex of the 64-bit id.
pub fn ledger_uuid(ledger: LedgerId) -> String {
    let bits = ledger as u64;
    format!(
        "00000000-0000-0000-{:04x}-{:012x}",
        bits >> 48,
        bits & 0xffff_ffff_ffff
    )
}

/// The ledger id in a ledger key (the UUID after the last `/`, most significant half zero).
pub fn parse_ledger_key(key: &str) -> Result<LedgerId, KeyError> {
    let bad = || KeyError::NotALedgerKey(key.to_owned());
    let uuid = key.rsplit('/').next().unwrap_or(key);
    let low = uuid.strip_prefix("00000000-0000-0000-").ok_or_else(bad)?;
    let (high, rest) = low.split_once('-').ok_or_else(bad)?;
    let hex = |s: &str, len: usize| {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(s, 16).ok())
            .flatten()
            .ok_or_else(bad)
    };
    let bits = (hex(high, 4)? << 48) | hex(rest, 12)?;
    LedgerId::try_from(bits).map_err(|_| bad())
}

/// `(bucket << 56) | version`, the id the bucket generator hands out.
pub fn compose_ledger_id(bucket: u32, version: i64) -> Result<LedgerId, KeyError> {
    if bucket >= BUCKETS || version <= 0 || version > ID_IN_BUCKET_MAX {
        return Err(KeyError::BadBucketId { bucket, version });
    }
    Ok((i64::from(bucket) << BUCKET_SHIFT) | version)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ledger_keys_are_java_uuid_strings_of_msb_zero() {
        let keys = EtcdKeys::new("/ledgers");
        // Java: new UUID(0L, 1L).toString()
        assert_eq!(
            keys.ledger(1).unwrap(),
            "/ledgers/ledgers/00000000-0000-0000-0000-000000000001"
        );
        assert_eq!(
            ledger_uuid(0x0123_4567_89ab_cdef),
            "00000000-0000-0000-0123-456789abcdef"
        );
        assert_eq!(
            ledger_uuid(i64::MAX),
            "00000000-0000-0000-7fff-ffffffffffff"
        );
        assert_eq!(keys.ledger(-1), Err(KeyError::NegativeLedgerId(-1)));
        for id in [0, 1, 9_999, (1 << 31) + 5, (127 << 56) | 42, i64::MAX] {
            assert_eq!(parse_ledger_key(&keys.ledger(id).unwrap()).unwrap(), id);
        }
    }

    #[test]
    fn ledger_key_order_is_ledger_id_order() {
        let keys = EtcdKeys::new("/s");
        let ids = [0, 5, 15, 16, 255, 1 << 32, (1 << 48) - 1, 1 << 48, i64::MAX];
        let mut sorted: Vec<String> = ids.iter().map(|id| keys.ledger(*id).unwrap()).collect();
        sorted.sort();
        let parsed: Vec<LedgerId> = sorted
            .iter()
            .map(|k| parse_ledger_key(k).unwrap())
            .collect();
        assert_eq!(parsed, ids);
        let (begin, end) = keys.ledgers_range();
        assert!(sorted.iter().all(|k| begin <= *k && *k < end));
    }

    #[test]
    fn foreign_ledger_keys_are_rejected() {
        for key in [
            "/s/ledgers/00000000-0000-0001-0000-000000000001",
            "/s/ledgers/00000000-0000-0000-0000-00000000001",
            "/s/ledgers/00000000-0000-0000-000g-000000000001",
            "/s/ledgers/00000000-0000-0000-8000-000000000000",
            "/s/ledgers/L0001",
            "",
        ] {
            assert!(parse_ledger_key(key).is_err(), "{key}");
        }
    }

    #[test]
    fn bucket_ids_put_the_bucket_in_the_top_byte() {
        assert_eq!(compose_ledger_id(0, 1).unwrap(), 1);
        assert_eq!(compose_ledger_id(1, 1).unwrap(), (1 << 56) | 1);
        assert_eq!(compose_ledger_id(127, ID_IN_BUCKET_MAX).unwrap(), i64::MAX);
        assert!(compose_ledger_id(128, 1).is_err());
        assert!(compose_ledger_id(3, 0).is_err());
        assert!(compose_ledger_id(3, ID_IN_BUCKET_MAX + 1).is_err());
        let keys = EtcdKeys::new("/ledgers");
        assert_eq!(keys.bucket(7), "/ledgers/buckets/007");
        assert_eq!(keys.bucket(127), "/ledgers/buckets/127");
    }

    #[test]
    fn directory_ranges_end_at_the_zero_suffix() {
        let keys = EtcdKeys::new("/ledgers");
        assert_eq!(
            keys.bookies_range(),
            (
                "/ledgers/bookies/".to_owned(),
                "/ledgers/bookies0".to_owned()
            )
        );
        assert_eq!(
            keys.scope_range(),
            ("/ledgers/".to_owned(), "/ledgers0".to_owned())
        );
        assert_eq!(
            keys.registration("127.0.0.1:3181", true),
            "/ledgers/bookies/readonly/127.0.0.1:3181"
        );
        assert!(keys
            .registration("b:1", false)
            .starts_with(&keys.registration_prefix(false)));
        assert_eq!(keys.cookie("b:1"), "/ledgers/cookies/b:1");
        assert_eq!(keys.layout(), "/ledgers/layout");
        assert_eq!(keys.instance_id(), "/ledgers/instanceid");
        // The marker keys fall outside the ranges scanned for registrations and ledgers.
        let (ledgers_begin, ledgers_end) = keys.ledgers_range();
        for marker in keys.marker_keys() {
            assert!(
                !marker.starts_with(&keys.registration_prefix(false)),
                "{marker}"
            );
            assert!(
                !marker.starts_with(&keys.registration_prefix(true)),
                "{marker}"
            );
            assert!(
                !(ledgers_begin <= marker && marker < ledgers_end),
                "{marker}"
            );
        }
    }
}
