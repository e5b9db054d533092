//! `cluster init|info`.

use anyhow::{Context, Result};
use metadata::MetadataStore;
use serde_json::json;

use crate::cli::{Cli, ClusterVerb};
use crate::output::emit;

pub async fn run(cli: &Cli, verb: &ClusterVerb) -> Result<()> {
    let store = super::store(cli).await?;
    match verb {
        ClusterVerb::Init => {
            let instance_id = store.init_cluster().await.with_context(|| {
                format!(
                    "initialising {} (already initialised? `bkctl cluster info` shows it)",
                    cli.metadata_uri
                )
            })?;
            emit(
                cli.json,
                json!({ "metadataUri": cli.metadata_uri, "instanceId": instance_id.to_string() }),
                || {
                    format!(
                        "cluster initialised at {}, instance id {instance_id}",
                        cli.metadata_uri
                    )
                },
            );
        }
        ClusterVerb::Info => {
            let instance_id = store.instance_id().await.with_context(|| {
                format!(
                    "{} is not initialised: run `bkctl cluster init`",
                    cli.metadata_uri
                )
            })?;
            let bookies = store.list_bookies().await?;
            let ledgers = store.list_ledgers().await?;
            emit(
                cli.json,
                json!({
                    "instanceId": instance_id.to_string(),
                    "writableBookies": bookies.writable.len(),
                    "readonlyBookies": bookies.readonly.len(),
                    "ledgers": ledgers.len(),
                }),
                || {
                    format!(
                        "instance id: {instance_id}\nread-write bookies: {}\nread-only bookies: {}\nledgers: {}",
                        bookies.writable.len(),
                        bookies.readonly.len(),
                        ledgers.len()
                    )
                },
            );
        }
    }
    Ok(())
}
