//! Reading the last add confirmed from an ensemble (spec §6.4), plain or fencing.
//!
//! Invariant: the answer is returned only once the valid answers (OK, ENOENTRY, ENOLEDGER)
//! cover the ensemble: in every write-quorum window fewer than Qa members are unanswered, so
//! no entry acknowledged by a writer can be above the LAC returned plus the entries the
//! recovery reads forward.

use std::sync::Arc;

use metadata::BookieId;
use placement::Quorums;
use proto::StatusCode;
use tokio::sync::mpsc;
use types::EntryId;

use crate::config::Protocol;
use crate::context::ClientContext;
use crate::digest::LedgerKeys;
use crate::error::{ClientError, Result};
use crate::pool::conn_error;
use crate::wire::{BookieOp, BookieReply, ReadKind};

/// What the ensemble says about the ledger's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LacAnswer {
    /// The highest LAC any bookie knows (-1 if none).
    pub lac: EntryId,
}

/// Reads the LAC from every bookie of `ensemble`. `fence` sends the fencing read of entry -1
/// that starts recovery; otherwise v3 uses READ_LAC and v2 a plain READ(-1), as the real client.
pub async fn read_lac(
    ctx: &Arc<ClientContext>,
    keys: &LedgerKeys,
    quorums: &Quorums,
    ensemble: &[BookieId],
    fence: bool,
) -> Result<LacAnswer> {
    let op = if fence {
        BookieOp::Read {
            ledger_id: keys.ledger_id,
            entry_id: -1,
            kind: ReadKind::Fence,
            master_key: keys.master_key,
        }
    } else if ctx.pool.protocol() == Protocol::V3 {
        BookieOp::ReadLac {
            ledger_id: keys.ledger_id,
        }
    } else {
        BookieOp::Read {
            ledger_id: keys.ledger_id,
            entry_id: -1,
            kind: ReadKind::Normal,
            master_key: keys.master_key,
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    for (position, bookie) in ensemble.iter().enumerate() {
        let timeout = ctx.config.read_timeout;
        ctx.pool
            .send_tagged(bookie, op.clone(), timeout, position, &tx);
    }
    drop(tx);
    let mut answered = vec![false; ensemble.len()];
    let mut lac = -1;
    let mut last_error = None;
    while let Some((position, result)) = rx.recv().await {
        let bookie = &ensemble[position];
        match result {
            Ok(reply) => match lac_of_reply(keys, bookie, reply) {
                Ok(found) => {
                    answered[position] = true;
                    lac = lac.max(found);
                }
                Err(error @ ClientError::Unauthorized(_)) => return Err(error),
                Err(error) => last_error = Some(error),
            },
            Err(error) => last_error = Some(conn_error(bookie, error)),
        }
        if quorums.ensemble_covered(&answered) {
            return Ok(LacAnswer { lac });
        }
    }
    Err(last_error.unwrap_or_else(|| {
        ClientError::NotEnoughBookies(format!(
            "ledger {}: too few bookies answered to know the last add confirmed",
            keys.ledger_id
        ))
    }))
}

/// The LAC one bookie's answer implies (-1 for "nothing here").
fn lac_of_reply(keys: &LedgerKeys, bookie: &BookieId, reply: BookieReply) -> Result<EntryId> {
    let status = reply.status();
    match status {
        StatusCode::Ok => {}
        StatusCode::NoEntry | StatusCode::NoLedger => return Ok(-1),
        StatusCode::Unauthorized => return Err(ClientError::Unauthorized(keys.ledger_id)),
        _ => {
            return Err(ClientError::Bookie {
                bookie: bookie.clone(),
                status,
            })
        }
    }
    match reply {
        BookieReply::Read {
            body: Some(body), ..
        } => Ok(keys.verify(bookie, None, body)?.last_add_confirmed),
        BookieReply::ReadLac {
            lac_body,
            last_entry_body,
            ..
        } => {
            let mut lac = -1;
            if let Some(blob) = lac_body {
                lac = lac.max(keys.verify_lac(bookie, &blob)?);
            }
            if let Some(body) = last_entry_body {
                lac = lac.max(keys.verify(bookie, None, body)?.last_add_confirmed);
            }
            Ok(lac)
        }
        _ => Ok(-1),
    }
}
