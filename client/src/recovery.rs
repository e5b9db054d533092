//! Ledger recovery (spec §6.5): what opening a ledger with recovery does.
//!
//! Steps: mark the metadata IN_RECOVERY; fence the last ensemble and read its LAC (coverage
//! rule of §6.4); read forward from LAC + 1 with recovery reads to the whole write set, an entry
//! being missing once Qw - Qa + 1 replicas say they do not have it; write every found entry back
//! to its write set with recovery adds (the stored body, verbatim); close the metadata at the
//! last found entry.
//!
//! Invariants:
//! - Every entry a writer had acknowledged (Qa acks) is found: at most Qw - Qa of its write
//!   set can lack it, so it is never declared missing, and the fence makes sure no later add
//!   can be acknowledged once the LAC is read.
//! - The metadata is closed only after every written-back entry is on Qa bookies of its write
//!   set.
//! - Ensemble changes during recovery are not made: a write-back that cannot reach Qa bookies
//!   fails the recovery (the ledger stays IN_RECOVERY; opening it again retries).

use std::sync::Arc;

use metadata::{LedgerMetadata, LedgerState, MetadataStore, Version};
use proto::StatusCode;
use tokio::sync::mpsc;
use types::EntryId;

use crate::client::closed_metadata;
use crate::context::{ensemble_for, is_bad_version, quorums_of, ClientContext};
use crate::digest::{LedgerKeys, VerifiedEntry};
use crate::error::{ClientError, Result};
use crate::lac::read_lac;
use crate::read::{read_entry, replicas_of, ReadOutcome};
use crate::wire::{BookieOp, BookieReply, ReadKind};

/// Recovers the ledger and returns its closed metadata.
pub async fn recover(
    ctx: &Arc<ClientContext>,
    keys: &LedgerKeys,
    mut metadata: LedgerMetadata,
    mut version: Version,
) -> Result<(LedgerMetadata, Version)> {
    let ledger_id = keys.ledger_id;
    // 1. OPEN -> IN_RECOVERY (compare-and-set; a concurrent writer's ensemble change retries).
    loop {
        match metadata.state {
            LedgerState::Closed => return Ok((metadata, version)),
            LedgerState::InRecovery => break,
            LedgerState::Open => {}
        }
        let mut updated = metadata.clone();
        updated.state = LedgerState::InRecovery;
        match ctx
            .store
            .write_ledger_metadata(ledger_id, &updated, version)
            .await
        {
            Ok(new_version) => {
                (metadata, version) = (updated, new_version);
                break;
            }
            Err(error) if is_bad_version(&error) => {
                (metadata, version) = ctx.store.read_ledger_metadata(ledger_id).await?;
            }
            Err(error) => return Err(error.into()),
        }
    }
    let quorums = quorums_of(&metadata)?;
    let last_segment_first = metadata
        .ensembles
        .last()
        .map_or(0, |segment| segment.first_entry_id);
    let last_ensemble = ensemble_for(&metadata, i64::MAX).to_vec();
    // 2. Fence and read the LAC.
    let answer = read_lac(ctx, keys, &quorums, &last_ensemble, true).await?;
    let lac = answer.lac.max(last_segment_first - 1);
    tracing::info!(ledger = ledger_id, lac, "recovery: ensemble fenced");
    // 3 + 4. Read forward and write back.
    let missing_after = quorums.write_quorum() - quorums.ack_quorum() + 1;
    let mut last_entry = lac;
    let mut length: Option<i64> = None;
    let mut next = lac + 1;
    loop {
        let replicas = replicas_of(&metadata, &quorums, next)?;
        match read_entry(
            ctx,
            keys,
            &replicas,
            next,
            ReadKind::Recovery,
            missing_after,
        )
        .await?
        {
            ReadOutcome::Found(entry) => {
                write_back(ctx, keys, &metadata, &entry).await?;
                last_entry = next;
                length = Some(entry.length);
                next += 1;
            }
            ReadOutcome::Missing => break,
        }
    }
    let length = match length {
        Some(length) => length,
        None if last_entry >= 0 => length_at(ctx, keys, &metadata, last_entry).await?,
        None => 0,
    };
    // 5. Close.
    loop {
        let updated = closed_metadata(&metadata, last_entry, length);
        match ctx
            .store
            .write_ledger_metadata(ledger_id, &updated, version)
            .await
        {
            Ok(new_version) => {
                tracing::info!(
                    ledger = ledger_id,
                    last_entry,
                    length,
                    "recovery: ledger closed"
                );
                return Ok((updated, new_version));
            }
            Err(error) if is_bad_version(&error) => {
                (metadata, version) = ctx.store.read_ledger_metadata(ledger_id).await?;
                if metadata.state == LedgerState::Closed {
                    // Another recoverer finished first; its answer stands.
                    return Ok((metadata, version));
                }
            }
            Err(error) => return Err(error.into()),
        }
    }
}

/// The ledger length stored in entry `entry_id` (read with a recovery read).
async fn length_at(
    ctx: &Arc<ClientContext>,
    keys: &LedgerKeys,
    metadata: &LedgerMetadata,
    entry_id: EntryId,
) -> Result<i64> {
    let quorums = quorums_of(metadata)?;
    let replicas = replicas_of(metadata, &quorums, entry_id)?;
    match read_entry(
        ctx,
        keys,
        &replicas,
        entry_id,
        ReadKind::Recovery,
        usize::MAX,
    )
    .await?
    {
        ReadOutcome::Found(entry) => Ok(entry.length),
        ReadOutcome::Missing => Err(ClientError::EntryUnavailable {
            ledger_id: keys.ledger_id,
            entry_id,
            last_error: "the last confirmed entry is missing on every replica".into(),
        }),
    }
}

/// Writes `entry` to its whole write set with recovery adds; succeeds once Qa bookies stored it.
async fn write_back(
    ctx: &Arc<ClientContext>,
    keys: &LedgerKeys,
    metadata: &LedgerMetadata,
    entry: &VerifiedEntry,
) -> Result<()> {
    let quorums = quorums_of(metadata)?;
    let replicas = replicas_of(metadata, &quorums, entry.entry_id)?;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let op = BookieOp::Add {
        ledger_id: keys.ledger_id,
        entry_id: entry.entry_id,
        master_key: keys.master_key,
        body: entry.body.clone(),
        recovery: true,
    };
    for (index, bookie) in replicas.iter().enumerate() {
        let timeout = ctx.config.add_timeout;
        ctx.pool
            .send_tagged(bookie, op.clone(), timeout, index, &tx);
    }
    drop(tx);
    let mut acks = 0;
    let mut last_error = String::from("no answer");
    while let Some((index, result)) = rx.recv().await {
        match result {
            Ok(BookieReply::Add {
                status: StatusCode::Ok,
            }) => {
                acks += 1;
                if acks >= quorums.ack_quorum() {
                    return Ok(());
                }
            }
            Ok(reply) => last_error = format!("{}: {:?}", replicas[index], reply.status()),
            Err(error) => last_error = format!("{}: {error:?}", replicas[index]),
        }
    }
    Err(ClientError::NotEnoughBookies(format!(
        "recovery of ledger {} entry {}: only {acks} of the ack quorum {} stored it (last error: {last_error})",
        keys.ledger_id,
        entry.entry_id,
        quorums.ack_quorum()
    )))
}
