//! `ledger create|write|read|metadata|delete|list`.

use std::io::BufRead;

use anyhow::{bail, Context, Result};
use client::{BookKeeper, CreateOptions, DigestType};
use serde_json::json;

use crate::cli::{Cli, CreateArgs, Digest, LedgerVerb};
use crate::output::{emit, metadata_json, metadata_text};

pub async fn run(cli: &Cli, verb: &LedgerVerb) -> Result<()> {
    let bk = super::client(cli).await?;
    match verb {
        LedgerVerb::Create(args) => {
            let ledger = bk.create_ledger(&create_options(args)).await?;
            let metadata = ledger.metadata();
            emit(cli.json, metadata_json(ledger.id(), &metadata), || {
                format!("created ledger {}", ledger.id())
            });
        }
        LedgerVerb::Write {
            create,
            data,
            lines_from,
            count,
            entry_bytes,
        } => {
            write(
                cli,
                &bk,
                create,
                payloads(data, lines_from.as_deref(), *count, *entry_bytes)?,
            )
            .await?
        }
        LedgerVerb::Read {
            ledger_id,
            first,
            last,
            recover,
            hex,
            access,
        } => {
            let reader = bk
                .open_ledger(*ledger_id, access.password.as_bytes(), *recover)
                .await?;
            let readable_end = match reader.last_entry_id() {
                Some(last_entry) => last_entry,
                None => reader.read_lac().await?,
            };
            let last = last.unwrap_or(readable_end);
            let entries = if last < *first {
                Vec::new()
            } else {
                reader.read(*first, last).await?
            };
            let render = |payload: &[u8]| {
                if *hex {
                    hex::encode(payload)
                } else {
                    String::from_utf8_lossy(payload).into_owned()
                }
            };
            let rows: Vec<_> = entries
                .iter()
                .map(|e| json!({ "entryId": e.entry_id, "payload": render(&e.payload) }))
                .collect();
            emit(
                cli.json,
                json!({ "ledgerId": ledger_id, "entries": rows }),
                || {
                    entries
                        .iter()
                        .map(|e| format!("{}\t{}", e.entry_id, render(&e.payload)))
                        .collect::<Vec<_>>()
                        .join("\n")
                },
            );
        }
        LedgerVerb::Metadata { ledger_id } => {
            let (metadata, _) = bk.read_metadata(*ledger_id).await?;
            emit(cli.json, metadata_json(*ledger_id, &metadata), || {
                metadata_text(*ledger_id, &metadata)
            });
        }
        LedgerVerb::Delete { ledger_id } => {
            bk.delete_ledger(*ledger_id).await?;
            emit(cli.json, json!({ "deleted": ledger_id }), || {
                format!("deleted ledger {ledger_id}")
            });
        }
        LedgerVerb::List { metadata } => {
            let ids = bk.list_ledgers().await?;
            if *metadata {
                let mut rows = Vec::new();
                let mut text = Vec::new();
                for id in &ids {
                    let (ledger, _) = bk.read_metadata(*id).await?;
                    rows.push(metadata_json(*id, &ledger));
                    text.push(metadata_text(*id, &ledger));
                }
                emit(cli.json, json!({ "ledgers": rows }), || text.join("\n\n"));
            } else {
                emit(cli.json, json!({ "ledgers": ids }), || {
                    ids.iter()
                        .map(|id| format!("ledgerID: {id}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                });
            }
        }
    }
    Ok(())
}

fn create_options(args: &CreateArgs) -> CreateOptions {
    CreateOptions {
        ensemble_size: args.ensemble,
        write_quorum: args.write_quorum,
        ack_quorum: args.ack_quorum,
        digest: match args.digest {
            Digest::Crc32c => DigestType::Crc32c,
            Digest::Crc32 => DigestType::Crc32,
            Digest::Mac => DigestType::Hmac,
            Digest::Dummy => DigestType::Dummy,
        },
        password: args.password.as_bytes().to_vec(),
        custom_metadata: Vec::new(),
    }
}

fn payloads(
    data: &[String],
    lines_from: Option<&std::path::Path>,
    count: u64,
    entry_bytes: usize,
) -> Result<Vec<Vec<u8>>> {
    if !data.is_empty() {
        return Ok(data.iter().map(|d| d.as_bytes().to_vec()).collect());
    }
    if let Some(path) = lines_from {
        let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(
                std::fs::File::open(path)
                    .with_context(|| format!("--lines-from {}", path.display()))?,
            ))
        };
        return reader.lines().map(|line| Ok(line?.into_bytes())).collect();
    }
    if entry_bytes > 4 * 1024 * 1024 {
        bail!("--entry-bytes {entry_bytes} is larger than a 4 MiB entry; lower it");
    }
    Ok((0..count)
        .map(|index| {
            let mut payload = format!("entry-{index}-").into_bytes();
            payload.resize(entry_bytes.max(payload.len()), b'x');
            payload
        })
        .collect())
}

async fn write(
    cli: &Cli,
    bk: &BookKeeper,
    args: &CreateArgs,
    payloads: Vec<Vec<u8>>,
) -> Result<()> {
    let ledger = bk.create_ledger(&create_options(args)).await?;
    let started = std::time::Instant::now();
    let adds: Vec<_> = payloads
        .iter()
        .map(|payload| ledger.add_entry(payload.clone()))
        .collect();
    for add in adds {
        add.await
            .with_context(|| format!("adding to ledger {}", ledger.id()))?;
    }
    ledger.close().await?;
    let elapsed = started.elapsed();
    emit(
        cli.json,
        json!({
            "ledgerId": ledger.id(),
            "entries": payloads.len(),
            "lastEntryId": ledger.last_add_confirmed(),
            "elapsedMs": elapsed.as_secs_f64() * 1e3,
        }),
        || {
            format!(
                "wrote {} entries to ledger {} in {:.1} ms and closed it",
                payloads.len(),
                ledger.id(),
                elapsed.as_secs_f64() * 1e3
            )
        },
    );
    Ok(())
}
