//! Result codes shared by both protocol versions, with their v2 (`i32 rc`) and v3
//! (`StatusCode`) numbers (§1.3 table).
//!
//! Invariant: the mapping is a bijection between the eleven codes and each protocol's numbers;
//! an unknown number maps to `None`, never to a guess.

/// Outcome of a request, independent of the protocol version that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusCode {
    /// `EOK`: success.
    Ok,
    /// `ENOLEDGER`: the ledger is unknown on this bookie.
    NoLedger,
    /// `ENOENTRY`: the entry is not stored here.
    NoEntry,
    /// `EBADREQ`: malformed or unsupported request.
    BadRequest,
    /// `EIO`: storage I/O error.
    IoError,
    /// `EUA`: unauthorized (master key mismatch, not authenticated).
    Unauthorized,
    /// `EBADVERSION`: protocol version mismatch.
    BadVersion,
    /// `EFENCED`: non-recovery add to a fenced ledger.
    Fenced,
    /// `EREADONLY`: write to a read-only bookie.
    ReadOnly,
    /// `ETOOMANYREQUESTS`: rejected by an overloaded queue.
    TooManyRequests,
    /// `EUNKNOWNLEDGERSTATE`: ledger in limbo.
    UnknownLedgerState,
}

/// Every code, in table order (useful for exhaustive tests).
pub const STATUS_CODES_ALL: [StatusCode; 11] = [
    StatusCode::Ok,
    StatusCode::NoLedger,
    StatusCode::NoEntry,
    StatusCode::BadRequest,
    StatusCode::IoError,
    StatusCode::Unauthorized,
    StatusCode::BadVersion,
    StatusCode::Fenced,
    StatusCode::ReadOnly,
    StatusCode::TooManyRequests,
    StatusCode::UnknownLedgerState,
];

impl StatusCode {
    /// The v2 `rc` value.
    pub const fn v2_rc(self) -> i32 {
        match self {
            Self::Ok => 0,
            Self::NoLedger => 1,
            Self::NoEntry => 2,
            Self::BadRequest => 100,
            Self::IoError => 101,
            Self::Unauthorized => 102,
            Self::BadVersion => 103,
            Self::Fenced => 104,
            Self::ReadOnly => 105,
            Self::TooManyRequests => 106,
            Self::UnknownLedgerState => 107,
        }
    }

    /// The v3 `StatusCode` enum value.
    pub const fn v3_value(self) -> i32 {
        match self {
            Self::Ok => 0,
            Self::NoLedger => 402,
            Self::NoEntry => 403,
            Self::BadRequest => 404,
            Self::IoError => 501,
            Self::Unauthorized => 502,
            Self::BadVersion => 503,
            Self::Fenced => 504,
            Self::ReadOnly => 505,
            Self::TooManyRequests => 506,
            Self::UnknownLedgerState => 507,
        }
    }

    /// The code for a v2 `rc`, or `None` if the number is not a known code.
    pub fn from_v2_rc(rc: i32) -> Option<Self> {
        STATUS_CODES_ALL.into_iter().find(|code| code.v2_rc() == rc)
    }

    /// The code for a v3 `StatusCode` value, or `None` if the number is not a known code.
    pub fn from_v3_value(value: i32) -> Option<Self> {
        STATUS_CODES_ALL
            .into_iter()
            .find(|code| code.v3_value() == value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_both_protocols() {
        for code in STATUS_CODES_ALL {
            assert_eq!(StatusCode::from_v2_rc(code.v2_rc()), Some(code));
            assert_eq!(StatusCode::from_v3_value(code.v3_value()), Some(code));
        }
    }

    #[test]
    fn table_values_match_the_spec() {
        assert_eq!(StatusCode::Fenced.v2_rc(), 104);
        assert_eq!(StatusCode::Fenced.v3_value(), 504);
        assert_eq!(StatusCode::NoEntry.v3_value(), 403);
        assert_eq!(StatusCode::UnknownLedgerState.v2_rc(), 107);
    }

    #[test]
    fn unknown_numbers_map_to_none() {
        assert_eq!(StatusCode::from_v2_rc(3), None);
        assert_eq!(StatusCode::from_v2_rc(-1), None);
        assert_eq!(StatusCode::from_v3_value(1), None);
        assert_eq!(StatusCode::from_v3_value(400), None);
    }
}
