//! Parsing `metadataServiceUri` (spec §5.7).
//!
//! Accepted forms:
//! - `zk://host:port[;host:port...]/ledgers` and `zk+<manager>://...` with manager
//!   `hierarchical`, `longhierarchical` or `null` (`null`: take the manager from `LAYOUT`;
//!   this crate always uses the hybrid hierarchical paths, which read both forms).
//!   `flat` (removed in BookKeeper 4.7) is rejected.
//! - `embedded:///absolute/path/to/file.redb`: the embedded single-file store.
//! - `etcd://host:port[;host:port...]/scope` (BookKeeper's etcd driver, spec §5.8; port 2379 by
//!   default): accepted only when the crate is built with the `etcd` feature, otherwise rejected
//!   with an error that says how to rebuild.
//!
//! Every error names the part of the URI that is wrong.

use std::path::PathBuf;

/// Default ZooKeeper client port when a host has none.
pub const ZOOKEEPER_PORT_DEFAULT: u16 = 2181;
/// Default etcd client port when a host has none.
pub const ETCD_PORT_DEFAULT: u16 = 2379;
/// Why an `etcd://` URI is rejected by a build without the `etcd` feature.
pub const ETCD_NOT_BUILT: &str =
    "built without the etcd feature; rebuild with --features metadata/etcd";

/// Which ledger manager (path scheme) a `zk+<manager>` URI asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerManagerKind {
    /// `zk://` or `zk+hierarchical://`.
    Hierarchical,
    /// `zk+longhierarchical://`.
    LongHierarchical,
    /// `zk+null://`: whatever `LAYOUT` says.
    FromLayout,
}

/// A parsed metadata service URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetadataServiceUri {
    /// A ZooKeeper ensemble.
    ZooKeeper {
        /// `(host, port)` of every server, in URI order.
        servers: Vec<(String, u16)>,
        /// The ledgers root path, e.g. `/ledgers`: starts with `/`, no trailing `/`.
        root: String,
        /// The requested ledger manager.
        manager: LedgerManagerKind,
    },
    /// The embedded store in one file.
    Embedded {
        /// Path of the redb file.
        path: PathBuf,
    },
    /// An etcd cluster (only produced when built with the `etcd` feature).
    Etcd {
        /// `(host, port)` of every endpoint, in URI order.
        servers: Vec<(String, u16)>,
        /// The key prefix, e.g. `/ledgers`: starts with `/`, no trailing `/`.
        scope: String,
    },
}

/// Why a metadata service URI was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad {part} in metadata service URI {uri:?}: {reason}")]
pub struct UriError {
    /// The whole URI.
    pub uri: String,
    /// Which part is wrong (`scheme`, `server list`, `host`, `port`, `root path`, `file path`).
    pub part: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl MetadataServiceUri {
    /// Parses a URI.
    pub fn parse(uri: &str) -> Result<Self, UriError> {
        let error = |part: &'static str, reason: String| UriError {
            uri: uri.to_owned(),
            part,
            reason,
        };
        let (scheme, rest) = uri
            .split_once("://")
            .ok_or_else(|| error("scheme", "expected <scheme>://".into()))?;
        match scheme {
            "embedded" => {
                if !rest.starts_with('/') {
                    return Err(error(
                        "file path",
                        "must be absolute (embedded:///path/to/file)".into(),
                    ));
                }
                Ok(Self::Embedded {
                    path: PathBuf::from(rest),
                })
            }
            "etcd" | "etcd+http" => {
                if !cfg!(feature = "etcd") {
                    return Err(error("scheme", ETCD_NOT_BUILT.into()));
                }
                let (servers, scope) = parse_servers_and_root(rest, ETCD_PORT_DEFAULT)
                    .map_err(|(part, reason)| error(part, reason))?;
                Ok(Self::Etcd { servers, scope })
            }
            _ => {
                let manager = match scheme {
                    "zk" | "zk+hierarchical" => LedgerManagerKind::Hierarchical,
                    "zk+longhierarchical" => LedgerManagerKind::LongHierarchical,
                    "zk+null" => LedgerManagerKind::FromLayout,
                    "zk+flat" => return Err(error("scheme", "the flat ledger manager is not supported".into())),
                    other => {
                        return Err(error(
                            "scheme",
                            format!("{other:?} is not zk, zk+hierarchical, zk+longhierarchical, zk+null, etcd or embedded"),
                        ))
                    }
                };
                let (servers, root) = parse_servers_and_root(rest, ZOOKEEPER_PORT_DEFAULT)
                    .map_err(|(part, reason)| error(part, reason))?;
                Ok(Self::ZooKeeper {
                    servers,
                    root,
                    manager,
                })
            }
        }
    }
}

