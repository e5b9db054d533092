//! [`ClientContext`]: what every ledger of one client shares (settings, the bookie pool, the
//! metadata store), and the placement glue that turns the registered bookies into ensembles.

use std::sync::Arc;

use metadata::{AnyMetadataStore, BookieId, MetadataStore};
use placement::{EnsemblePlacement, Quorums, Topology};

use crate::config::ClientConfig;
use crate::error::{ClientError, Result};
use crate::pool::BookiePool;

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
        Ok(Topology::new(
            self.config.rack_mapping.clone(),
            bookies
                .writable
                .iter()
                .map(|bookie| bookie.as_str().to_owned()),
        ))
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
