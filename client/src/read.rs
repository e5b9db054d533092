//! Reading entries (spec §6.6): each entry from its write set, one replica at a time, moving
//! to the next replica on an error and also after the speculative timeout without an answer;
//! the first digest-valid copy wins.
//!
//! Invariant: a returned entry verified its digest, ledger id and entry id (see
//! [`crate::digest`]); an entry no replica can serve is an error, never an empty payload.

use std::sync::Arc;

use bytes::Bytes;
use metadata::{BookieId, LedgerMetadata};
use proto::StatusCode;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use types::EntryId;

use crate::context::{ensemble_for, quorums_of, ClientContext};
use crate::digest::{LedgerKeys, VerifiedEntry};
use crate::error::{ClientError, Result};
use crate::pool::conn_error;
use crate::wire::{BookieOp, BookieReply, ReadKind};

/// One entry read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Its id.
    pub entry_id: EntryId,
    /// The payload the writer added.
    pub payload: Bytes,
}

/// What a read of one entry found.
#[derive(Debug)]
pub enum ReadOutcome {
    /// A valid copy.
    Found(VerifiedEntry),
    /// Enough replicas said they do not have it (`missing_answers_min` of them).
    Missing,
}

/// Reads entries `first..=last` (each through [`read_entry`], many in flight at once).
pub async fn read_range(
    ctx: &Arc<ClientContext>,
    keys: &LedgerKeys,
    metadata: &LedgerMetadata,
    first: EntryId,
    last: EntryId,
) -> Result<Vec<LedgerEntry>> {
    if first < 0 || last < first {
        return Err(ClientError::InvalidArgument(format!(
            "entry range {first}..={last} is empty or negative"
        )));
    }
    let quorums = quorums_of(metadata)?;
    let count = usize::try_from(last - first + 1)
        .map_err(|_| ClientError::InvalidArgument("entry range too large".into()))?;
    let mut entries: Vec<Option<LedgerEntry>> = vec![None; count];
    let mut tasks = JoinSet::new();
    let mut next = first;
    loop {
        while next <= last && tasks.len() < ctx.config.reads_in_flight_max.max(1) {
            let replicas = replicas_of(metadata, &quorums, next)?;
            let (ctx, keys, entry_id) = (ctx.clone(), keys.clone(), next);
            tasks.spawn(async move {
                let outcome = read_entry(
                    &ctx,
                    &keys,
                    &replicas,
                    entry_id,
                    ReadKind::Normal,
                    usize::MAX,
                )
                .await;
                (entry_id, outcome)
            });
            next += 1;
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let (entry_id, outcome) =
            joined.map_err(|error| ClientError::Metadata(format!("read task: {error}")))?;
        let index = usize::try_from(entry_id - first).unwrap_or(usize::MAX);
        match outcome? {
            ReadOutcome::Found(entry) => {
                if let Some(slot) = entries.get_mut(index) {
                    *slot = Some(LedgerEntry {
                        entry_id,
                        payload: entry.payload,
                    });
                }
            }
            ReadOutcome::Missing => {
                return Err(ClientError::EntryUnavailable {
                    ledger_id: keys.ledger_id,
                    entry_id,
                    last_error: "no replica has it".into(),
                })
            }
        }
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(offset, entry)| {
            entry.ok_or_else(|| ClientError::EntryUnavailable {
                ledger_id: keys.ledger_id,
                entry_id: first + offset as i64,
                last_error: "not read".into(),
            })
        })
        .collect()
}

/// The bookies of `entry_id`'s write set, in write-set order.
pub fn replicas_of(
    metadata: &LedgerMetadata,
    quorums: &placement::Quorums,
    entry_id: EntryId,
) -> Result<Vec<BookieId>> {
    let ensemble = ensemble_for(metadata, entry_id);
    let write_set = quorums
        .write_set(entry_id)
        .map_err(|error| ClientError::InvalidArgument(error.to_string()))?;
    write_set
        .iter()
        .map(|position| {
            ensemble.get(*position).cloned().ok_or_else(|| {
                ClientError::Metadata(format!("ensemble has no position {position}"))
            })
        })
        .collect()
}

/// Reads one entry from `replicas`. Recovery reads go to every replica at once (BookKeeper's
/// parallel recovery read) and report `Missing` after `missing_answers_min` replicas answered
/// ENOENTRY/ENOLEDGER; normal reads go one replica at a time with speculation.
pub async fn read_entry(
    ctx: &Arc<ClientContext>,
    keys: &LedgerKeys,
    replicas: &[BookieId],
    entry_id: EntryId,
    kind: ReadKind,
    missing_answers_min: usize,
) -> Result<ReadOutcome> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let op = BookieOp::Read {
        ledger_id: keys.ledger_id,
        entry_id,
        kind,
        master_key: keys.master_key,
    };
    let timeout = ctx.config.read_timeout;
    let send = |index: usize| {
        ctx.pool
            .send_tagged(&replicas[index], op.clone(), timeout, index, &tx);
    };
    let parallel = kind != ReadKind::Normal;
    let mut sent = if parallel { replicas.len() } else { 1 };
    for index in 0..sent {
        send(index);
    }
    let mut answered = 0;
    let mut missing = 0;
    let mut last_error: Option<ClientError> = None;
    let speculative = ctx.config.speculative_read_timeout;
    loop {
        let received = if !parallel && sent < replicas.len() && !speculative.is_zero() {
            match tokio::time::timeout(speculative, rx.recv()).await {
                Ok(received) => received,
                Err(_) => {
                    send(sent);
                    sent += 1;
                    continue;
                }
            }
        } else {
            rx.recv().await
        };
        let Some((index, result)) = received else {
            break;
        };
        answered += 1;
        let bookie = &replicas[index];
        match result {
            Ok(BookieReply::Read {
                status: StatusCode::Ok,
                body: Some(body),
            }) => match keys.verify(bookie, Some(entry_id), body) {
                Ok(entry) => return Ok(ReadOutcome::Found(entry)),
                Err(error) => {
                    tracing::warn!(%bookie, entry_id, %error, "bad entry from a replica; trying the next");
                    last_error = Some(error);
                }
            },
            Ok(reply) => {
                let status = reply.status();
                if matches!(status, StatusCode::NoEntry | StatusCode::NoLedger) {
                    missing += 1;
                    if missing >= missing_answers_min {
                        return Ok(ReadOutcome::Missing);
                    }
                }
                if status == StatusCode::Unauthorized {
                    return Err(ClientError::Unauthorized(keys.ledger_id));
                }
                last_error = Some(ClientError::Bookie {
                    bookie: bookie.clone(),
                    status,
                });
            }
            Err(error) => last_error = Some(conn_error(bookie, error)),
        }
        if answered >= sent {
            if sent < replicas.len() {
                send(sent);
                sent += 1;
            } else {
                break;
            }
        }
    }
    if missing == replicas.len() && missing_answers_min == usize::MAX {
        return Ok(ReadOutcome::Missing);
    }
    Err(ClientError::EntryUnavailable {
        ledger_id: keys.ledger_id,
        entry_id,
        last_error: last_error.map_or_else(|| "no replica answered".into(), |e| e.to_string()),
    })
}
