//! The typed error of every [`crate::MetadataStore`] operation.

use crate::format::FormatError;
use crate::uri::UriError;

/// Result of a metadata operation.
pub type Result<T, E = MetadataError> = std::result::Result<T, E>;

/// Why a metadata operation failed. Callers branch on the first five; the rest are reported.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// The node (cookie, ledger, registration, cluster root) does not exist.
    #[error("{path}: not found")]
    NotFound {
        /// Path of the missing node.
        path: String,
    },
    /// A compare-and-set found another version: someone else wrote first.
    #[error("{path}: version conflict")]
    BadVersion {
        /// Path of the node.
        path: String,
    },
    /// A create found the node already there.
    #[error("{path}: already exists")]
    Exists {
        /// Path of the node.
        path: String,
    },
    /// A delete found children under the node.
    #[error("{path}: has children")]
    NotEmpty {
        /// Path of the node.
        path: String,
    },
    /// The session ended; ephemeral registrations are gone until re-registered.
    #[error("metadata session expired")]
    SessionExpired,
    /// The metadata service cannot be reached (connection loss, request timeout, closed client).
    #[error("metadata service connection: {0}")]
    Connection(String),
    /// Bytes stored at `path` do not decode.
    #[error("{path}: corrupt: {reason}")]
    Corrupt {
        /// Path of the node.
        path: String,
        /// Why the bytes were rejected.
        reason: FormatError,
    },
    /// A bounded wait ran out.
    #[error("timed out after {waited_ms} ms waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long.
        waited_ms: u64,
    },
    /// The metadata service URI is malformed.
    #[error(transparent)]
    Uri(#[from] UriError),
    /// The caller passed something the store cannot write (e.g. metadata breaking quorum rules).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The operation is not implemented by this backend or for these arguments.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Any other failure of the backend (e.g. an I/O error of the embedded store's file).
    #[error("metadata backend: {0}")]
    Backend(String),
}

impl MetadataError {
    pub(crate) fn corrupt(path: &str, reason: FormatError) -> Self {
        Self::Corrupt {
            path: path.to_owned(),
            reason,
        }
    }
}
