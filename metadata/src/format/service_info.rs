//! Registration znode data (spec §5.5): binary protobuf `BookieServiceInfoFormat`.
//!
//! Written to `/ledgers/available[/readonly]/<bookieId>`. Clients resolve a bookie id to an
//! address through the endpoint whose protocol is `bookie-rpc`; a bookie whose id is not
//! `host:port` must publish one (spec §10 point 15).
//! Fields are written in field-number order; properties sorted by key (Java's order is that of a
//! hash map, so only the empty-properties case is byte-checked against the fixture).

use std::collections::BTreeMap;

use prost::Message;

use super::pb::{bookie_service_info_format as bsif, BookieServiceInfoFormat};
use super::FormatError;

/// Endpoint id the bookie publishes for its BookKeeper RPC port.
pub const BOOKIE_ENDPOINT_ID: &str = "bookie";
/// Protocol name of the BookKeeper RPC endpoint.
pub const BOOKIE_RPC_PROTOCOL: &str = "bookie-rpc";

/// One published endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Endpoint id (`bookie`, `httpserver`).
    pub id: String,
    /// TCP port.
    pub port: u16,
    /// Host name or address.
    pub host: String,
    /// Protocol (`bookie-rpc`, `http`).
    pub protocol: String,
    /// Authentication methods.
    pub auth: Vec<String>,
    /// Extensions, e.g. `tls`.
    pub extensions: Vec<String>,
}

/// What a bookie publishes about itself while registered.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BookieServiceInfo {
    /// Published endpoints.
    pub endpoints: Vec<Endpoint>,
    /// Free-form properties.
    pub properties: BTreeMap<String, String>,
}

impl BookieServiceInfo {
    /// The info a bookie publishes for its RPC port: one `bookie`/`bookie-rpc` endpoint,
    /// with extension `tls` when TLS is on.
    pub fn bookie_rpc(host: &str, port: u16, tls: bool) -> Self {
        Self {
            endpoints: vec![Endpoint {
                id: BOOKIE_ENDPOINT_ID.into(),
                port,
                host: host.into(),
                protocol: BOOKIE_RPC_PROTOCOL.into(),
                auth: vec![],
                extensions: if tls { vec!["tls".into()] } else { vec![] },
            }],
            properties: BTreeMap::new(),
        }
    }

    /// The `bookie-rpc` endpoint as `(host, port)`, if published.
    pub fn rpc_address(&self) -> Option<(&str, u16)> {
        self.endpoints
            .iter()
            .find(|e| e.protocol == BOOKIE_RPC_PROTOCOL)
            .map(|e| (e.host.as_str(), e.port))
    }

    /// Encodes as binary protobuf.
    pub fn encode(&self) -> Vec<u8> {
        BookieServiceInfoFormat {
            endpoints: self
                .endpoints
                .iter()
                .map(|e| bsif::Endpoint {
                    id: Some(e.id.clone()),
                    port: Some(i32::from(e.port)),
                    host: Some(e.host.clone()),
                    protocol: Some(e.protocol.clone()),
                    auth: e.auth.clone(),
                    extensions: e.extensions.clone(),
                })
                .collect(),
            properties: self.properties.clone(),
        }
        .encode_to_vec()
    }

    /// Decodes binary protobuf. Empty bytes decode to no endpoints (old bookies wrote nothing).
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        let message = BookieServiceInfoFormat::decode(bytes)
            .map_err(|e| FormatError::Protobuf(e.to_string()))?;
        Ok(Self {
            endpoints: message
                .endpoints
                .into_iter()
                .map(|e| {
                    let port = e.port.ok_or(FormatError::MissingField("Endpoint.port"))?;
                    Ok(Endpoint {
                        id: e.id.ok_or(FormatError::MissingField("Endpoint.id"))?,
                        port: u16::try_from(port).map_err(|_| {
                            FormatError::bad_field(
                                "Endpoint.port",
                                format!("{port} is not a TCP port"),
                            )
                        })?,
                        host: e.host.ok_or(FormatError::MissingField("Endpoint.host"))?,
                        protocol: e
                            .protocol
                            .ok_or(FormatError::MissingField("Endpoint.protocol"))?,
                        auth: e.auth,
                        extensions: e.extensions,
                    })
                })
                .collect::<Result<_, FormatError>>()?,
            properties: message.properties,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::fixture;

    #[test]
    fn fixture_registration_decodes_and_reencodes_byte_identical() {
        let bytes = fixture("ledgers__available__127.0.0.1_3181.bin");
        let info = BookieServiceInfo::decode(&bytes).unwrap();
        assert_eq!(
            info,
            BookieServiceInfo::bookie_rpc("127.0.0.1", 3181, false)
        );
        assert_eq!(info.rpc_address(), Some(("127.0.0.1", 3181)));
        assert_eq!(info.encode(), bytes);
    }

    #[test]
    fn properties_and_extensions_round_trip() {
        let mut info = BookieServiceInfo::bookie_rpc("h", 1, true);
        info.properties.insert("rack".into(), "/r1".into());
        info.properties.insert("az".into(), "a".into());
        assert_eq!(BookieServiceInfo::decode(&info.encode()).unwrap(), info);
    }

    #[test]
    fn bad_registrations_are_errors() {
        let good = fixture("ledgers__available__127.0.0.1_3181.bin");
        assert!(BookieServiceInfo::decode(&good[..good.len() - 1]).is_err());
        // An endpoint whose port does not fit a TCP port.
        let bad = BookieServiceInfoFormat {
            endpoints: vec![bsif::Endpoint {
                id: Some("bookie".into()),
                port: Some(70000),
                host: Some("h".into()),
                protocol: Some("bookie-rpc".into()),
                auth: vec![],
                extensions: vec![],
            }],
            properties: BTreeMap::new(),
        };
        assert!(BookieServiceInfo::decode(&bad.encode_to_vec()).is_err());
        assert_eq!(
            BookieServiceInfo::decode(b"").unwrap(),
            BookieServiceInfo::default()
        );
    }
}
