//! Dispatch: one module per noun; each verb is one async function.

mod bookies;
mod cluster;
mod ledger;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use client::{BookKeeper, ClientConfig, Protocol};
use metadata::{AnyMetadataStore, ZkOptions};

use crate::cli::{Cli, Noun, WireProtocol};

/// How long connecting to the metadata service may take.
const METADATA_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs the command line.
pub async fn run(cli: &Cli) -> Result<()> {
    match &cli.noun {
        Noun::Cluster(verb) => cluster::run(cli, verb).await,
        Noun::Bookies(verb) => bookies::run(cli, verb).await,
        Noun::Ledger(verb) => ledger::run(cli, verb).await,
    }
}

/// Connects to the metadata service the command line names.
pub async fn store(cli: &Cli) -> Result<Arc<AnyMetadataStore>> {
    let uri = &cli.metadata_uri;
    let store = tokio::time::timeout(
        METADATA_CONNECT_TIMEOUT,
        AnyMetadataStore::connect(uri, ZkOptions::default()),
    )
    .await
    .map_err(|_| {
        anyhow::anyhow!(
            "metadata service {uri} did not answer within {METADATA_CONNECT_TIMEOUT:?} (is it running? set --metadata-uri or BKCTL_METADATA_URI)"
        )
    })?
    .with_context(|| format!("metadata service {uri}"))?;
    Ok(Arc::new(store))
}

/// A client over the command line's metadata service and protocol.
pub async fn client(cli: &Cli) -> Result<BookKeeper> {
    let config = ClientConfig {
        protocol: match cli.protocol {
            WireProtocol::V3 => Protocol::V3,
            WireProtocol::V2 => Protocol::V2,
        },
        ..ClientConfig::default()
    };
    Ok(BookKeeper::with_store(store(cli).await?, config))
}
