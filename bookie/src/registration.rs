//! Cookies and registration in the metadata service (spec §5.4, §5.5).
//!
//! Owns: the startup cookie check (the cookie in the metadata store and the `VERSION` file in
//! every journal and ledger directory's `current/` must describe this bookie, these
//! directories and this cluster's instance id), and the ephemeral registration under
//! `available/` or `available/readonly/`, re-registered whenever the read-only state changes.
//!
//! The metadata client runs on its own OS thread (its futures are `Send` and executor-neutral),
//! never on a glommio core, so a slow ZooKeeper never stalls request handling.
//! Invariants:
//! - A new bookie writes its local `VERSION` files before the metadata cookie, so a crash in
//!   between leaves a state the next start completes; a metadata cookie without local files
//!   means the directories were wiped or replaced, and the start is refused.
//! - Any difference between the expected cookie and a stored one refuses the start, naming
//!   both.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use metadata::{
    AnyMetadataStore, BookieId, BookieServiceInfo, Cookie, MetadataError, MetadataStore, ZkOptions,
};

use crate::config::Config;
use crate::server::state::BookieState;

/// Name of the cookie file in each directory's `current/`.
pub const VERSION_FILE_NAME: &str = "VERSION";

/// How often the registration thread looks at the read-only state.
const STATE_POLL: Duration = Duration::from_millis(100);

/// Why the bookie could not check its cookie or register.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// The metadata service failed or refused.
    #[error("metadata service {uri}: {error}")]
    Metadata {
        /// The metadata service URI.
        uri: String,
        /// The error.
        error: MetadataError,
    },
    /// The cluster has no INSTANCEID.
    #[error("the cluster at {uri} is not initialised; run `bookie init-cluster --metadata-service-uri {uri}` first")]
    NotInitialised {
        /// The metadata service URI.
        uri: String,
    },
    /// The bookie id is not valid.
    #[error("bookie id {id:?}: {message}; set advertised_address to a valid host")]
    BadBookieId {
        /// The id.
        id: String,
        /// Why.
        message: String,
    },
    /// A stored cookie differs from what this configuration expects.
    #[error("cookie mismatch in {location}: expected {expected:?}, found {found:?}; start the bookie with the directories, id and cluster it was formatted with, or wipe the directories and delete the cookie to re-add it as a new bookie")]
    CookieMismatch {
        /// Where the stored cookie is.
        location: String,
        /// The cookie this configuration implies.
        expected: Box<Cookie>,
        /// The stored cookie.
        found: Box<Cookie>,
    },
    /// The metadata store has a cookie but a directory has none.
    #[error("{path} is missing while the cluster has a cookie for this bookie: the directory was wiped or replaced; restore it, or delete the bookie's cookie to re-add it as a new bookie")]
    MissingLocalCookie {
        /// The missing file.
        path: String,
    },
    /// A local cookie file could not be read, parsed or written.
    #[error("cookie file {path}: {message}")]
    LocalCookie {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
}

/// A connection to the metadata service, after a successful cookie check.
pub struct Registrar<M: MetadataStore + 'static = AnyMetadataStore> {
    store: M,
    uri: String,
    bookie_id: BookieId,
    info: BookieServiceInfo,
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    futures::executor::block_on(future)
}

impl Registrar<AnyMetadataStore> {
    /// Connects to `config.metadata_service_uri` (ZooKeeper, etcd when built with
    /// `metadata/etcd`, or an embedded file) and checks (or, for a new bookie,
    /// writes) the cookies. Blocking.
    pub fn connect_and_check(config: &Config) -> Result<Self, RegistrationError> {
        let uri = config.metadata_service_uri.clone();
        let store =
            block_on(AnyMetadataStore::connect(&uri, ZkOptions::default())).map_err(|error| {
                RegistrationError::Metadata {
                    uri: uri.clone(),
                    error,
                }
            })?;
        Registrar::check(store, &uri, config)
    }
}

