//! [`BookKeeper`]: the client's entry point: create, open and delete ledgers.

use std::sync::Arc;

use bytes::Bytes;
use metadata::{AnyMetadataStore, LedgerMetadata, LedgerState, MetadataStore, Segment, ZkOptions};
use proto::DigestType;
use types::LedgerId;

use crate::config::ClientConfig;
use crate::context::{is_not_found, ClientContext};
use crate::digest::{from_metadata, to_metadata, LedgerKeys};
use crate::error::{ClientError, Result};
use crate::handle::{LedgerHandle, ReadHandle};
use crate::pool::BookiePool;
use crate::recovery::recover;
use crate::wire::{BookieOp, BookieReply};
use crate::writer::spawn_writer;

/// How a new ledger is made (BookKeeper's `CreateBuilder`).
#[derive(Debug, Clone)]
pub struct CreateOptions {
    /// E: ensemble size (default 3).
    pub ensemble_size: usize,
    /// Qw: write quorum (default 2).
    pub write_quorum: usize,
    /// Qa: ack quorum (default 2).
    pub ack_quorum: usize,
    /// Digest type (default CRC32C).
    pub digest: DigestType,
    /// The ledger password (default empty).
    pub password: Vec<u8>,
    /// Custom metadata stored with the ledger.
    pub custom_metadata: Vec<(String, Bytes)>,
}

impl Default for CreateOptions {
    fn default() -> Self {
        Self {
            ensemble_size: 3,
            write_quorum: 2,
            ack_quorum: 2,
            digest: DigestType::Crc32c,
            password: Vec::new(),
            custom_metadata: Vec::new(),
        }
    }
}

/// Free and total disk space a bookie reports (GET_BOOKIE_INFO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BookieDiskInfo {
    /// Total bytes of its ledger directories.
    pub total_bytes: i64,
    /// Free bytes of its ledger directories.
    pub free_bytes: i64,
}

/// A BookKeeper client. Cheap to clone. Every call must run inside a tokio runtime.
#[derive(Clone)]
pub struct BookKeeper {
    ctx: Arc<ClientContext>,
}

impl BookKeeper {
    /// Connects to the metadata service at `metadata_uri` (e.g.
    /// `zk+hierarchical://127.0.0.1:2181/ledgers`).
    pub async fn connect(metadata_uri: &str, config: ClientConfig) -> Result<Self> {
        let store = AnyMetadataStore::connect(metadata_uri, ZkOptions::default()).await?;
        Ok(Self::with_store(Arc::new(store), config))
    }

    /// A client over an open metadata store.
    pub fn with_store(store: Arc<AnyMetadataStore>, config: ClientConfig) -> Self {
        let pool = BookiePool::new(
            config.protocol,
            config.connect_timeout,
            config.frame_bytes_max,
            Some(store.clone()),
        );
        Self {
            ctx: Arc::new(ClientContext {
                config,
                pool,
                store,
            }),
        }
    }

    /// The metadata store.
    pub fn store(&self) -> &Arc<AnyMetadataStore> {
        &self.ctx.store
    }

    /// Creates a ledger (spec §6.1): a new id, an ensemble from the placement policy, and OPEN
    /// metadata; returns its writer.
    pub async fn create_ledger(&self, options: &CreateOptions) -> Result<LedgerHandle> {
        let quorums = placement::Quorums::new(
            options.ensemble_size,
            options.write_quorum,
            options.ack_quorum,
        )
        .map_err(|error| ClientError::InvalidArgument(error.to_string()))?;
        let ensemble = self.ctx.choose_ensemble(&quorums).await?;
        let metadata = new_ledger_metadata(options, ensemble, creator_token());
        let mut attempts = 0;
        let (ledger_id, version) = loop {
            let ledger_id = self.ctx.store.generate_ledger_id().await?;
            match self
                .ctx
                .store
                .create_ledger_metadata(ledger_id, &metadata)
                .await
            {
                Ok(version) => break (ledger_id, version),
                Err(metadata::MetadataError::Exists { .. }) if attempts < 3 => attempts += 1,
                Err(error) => return Err(error.into()),
            }
        };
        let keys = LedgerKeys::new(ledger_id, options.digest, &options.password);
        let (writer, shared) = spawn_writer(self.ctx.clone(), keys.clone(), metadata, version)?;
        tracing::debug!(ledger = ledger_id, "ledger created");
        Ok(LedgerHandle::new(self.ctx.clone(), keys, writer, shared))
    }

    /// Opens a ledger for reading. With `recovery`, an open ledger is fenced, recovered and
    /// closed first (spec §6.5): its writer can add nothing more, and every entry it had
    /// acknowledged is readable. The digest type comes from the metadata; a password that does
    /// not match the stored one is `Unauthorized`.
    pub async fn open_ledger(
        &self,
        ledger_id: LedgerId,
        password: &[u8],
        recovery: bool,
    ) -> Result<ReadHandle> {
        let (metadata, version) = self.read_metadata(ledger_id).await?;
        let digest = match (&metadata.password, metadata.digest_type) {
            (Some(stored), Some(digest)) => {
                if stored.as_ref() != password {
                    return Err(ClientError::Unauthorized(ledger_id));
                }
                from_metadata(digest)
            }
            _ => DigestType::Crc32,
        };
        let keys = LedgerKeys::new(ledger_id, digest, password);
        let metadata = if recovery {
            recover(&self.ctx, &keys, metadata, version).await?.0
        } else {
            metadata
        };
        Ok(ReadHandle::new(self.ctx.clone(), keys, metadata))
    }

