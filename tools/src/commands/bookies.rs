//! `bookies list|info`.

use anyhow::Result;
use metadata::MetadataStore;
use serde_json::json;

use crate::cli::{BookiesVerb, Cli};
use crate::output::emit;

pub async fn run(cli: &Cli, verb: &BookiesVerb) -> Result<()> {
    match verb {
        BookiesVerb::List {
            readwrite,
            readonly,
        } => {
            let store = super::store(cli).await?;
            let bookies = store.list_bookies().await?;
            let writable: Vec<&str> = if *readonly {
                Vec::new()
            } else {
                bookies.writable.iter().map(|b| b.as_str()).collect()
            };
            let read_only: Vec<&str> = if *readwrite {
                Vec::new()
            } else {
                bookies.readonly.iter().map(|b| b.as_str()).collect()
            };
            emit(
                cli.json,
                json!({ "readwrite": writable, "readonly": read_only }),
                || {
                    let mut lines = Vec::new();
                    if !*readonly {
                        lines.push("ReadWrite Bookies:".to_owned());
                        lines.extend(writable.iter().map(|b| format!("  {b}")));
                    }
                    if !*readwrite {
                        lines.push("ReadOnly Bookies:".to_owned());
                        lines.extend(read_only.iter().map(|b| format!("  {b}")));
                    }
                    lines.join("\n")
                },
            );
        }
        BookiesVerb::Info => {
            let bk = super::client(cli).await?;
            let bookies = bk.store().list_bookies().await?;
            let mut rows = Vec::new();
            for bookie in bookies.writable.iter().chain(&bookies.readonly) {
                let row = match bk.bookie_disk_info(bookie).await {
                    Ok(info) => json!({
                        "bookie": bookie.as_str(),
                        "totalBytes": info.total_bytes,
                        "freeBytes": info.free_bytes,
                    }),
                    Err(error) => json!({ "bookie": bookie.as_str(), "error": error.to_string() }),
                };
                rows.push(row);
            }
            let text = rows
                .iter()
                .map(|row| match row.get("error") {
                    Some(error) => format!("{}: error: {error}", row["bookie"]),
                    None => format!(
                        "{}: free {} of {} bytes",
                        row["bookie"], row["freeBytes"], row["totalBytes"]
                    ),
                })
                .collect::<Vec<_>>()
                .join("\n");
            emit(cli.json, json!({ "bookies": rows }), || text);
        }
    }
    Ok(())
}