impl<M: MetadataStore + 'static> Registrar<M> {
    /// Checks (or, for a new bookie, writes) the cookies in `store`, named `uri` in errors.
    /// Blocking.
    pub fn check(store: M, uri: &str, config: &Config) -> Result<Self, RegistrationError> {
        let uri = uri.to_owned();
        let metadata = |error| RegistrationError::Metadata {
            uri: uri.clone(),
            error,
        };
        let id = config.bookie_id();
        let bookie_id = BookieId::parse(&id).map_err(|error| RegistrationError::BadBookieId {
            id: id.clone(),
            message: error.to_string(),
        })?;
        let instance_id = match block_on(store.instance_id()) {
            Ok(instance_id) => instance_id,
            Err(MetadataError::NotFound { .. }) => {
                return Err(RegistrationError::NotInitialised { uri })
            }
            Err(error) => return Err(metadata(error)),
        };
        let expected = expected_cookie(config, &bookie_id, Some(instance_id.to_string()));
        let remote = match block_on(store.read_cookie(&bookie_id)) {
            Ok((cookie, _version)) => Some(cookie),
            Err(MetadataError::NotFound { .. }) => None,
            Err(error) => return Err(metadata(error)),
        };
        check_local_cookies(config, &expected, remote.is_some())?;
        match remote {
            Some(found) if found != expected => {
                return Err(RegistrationError::CookieMismatch {
                    location: format!("{uri} cookies/{}", bookie_id.as_str()),
                    expected: Box::new(expected),
                    found: Box::new(found),
                });
            }
            Some(_) => {}
            None => {
                block_on(store.write_cookie(&bookie_id, &expected, None)).map_err(metadata)?;
                tracing::info!(bookie_id = bookie_id.as_str(), "new bookie: cookie written");
            }
        }
        let info =
            BookieServiceInfo::bookie_rpc(config.advertised_host(), config.bookie_port, false);
        Ok(Self {
            store,
            uri,
            bookie_id,
            info,
        })
    }

    /// Registers the bookie (read-only if `state` says so) and keeps the registration in step
    /// with `state` on a dedicated thread for the life of the process.
    pub fn register_and_follow(
        self,
        state: Arc<BookieState>,
    ) -> Result<std::thread::JoinHandle<()>, RegistrationError> {
        let mut read_only = state.is_read_only();
        block_on(
            self.store
                .register_bookie(&self.bookie_id, &self.info, read_only),
        )
        .map_err(|error| RegistrationError::Metadata {
            uri: self.uri.clone(),
            error,
        })?;
        tracing::info!(bookie_id = self.bookie_id.as_str(), read_only, uri = %self.uri, "bookie registered");
        let spawned = std::thread::Builder::new()
            .name("bookie-registration".to_owned())
            .spawn(move || loop {
                std::thread::sleep(STATE_POLL);
                if state.is_stopping() {
                    match block_on(self.store.unregister_bookie(&self.bookie_id)) {
                        Ok(()) => tracing::info!(bookie_id = self.bookie_id.as_str(), "bookie unregistered"),
                        Err(error) => tracing::warn!(%error, "unregistering failed; the registration ends with the session"),
                    }
                    return;
                }
                let now = state.is_read_only();
                if now == read_only {
                    continue;
                }
                match block_on(self.store.register_bookie(&self.bookie_id, &self.info, now)) {
                    Ok(()) => {
                        tracing::warn!(
                            bookie_id = self.bookie_id.as_str(),
                            read_only = now,
                            "registration changed"
                        );
                        read_only = now;
                    }
                    Err(error) => {
                        tracing::error!(%error, read_only = now, "re-registration failed; retrying")
                    }
                }
            });
        spawned.map_err(|error| RegistrationError::LocalCookie {
            path: "registration thread".to_owned(),
            message: error.to_string(),
        })
    }
}

/// The cookie this configuration implies.
pub fn expected_cookie(
    config: &Config,
    bookie_id: &BookieId,
    instance_id: Option<String>,
) -> Cookie {
    let names = |dirs: &[PathBuf]| dirs.iter().map(|dir| dir.display().to_string()).collect();
    Cookie {
        bookie_id: bookie_id.as_str().to_owned(),
        journal_dirs: names(&config.journal_dirs),
        ledger_dirs: names(&config.ledger_dirs),
        instance_id,
        index_dirs: None,
    }
}

fn version_path(dir: &Path) -> PathBuf {
    dir.join("current").join(VERSION_FILE_NAME)
}

/// Compares every local `VERSION` with `expected`; writes the missing ones for a new bookie.
fn check_local_cookies(
    config: &Config,
    expected: &Cookie,
    remote_exists: bool,
) -> Result<(), RegistrationError> {
    for dir in config.journal_dirs.iter().chain(&config.ledger_dirs) {
        let path = version_path(dir);
        let local_error = |message: String| RegistrationError::LocalCookie {
            path: path.display().to_string(),
            message,
        };
        match std::fs::read(&path) {
            Ok(bytes) => {
                let found =
                    Cookie::decode(&bytes).map_err(|error| local_error(error.to_string()))?;
                if &found != expected {
                    return Err(RegistrationError::CookieMismatch {
                        location: path.display().to_string(),
                        expected: Box::new(expected.clone()),
                        found: Box::new(found),
                    });
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                if remote_exists {
                    return Err(RegistrationError::MissingLocalCookie {
                        path: path.display().to_string(),
                    });
                }
                std::fs::create_dir_all(dir.join("current"))
                    .map_err(|error| local_error(error.to_string()))?;
                std::fs::write(&path, expected.encode())
                    .map_err(|error| local_error(error.to_string()))?;
                let file =
                    std::fs::File::open(&path).map_err(|error| local_error(error.to_string()))?;
                file.sync_all()
                    .map_err(|error| local_error(error.to_string()))?;
            }
            Err(error) => return Err(local_error(error.to_string())),
        }
    }
    Ok(())
}

/// `bookie init-cluster`: creates the cluster's nodes.
pub fn init_cluster(uri: &str) -> Result<String, RegistrationError> {
    let metadata = |error| RegistrationError::Metadata {
        uri: uri.to_owned(),
        error,
    };
    let store = block_on(AnyMetadataStore::connect(uri, ZkOptions::default())).map_err(metadata)?;
    let instance_id = block_on(store.init_cluster()).map_err(metadata)?;
    Ok(instance_id.to_string())
}

/// `bookie format --force`: deletes every ledger, cookie and registration and initialises anew.
pub fn format_cluster(uri: &str) -> Result<String, RegistrationError> {
    let metadata = |error| RegistrationError::Metadata {
        uri: uri.to_owned(),
        error,
    };
    let store = block_on(AnyMetadataStore::connect(uri, ZkOptions::default())).map_err(metadata)?;
    let instance_id = block_on(store.format_cluster()).map_err(metadata)?;
    Ok(instance_id.to_string())
}
