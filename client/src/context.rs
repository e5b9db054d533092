//! [`ClientContext`]: what every ledger of one client shares (settings, the bookie pool, the
//! metadata store), and the placement glue that turns the registered bookies into ensembles.

use std::sync::Arc;

use metadata::{AnyMetadataStore, BookieId, MetadataStore};
use placement::{EnsemblePlacement, LoadHint, Quorums, Topology};
use tokio::sync::oneshot;

use crate::config::ClientConfig;
use crate::error::{ClientError, Result};
use crate::pool::BookiePool;
use crate::wire::{BookieOp, BookieReply};

/// How long a placement waits for the bookies' GET_BOOKIE_INFO answers when load-aware
/// tie-breaking is on; a bookie that has not answered by then gets no hint (ranked last).
const LOAD_HINT_WAIT: std::time::Duration = std::time::Duration::from_millis(300);

/// Shared by every handle of one client.
pub struct ClientContext {
    /// Settings.
    pub config: ClientConfig,
    /// Connections to bookies.
    pub pool: BookiePool,
    /// The metadata store.
    pub store: Arc<AnyMetadataStore>,
}

impl ClientContext {
    async fn topology(&self) -> Result<Topology> {
        let bookies = self.store.list_bookies().await?;
        let mut topology = Topology::new(
            self.config.rack_mapping.clone(),
            bookies
                .writable
                .iter()
                .map(|bookie| bookie.as_str().to_owned()),
        );
        if self.config.placement.load_aware_tie_breaking {
            self.add_load_hints(&mut topology, &bookies.writable).await;
        }
        Ok(topology)
    }

    /// Load hints for load-aware tie-breaking: each bookie's free disk (GET_BOOKIE_INFO, asked of
    /// all at once) and the requests this client has in flight to it. A bookie that does not
    /// answer within [`LOAD_HINT_WAIT`] gets no hint, which ranks it after every bookie with one.
    async fn add_load_hints(
        &self,
        topology: &mut Topology,
        bookies: &std::collections::BTreeSet<BookieId>,
    ) {
        let asked: Vec<_> = bookies
            .iter()
            .map(|bookie| {
                let (done, answer) = oneshot::channel();
                self.pool.send(
                    bookie,
                    BookieOp::GetBookieInfo,
                    LOAD_HINT_WAIT,
                    Box::new(move |reply| {
                        let _ = done.send(reply);
                    }),
                );
                (bookie, answer)
            })
            .collect();
        let deadline = tokio::time::Instant::now() + LOAD_HINT_WAIT;
        for (bookie, answer) in asked {
            let free_disk_bytes = match tokio::time::timeout_at(deadline, answer).await {
                Ok(Ok(Ok(BookieReply::BookieInfo {
                    status: proto::StatusCode::Ok,
                    free_bytes,
                    ..
                }))) => u64::try_from(free_bytes.unwrap_or(0)).unwrap_or(0),
                _ => continue,
            };
            topology.set_load_hint(
                bookie.as_str(),
                LoadHint {
                    free_disk_bytes,
                    in_flight_requests: self.pool.in_flight(bookie),
                },
            );
        }
    }

    /// Chooses E writable bookies for a new ledger (spec §6.1, §6.7).
    pub async fn choose_ensemble(&self, quorums: &Quorums) -> Result<Vec<BookieId>> {
        let topology = self.topology().await?;
        let placement = EnsemblePlacement::new(&topology, &self.config.placement);
        let placed = placement
            .new_ensemble(
                quorums.ensemble_size(),
                quorums.write_quorum(),
                quorums.ack_quorum(),
                &[],
                &mut rand::thread_rng(),
            )
            .map_err(|error| ClientError::NotEnoughBookies(error.to_string()))?;
        to_bookie_ids(placed.value)
    }

    /// Chooses a writable bookie to take `position` of `ensemble`, never one of `excluded`
    /// (spec §6.3).
    pub async fn choose_replacement(
        &self,
        quorums: &Quorums,
        ensemble: &[BookieId],
        position: usize,
        excluded: &[BookieId],
    ) -> Result<BookieId> {
        let topology = self.topology().await?;
        let placement = EnsemblePlacement::new(&topology, &self.config.placement);
        let ensemble: Vec<String> = ensemble.iter().map(|b| b.as_str().to_owned()).collect();
        let excluded: Vec<String> = excluded.iter().map(|b| b.as_str().to_owned()).collect();
        let placed = placement
            .replace_bookie(
                quorums,
                &ensemble,
                position,
                &excluded,
                &mut rand::thread_rng(),
            )
            .map_err(|error| ClientError::NotEnoughBookies(error.to_string()))?;
        BookieId::parse(&placed.value)
            .map_err(|error| ClientError::Metadata(format!("registered bookie id: {error}")))
    }
}

fn to_bookie_ids(ids: Vec<String>) -> Result<Vec<BookieId>> {
    ids.iter()
        .map(|id| {
            BookieId::parse(id)
                .map_err(|error| ClientError::Metadata(format!("registered bookie id: {error}")))
        })
        .collect()
}

/// The validated quorums of a ledger's metadata.
pub fn quorums_of(metadata: &metadata::LedgerMetadata) -> Result<Quorums> {
    Quorums::new(
        metadata.ensemble_size as usize,
        metadata.write_quorum_size as usize,
        metadata.ack_quorum() as usize,
    )
    .map_err(|error| ClientError::InvalidArgument(error.to_string()))
}

/// The ensemble that stores `entry_id`: the last segment starting at or before it.
pub fn ensemble_for(metadata: &metadata::LedgerMetadata, entry_id: i64) -> &[BookieId] {
    metadata
        .ensembles
        .iter()
        .rev()
        .find(|segment| segment.first_entry_id <= entry_id)
        .or(metadata.ensembles.first())
        .map(|segment| segment.bookies.as_slice())
        .unwrap_or(&[])
}

/// Whether a metadata error means "not found".
pub fn is_not_found(error: &metadata::MetadataError) -> bool {
    matches!(error, metadata::MetadataError::NotFound { .. })
}

/// Whether a metadata error is a failed compare-and-set.
pub fn is_bad_version(error: &metadata::MetadataError) -> bool {
    matches!(error, metadata::MetadataError::BadVersion { .. })
}