    /// The metadata of a ledger and its version.
    pub async fn read_metadata(
        &self,
        ledger_id: LedgerId,
    ) -> Result<(LedgerMetadata, metadata::Version)> {
        self.ctx
            .store
            .read_ledger_metadata(ledger_id)
            .await
            .map_err(|error| {
                if is_not_found(&error) {
                    ClientError::NoSuchLedger(ledger_id)
                } else {
                    error.into()
                }
            })
    }

    /// Deletes a ledger's metadata; bookies drop its entries at their next garbage collection.
    pub async fn delete_ledger(&self, ledger_id: LedgerId) -> Result<()> {
        self.ctx
            .store
            .delete_ledger(ledger_id, None)
            .await
            .map_err(|error| {
                if is_not_found(&error) {
                    ClientError::NoSuchLedger(ledger_id)
                } else {
                    error.into()
                }
            })
    }

    /// Every ledger id, ascending.
    pub async fn list_ledgers(&self) -> Result<Vec<LedgerId>> {
        Ok(self.ctx.store.list_ledgers().await?)
    }

    /// A bookie's disk space (v3 GET_BOOKIE_INFO).
    pub async fn bookie_disk_info(&self, bookie: &metadata::BookieId) -> Result<BookieDiskInfo> {
        let reply = self
            .ctx
            .pool
            .call(
                bookie,
                BookieOp::GetBookieInfo,
                self.ctx.config.read_timeout,
            )
            .await?;
        match reply {
            BookieReply::BookieInfo {
                status: proto::StatusCode::Ok,
                total_bytes,
                free_bytes,
            } => Ok(BookieDiskInfo {
                total_bytes: total_bytes.unwrap_or(0),
                free_bytes: free_bytes.unwrap_or(0),
            }),
            other => Err(ClientError::Bookie {
                bookie: bookie.clone(),
                status: other.status(),
            }),
        }
    }
}

/// The metadata of a new, open ledger, as the Java writer stores it (4.16 defaults: no
/// `ctime`, a random non-zero `cToken`, the raw password and the digest type).
pub fn new_ledger_metadata(
    options: &CreateOptions,
    ensemble: Vec<metadata::BookieId>,
    creator_token: i64,
) -> LedgerMetadata {
    LedgerMetadata {
        ensemble_size: options.ensemble_size as u32,
        write_quorum_size: options.write_quorum as u32,
        ack_quorum_size: Some(options.ack_quorum as u32),
        length_bytes: 0,
        last_entry_id: -1,
        state: LedgerState::Open,
        ensembles: vec![Segment {
            first_entry_id: 0,
            bookies: ensemble,
        }],
        digest_type: Some(to_metadata(options.digest)),
        password: Some(Bytes::from(options.password.clone())),
        ctime_ms: None,
        custom_metadata: options.custom_metadata.clone(),
        creator_token: Some(creator_token),
    }
}

/// `metadata` closed at `last_entry_id` with `length_bytes`, as the Java client closes a ledger
/// (state CLOSED, `cToken` 0).
pub fn closed_metadata(
    metadata: &LedgerMetadata,
    last_entry_id: types::EntryId,
    length_bytes: i64,
) -> LedgerMetadata {
    let mut closed = metadata.clone();
    closed.state = LedgerState::Closed;
    closed.last_entry_id = last_entry_id;
    closed.length_bytes = u64::try_from(length_bytes).unwrap_or(0);
    closed.creator_token = Some(0);
    closed
}

/// A random non-zero creator token (`cToken`), as the Java writer stores for an open ledger.
fn creator_token() -> i64 {
    loop {
        let token: i64 = rand::random::<i64>() & i64::MAX;
        if token != 0 {
            return token;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fixture_znode(name: &str) -> Vec<u8> {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/fixtures/bookkeeper-4.16.7/zk");
        std::fs::read(root.join(name)).unwrap()
    }

    #[test]
    fn new_and_closed_metadata_match_what_the_java_client_wrote() {
        let options = CreateOptions {
            ensemble_size: 1,
            write_quorum: 1,
            ack_quorum: 1,
            digest: DigestType::Crc32c,
            password: b"fixture-pw".to_vec(),
            custom_metadata: Vec::new(),
        };
        let bookie = metadata::BookieId::parse("127.0.0.1:3181").unwrap();
        // Ledger 6 of the fixture was left open by a kill -9 of its writer.
        let open = new_ledger_metadata(&options, vec![bookie], 1013967394866133023);
        assert_eq!(
            open.encode(),
            fixture_znode("after-kill9/ledgers__00__0000__L0006.bin")
        );
        // Ledger 0 (same settings) was closed by recovery at entry 9, length 70.
        assert_eq!(
            closed_metadata(&open, 9, 70).encode(),
            fixture_znode("ledgers__00__0000__L0000.bin")
        );
    }
}
