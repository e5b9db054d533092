//! Why a v3 frame could not be decoded.

use super::wire::OperationType;
use crate::auth::AuthDecodeError;

/// A v3 request or response payload that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum V3DecodeError {
    /// Not valid protobuf (truncated, bad varint, a length past the end of the frame, ...).
    #[error("invalid protobuf: {0}")]
    Protobuf(#[from] prost::DecodeError),
    /// A `required` field (or the inner message the operation needs) is absent.
    #[error("missing required field {0}")]
    MissingField(&'static str),
    /// An enum field carries a number the protocol does not define.
    #[error("unknown value {value} for enum field {field}")]
    UnknownEnumValue {
        /// Field name, `Message.field`.
        field: &'static str,
        /// The number on the wire.
        value: i32,
    },
    /// The header's operation is not a known `OperationType`; the server answers EBADREQ.
    #[error("unknown v3 operation {operation} (txn {txn_id})")]
    UnknownOperation {
        /// Transaction id to answer with.
        txn_id: u64,
        /// The number on the wire.
        operation: i32,
    },
    /// A known operation a bookie does not serve over v3 (RANGE_READ_ENTRY, RANGE_ADD_ENTRY,
    /// BATCH_READ_ENTRY); the server answers EBADREQ.
    #[error("v3 operation {operation:?} is not supported (txn {txn_id})")]
    UnsupportedOperation {
        /// Transaction id to answer with.
        txn_id: u64,
        /// The operation.
        operation: OperationType,
    },
    /// More `requestContext` pairs than [`super::REQUEST_CONTEXT_PAIRS_MAX`]; rejected before
    /// decoding so a hostile frame cannot amplify into a large allocation.
    #[error("{context_pairs} request context pairs, more than the maximum {context_pairs_max}")]
    TooManyContextPairs {
        /// Pairs in the frame.
        context_pairs: usize,
        /// The bound.
        context_pairs_max: usize,
    },
    /// A required field inside an `AuthMessage` is absent.
    #[error("bad AuthMessage: {0}")]
    Auth(AuthDecodeError),
}

impl V3DecodeError {
    /// The transaction id and raw operation of a well-formed header whose operation cannot be
    /// served, so the server can still answer EBADREQ; `None` for malformed messages.
    pub fn unanswered_operation(&self) -> Option<(u64, i32)> {
        match self {
            Self::UnknownOperation { txn_id, operation } => Some((*txn_id, *operation)),
            Self::UnsupportedOperation { txn_id, operation } => Some((*txn_id, *operation as i32)),
            _ => None,
        }
    }
}

impl From<AuthDecodeError> for V3DecodeError {
    fn from(error: AuthDecodeError) -> Self {
        match error {
            AuthDecodeError::Protobuf(error) => Self::Protobuf(error),
            missing @ AuthDecodeError::MissingField(_) => Self::Auth(missing),
        }
    }
}

/// Unwraps a `required` field.
pub(crate) fn required<T>(value: Option<T>, field: &'static str) -> Result<T, V3DecodeError> {
    value.ok_or(V3DecodeError::MissingField(field))
}

/// Converts an enum number into a generated enum, naming the field if the number is unknown.
pub(crate) fn known_enum<E: TryFrom<i32>>(
    value: i32,
    field: &'static str,
) -> Result<E, V3DecodeError> {
    E::try_from(value).map_err(|_| V3DecodeError::UnknownEnumValue { field, value })
}

/// Converts an optional enum number, keeping absence.
pub(crate) fn optional_enum<E: TryFrom<i32>>(
    value: Option<i32>,
    field: &'static str,
) -> Result<Option<E>, V3DecodeError> {
    value.map(|value| known_enum(value, field)).transpose()
}

/// Converts a required `StatusCode` field.
pub(crate) fn required_status(
    value: Option<i32>,
    field: &'static str,
) -> Result<crate::StatusCode, V3DecodeError> {
    let value = required(value, field)?;
    crate::StatusCode::from_v3_value(value).ok_or(V3DecodeError::UnknownEnumValue { field, value })
}
