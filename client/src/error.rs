//! [`ClientError`]: every way a client call can fail, typed so callers can react (a fenced
//! writer stops writing; a missing ledger is not retried).

use metadata::{BookieId, MetadataError};
use proto::StatusCode;
use types::{EntryId, LedgerId};

/// Result of a client call.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Why a client call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The metadata store failed or refused.
    #[error("metadata store: {0}")]
    Metadata(String),
    /// No ledger with this id exists in the metadata.
    #[error("ledger {0} does not exist")]
    NoSuchLedger(LedgerId),
    /// Another client fenced the ledger (it opened it with recovery); this writer must stop.
    #[error("ledger {0} is fenced: another client recovered it")]
    Fenced(LedgerId),
    /// The ledger is closed (or being closed); no more adds.
    #[error("ledger {0} is closed")]
    LedgerClosed(LedgerId),
    /// The master key sent does not match the ledger's (wrong password).
    #[error("ledger {0}: unauthorized (wrong password)")]
    Unauthorized(LedgerId),
    /// Not enough bookies are available to form or repair an ensemble.
    #[error("not enough bookies: {0}")]
    NotEnoughBookies(String),
    /// The arguments are invalid (quorum sizes, an entry range, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Reading past the last add confirmed (or past the end of a closed ledger).
    #[error("ledger {ledger_id}: entry {entry_id} is beyond the readable end {last_readable}")]
    ReadBeyondEnd {
        /// The ledger.
        ledger_id: LedgerId,
        /// The requested entry.
        entry_id: EntryId,
        /// The highest readable entry.
        last_readable: EntryId,
    },
    /// No replica returned the entry.
    #[error(
        "ledger {ledger_id} entry {entry_id}: no replica could serve it (last error: {last_error})"
    )]
    EntryUnavailable {
        /// The ledger.
        ledger_id: LedgerId,
        /// The entry.
        entry_id: EntryId,
        /// The last replica's error.
        last_error: String,
    },
    /// A bookie answered with an error status.
    #[error("bookie {bookie}: {status:?}")]
    Bookie {
        /// The bookie.
        bookie: BookieId,
        /// Its answer.
        status: StatusCode,
    },
    /// A connection to a bookie failed or was lost.
    #[error("bookie {bookie}: connection: {reason}")]
    Connection {
        /// The bookie.
        bookie: BookieId,
        /// What happened.
        reason: String,
    },
    /// A bookie did not answer in time.
    #[error("bookie {bookie}: no answer within {timeout_ms} ms")]
    Timeout {
        /// The bookie.
        bookie: BookieId,
        /// The timeout.
        timeout_ms: u64,
    },
    /// An entry's digest or ids did not verify.
    #[error("bookie {bookie}: corrupt entry: {reason}")]
    Corrupt {
        /// The bookie that served it.
        bookie: BookieId,
        /// What did not verify.
        reason: String,
    },
    /// The operation is not available over the chosen protocol version.
    #[error("{0} needs protocol v3")]
    NeedsV3(&'static str),
    /// The client has been shut down.
    #[error("the client is shut down")]
    Shutdown,
}

impl From<MetadataError> for ClientError {
    fn from(error: MetadataError) -> Self {
        Self::Metadata(error.to_string())
    }
}