type PartError = (&'static str, String);

/// Splits `host:port[;host:port...]/root/path` into servers and the root path.
fn parse_servers_and_root(
    rest: &str,
    default_port: u16,
) -> Result<(Vec<(String, u16)>, String), PartError> {
    let (server_list, root) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, ""),
    };
    if server_list.is_empty() {
        return Err(("server list", "empty".into()));
    }
    let mut servers = Vec::new();
    for server in server_list.split([';', ',']) {
        servers.push(parse_server(server, default_port)?);
    }
    let root = match root {
        "" | "/" => return Err(("root path", "missing, e.g. /ledgers".into())),
        root if root.ends_with('/') => return Err(("root path", "ends with '/'".into())),
        root if root.split('/').skip(1).any(str::is_empty) => {
            return Err(("root path", "has an empty component".into()))
        }
        root => root.to_owned(),
    };
    Ok((servers, root))
}

/// Formats servers as a ZooKeeper connect string (`h1:p1,h2:p2`).
pub fn connect_string(servers: &[(String, u16)]) -> String {
    servers
        .iter()
        .map(|(h, p)| format!("{h}:{p}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn parse_server(server: &str, default_port: u16) -> Result<(String, u16), PartError> {
    if server.is_empty() {
        return Err(("server list", "empty server between separators".into()));
    }
    let (host, port) = match server.rsplit_once(':') {
        Some((host, port)) => {
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or_else(|| {
                    (
                        "port",
                        format!("{port:?} in {server:?} is not a port number"),
                    )
                })?;
            (host, port)
        }
        None => (server, default_port),
    };
    if host.is_empty()
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err((
            "host",
            format!("{host:?} is not a host name or IPv4 address"),
        ));
    }
    Ok((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookkeeper_forms_parse() {
        let uri = MetadataServiceUri::parse("zk+hierarchical://127.0.0.1:2181;host2:2182/ledgers")
            .unwrap();
        assert_eq!(
            uri,
            MetadataServiceUri::ZooKeeper {
                servers: vec![("127.0.0.1".into(), 2181), ("host2".into(), 2182)],
                root: "/ledgers".into(),
                manager: LedgerManagerKind::Hierarchical,
            }
        );
        let MetadataServiceUri::ZooKeeper {
            servers,
            root,
            manager,
        } = MetadataServiceUri::parse("zk+null://zk1/a/b").unwrap()
        else {
            panic!("not zk")
        };
        assert_eq!(connect_string(&servers), "zk1:2181");
        assert_eq!(root, "/a/b");
        assert_eq!(manager, LedgerManagerKind::FromLayout);
        assert_eq!(
            MetadataServiceUri::parse("embedded:///var/lib/bk/metadata.redb").unwrap(),
            MetadataServiceUri::Embedded {
                path: "/var/lib/bk/metadata.redb".into()
            }
        );
    }

    #[test]
    fn errors_name_the_bad_part() {
        let cases = [
            ("127.0.0.1:2181/ledgers", "scheme"),
            ("http://h/ledgers", "scheme"),
            ("zk+flat://h/ledgers", "scheme"),
            ("zk:///ledgers", "server list"),
            ("zk://h:1;;h:2/ledgers", "server list"),
            ("zk://h:99999/ledgers", "port"),
            ("zk://h:x/ledgers", "port"),
            ("zk://h@x:1/ledgers", "host"),
            ("zk://h:1", "root path"),
            ("zk://h:1/ledgers/", "root path"),
            ("zk://h:1/a//b", "root path"),
            ("embedded://relative.redb", "file path"),
        ];
        #[cfg(feature = "etcd")]
        let cases = [
            &cases[..],
            &[
                ("etcd://h:2379", "root path"),
                ("etcd:///ledgers", "server list"),
                ("etcd://h:0/ledgers", "port"),
            ],
        ]
        .concat();
        for (uri, part) in cases {
            let error = MetadataServiceUri::parse(uri).unwrap_err();
            assert_eq!(error.part, part, "{uri}: {error}");
            assert!(error.to_string().contains(part));
        }
    }

    #[cfg(feature = "etcd")]
    #[test]
    fn etcd_uris_parse_like_bookkeepers() {
        assert_eq!(
            MetadataServiceUri::parse("etcd://127.0.0.1:2379/ledgers").unwrap(),
            MetadataServiceUri::Etcd {
                servers: vec![("127.0.0.1".into(), 2379)],
                scope: "/ledgers".into(),
            }
        );
        assert_eq!(
            MetadataServiceUri::parse("etcd://e1;e2:2390/a/b").unwrap(),
            MetadataServiceUri::Etcd {
                servers: vec![("e1".into(), ETCD_PORT_DEFAULT), ("e2".into(), 2390)],
                scope: "/a/b".into(),
            }
        );
    }

    #[cfg(not(feature = "etcd"))]
    #[test]
    fn etcd_uris_without_the_feature_say_how_to_rebuild() {
        let error = MetadataServiceUri::parse("etcd://127.0.0.1:2379/ledgers").unwrap_err();
        assert_eq!(error.part, "scheme");
        assert!(
            error.to_string().contains("--features metadata/etcd"),
            "{error}"
        );
    }
}
