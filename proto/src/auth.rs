//! The protobuf `AuthMessage {authPluginName, payload}` carried by v2 AUTH packets (running to
//! the end of the frame) and by v3 `authRequest`/`authResponse` (§1.3, §1.4).
//!
//! Invariant: both fields are required; a message missing either is an error, never a default.

use bytes::{Bytes, BytesMut};
use prost::Message;

use crate::v3::wire;

/// The plugin name a BookKeeper server with authentication disabled answers with.
pub const AUTH_DISABLED_PLUGIN_NAME: &str = "AuthDisabledPlugin";

/// An authentication exchange message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthMessage {
    /// Name of the auth plugin the payload is for.
    pub auth_plugin_name: String,
    /// Plugin-specific bytes.
    pub payload: Bytes,
}

/// Why an `AuthMessage` could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthDecodeError {
    /// Not valid protobuf.
    #[error("invalid protobuf: {0}")]
    Protobuf(#[from] prost::DecodeError),
    /// A required field is absent.
    #[error("AuthMessage is missing required field {0}")]
    MissingField(&'static str),
}

impl AuthMessage {
    /// Decodes a serialized `AuthMessage` occupying all of `bytes`.
    pub fn decode(bytes: Bytes) -> Result<Self, AuthDecodeError> {
        Self::from_wire(wire::AuthMessage::decode(bytes)?)
    }

    /// Appends the serialized message to `out`.
    pub fn encode(&self, out: &mut BytesMut) {
        let message = self.to_wire();
        out.reserve(message.encoded_len());
        message.encode_raw(out);
    }

    pub(crate) fn from_wire(message: wire::AuthMessage) -> Result<Self, AuthDecodeError> {
        Ok(Self {
            auth_plugin_name: message
                .auth_plugin_name
                .ok_or(AuthDecodeError::MissingField("authPluginName"))?,
            payload: message
                .payload
                .ok_or(AuthDecodeError::MissingField("payload"))?,
        })
    }

    pub(crate) fn to_wire(&self) -> wire::AuthMessage {
        wire::AuthMessage {
            auth_plugin_name: Some(self.auth_plugin_name.clone()),
            payload: Some(self.payload.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_message_round_trips() {
        let message = AuthMessage {
            auth_plugin_name: AUTH_DISABLED_PLUGIN_NAME.into(),
            payload: Bytes::new(),
        };
        let mut out = BytesMut::new();
        message.encode(&mut out);
        assert_eq!(AuthMessage::decode(out.freeze()), Ok(message));
    }

    #[test]
    fn auth_message_without_payload_is_rejected() {
        // Field 1 (authPluginName) = "x", no field 2.
        let bytes = Bytes::from_static(&[0x0a, 0x01, b'x']);
        assert_eq!(
            AuthMessage::decode(bytes),
            Err(AuthDecodeError::MissingField("payload"))
        );
    }

    #[test]
    fn auth_message_with_invalid_utf8_name_is_rejected() {
        let bytes = Bytes::from_static(&[0x0a, 0x01, 0xff, 0x12, 0x00]);
        assert!(matches!(
            AuthMessage::decode(bytes),
            Err(AuthDecodeError::Protobuf(_))
        ));
    }
}
