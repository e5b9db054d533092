//! Byte formats of every znode (and embedded-store value) this crate reads or writes.
//!
//! Pure: no I/O, no async. One file per record type. Every decoder takes untrusted bytes and
//! returns a [`FormatError`] instead of panicking. Every encoder produces the bytes Apache
//! BookKeeper 4.16.7 produces for the same content (checked against the fixtures in
//! `shared/fixtures/bookkeeper-4.16.7/zk/`).

pub mod cookie;
pub mod instance_id;
pub mod layout;
pub mod ledger_metadata;
pub mod ledger_path;
pub mod service_info;
mod text_format;

/// Generated prost messages for `proto/DataFormats.proto`.
#[allow(missing_docs, clippy::all)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/bookkeeper.metadata.rs"));
}

/// Why some bytes are not a valid record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The bytes do not start with the expected header or version line.
    #[error("bad header: {0}")]
    BadHeader(String),
    /// The version in the header is one this crate cannot read.
    #[error("unsupported format version {0}")]
    UnsupportedVersion(String),
    /// The protobuf body does not decode.
    #[error("protobuf: {0}")]
    Protobuf(String),
    /// A field required by the format is absent.
    #[error("required field {0} is absent")]
    MissingField(&'static str),
    /// A field is present but its value is out of range or malformed.
    #[error("field {field}: {reason}")]
    BadField {
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Text that must be UTF-8 is not.
    #[error("not UTF-8")]
    NotUtf8,
    /// Text-format syntax error.
    #[error("text format at byte {offset_bytes}: {reason}")]
    TextSyntax {
        /// Offset of the error in the text body.
        offset_bytes: usize,
        /// What was expected.
        reason: String,
    },
}

impl FormatError {
    pub(crate) fn bad_field(field: &'static str, reason: impl Into<String>) -> Self {
        Self::BadField {
            field,
            reason: reason.into(),
        }
    }
}

/// Reads one fixture znode for tests: `shared/fixtures/bookkeeper-4.16.7/zk/<name>`.
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/fixtures/bookkeeper-4.16.7/zk")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}
