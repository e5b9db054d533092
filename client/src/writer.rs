//! The writer of one ledger: an actor task that owns the add pipeline (spec §6.2) and the
//! ensemble changes (spec §6.3) of a [`crate::LedgerHandle`].
//!
//! Invariants:
//! - Entry ids are assigned in the order `add_entry` was called (one channel, one task).
//! - An add completes only when Qa distinct members of its write set acknowledged it, and
//!   completions are delivered strictly in entry-id order; the LAC is the last completed id.
//! - An acknowledgement counts only if it comes from the bookie that holds that position in the
//!   current ensemble (the position's epoch it was sent under is still current); a late answer
//!   from a replaced bookie is ignored.
//! - On a bookie failure the failed position is replaced, the metadata gets a new segment
//!   starting at LAC + 1 (compare-and-set; refused unless the ledger is still OPEN), and every
//!   pending add of that position is re-sent to the replacement, so no acknowledged add is lost
//!   and every pending one ends on Qa live bookies of the new ensemble.
//! - When no replacement bookie exists, the writer goes on without the failed position only while
//!   every write set keeps at least Qa live positions (BookKeeper's `delayEnsembleChange`
//!   behaviour); otherwise every pending add fails. Entries written that way are
//!   under-replicated until autorecovery repairs them.
//! - EFENCED or EUA from any bookie fails every pending and later add: another client took over.

use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use metadata::{BookieId, LedgerMetadata, LedgerState, MetadataStore, Segment, Version};
use placement::Quorums;
use proto::StatusCode;
use tokio::sync::{mpsc, oneshot};
use types::EntryId;

use crate::client::closed_metadata;
use crate::connection::ConnError;
use crate::context::{is_bad_version, quorums_of, ClientContext};
use crate::digest::LedgerKeys;
use crate::error::{ClientError, Result};
use crate::wire::{BookieOp, BookieReply};

/// How many times a metadata compare-and-set is retried after a concurrent change.
const METADATA_CAS_ATTEMPTS_MAX: usize = 5;

/// State readable by handles without asking the writer.
pub struct WriterShared {
    /// The last add confirmed.
    pub lac: AtomicI64,
    /// The metadata as the writer last wrote or read it.
    pub metadata: Mutex<LedgerMetadata>,
}

impl WriterShared {
    /// A copy of the current metadata.
    pub fn metadata(&self) -> LedgerMetadata {
        self.metadata
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// A request from a handle.
pub enum UserMsg {
    /// Add `payload` as the next entry.
    Add {
        /// The payload.
        payload: Bytes,
        /// Completed with the entry id once acknowledged.
        done: oneshot::Sender<Result<EntryId>>,
    },
    /// Wait for pending adds, then close the ledger.
    Close {
        /// Completed when the metadata says CLOSED.
        done: oneshot::Sender<Result<()>>,
    },
}

struct AddReply {
    entry_id: EntryId,
    position: usize,
    /// The position's epoch when the add was sent (see `Writer::epochs`).
    epoch: u64,
    result: std::result::Result<BookieReply, ConnError>,
}

struct PendingAdd {
    entry_id: EntryId,
    body: Bytes,
    length: i64,
    write_set: Vec<usize>,
    /// By ensemble position; only write-set positions are ever set.
    acked: Vec<bool>,
    done: Option<oneshot::Sender<Result<EntryId>>>,
}

impl PendingAdd {
    fn acks(&self) -> usize {
        self.acked.iter().filter(|acked| **acked).count()
    }
}

/// Starts the writer of a freshly created (or re-opened for writing) ledger.
pub fn spawn_writer(
    ctx: Arc<ClientContext>,
    keys: LedgerKeys,
    metadata: LedgerMetadata,
    version: Version,
) -> Result<(mpsc::UnboundedSender<UserMsg>, Arc<WriterShared>)> {
    let quorums = quorums_of(&metadata)?;
    let ensemble = metadata
        .ensembles
        .last()
        .map(|segment| segment.bookies.clone())
        .ok_or_else(|| ClientError::InvalidArgument("ledger metadata has no ensemble".into()))?;
    let epochs = vec![0; ensemble.len()];
    let shared = Arc::new(WriterShared {
        lac: AtomicI64::new(metadata.last_entry_id.max(-1)),
        metadata: Mutex::new(metadata.clone()),
    });
    let (user_tx, user_rx) = mpsc::unbounded_channel();
    let (reply_tx, reply_rx) = mpsc::unbounded_channel();
    let writer = Writer {
        ctx,
        keys,
        shared: shared.clone(),
        metadata,
        version,
        quorums,
        ensemble,
        epochs,
        last_add_pushed: -1,
        length_pushed: 0,
        lac: -1,
        lac_length: 0,
        pending: VecDeque::new(),
        failed: None,
        closers: Vec::new(),
        closed: false,
        ensemble_changes: 0,
        degraded: BTreeSet::new(),
        failed_bookies: Vec::new(),
        reply_tx,
    };
    tokio::spawn(writer.run(user_rx, reply_rx));
    Ok((user_tx, shared))
}

struct Writer {
    ctx: Arc<ClientContext>,
    keys: LedgerKeys,
    shared: Arc<WriterShared>,
    metadata: LedgerMetadata,
    version: Version,
    quorums: Quorums,
    ensemble: Vec<BookieId>,
    /// Bumped for a position each time its bookie is replaced, so an answer from the replaced
    /// bookie (sent under the old epoch) is recognised as stale without comparing ids.
    epochs: Vec<u64>,
    last_add_pushed: EntryId,
    length_pushed: i64,
    lac: EntryId,
    lac_length: i64,
    pending: VecDeque<PendingAdd>,
    failed: Option<ClientError>,
    closers: Vec<oneshot::Sender<Result<()>>>,
    closed: bool,
    ensemble_changes: u32,
    /// Positions written without: their bookie failed and no replacement existed.
    degraded: BTreeSet<usize>,
    /// Bookies that failed for this writer; never chosen as replacements.
    failed_bookies: Vec<BookieId>,
    reply_tx: mpsc::UnboundedSender<AddReply>,
}

impl Writer {
    async fn run(
        mut self,
        mut user_rx: mpsc::UnboundedReceiver<UserMsg>,
        mut reply_rx: mpsc::UnboundedReceiver<AddReply>,
    ) {
        let mut handles_alive = true;
        loop {
            if !handles_alive && self.pending.is_empty() {
                return;
            }
            tokio::select! {
                biased;
                Some(reply) = reply_rx.recv() => self.on_reply(reply).await,
                message = user_rx.recv(), if handles_alive => match message {
                    Some(UserMsg::Add { payload, done }) => self.on_add(payload, done),
                    Some(UserMsg::Close { done }) => {
                        self.closers.push(done);
                        self.maybe_close().await;
                    }
                    None => handles_alive = false,
                },
            }
        }
    }

    fn on_add(&mut self, payload: Bytes, done: oneshot::Sender<Result<EntryId>>) {
        if let Some(error) = &self.failed {
            let _ = done.send(Err(error.clone()));
            return;
        }
        if self.closed || !self.closers.is_empty() {
            let _ = done.send(Err(ClientError::LedgerClosed(self.keys.ledger_id)));
            return;
        }
        let entry_id = self.last_add_pushed + 1;
        let length = self.length_pushed + payload.len() as i64;
        let write_set = match self.quorums.write_set(entry_id) {
            Ok(write_set) => write_set,
            Err(error) => {
                let _ = done.send(Err(ClientError::InvalidArgument(error.to_string())));
                return;
            }
        };
        let body = self.keys.entry_body(entry_id, self.lac, length, &payload);
        self.last_add_pushed = entry_id;
        self.length_pushed = length;
        let add = PendingAdd {
            entry_id,
            body,
            length,
            acked: vec![false; self.ensemble.len()],
            write_set,
            done: Some(done),
        };
        for &position in &add.write_set {
            self.send_add(&add, position);
        }
        self.pending.push_back(add);
    }

    fn send_add(&self, add: &PendingAdd, position: usize) {
        if self.degraded.contains(&position) {
            return;
        }
        let (Some(bookie), Some(&epoch)) = (self.ensemble.get(position), self.epochs.get(position))
        else {
            return;
        };
        let op = BookieOp::Add {
            ledger_id: self.keys.ledger_id,
            entry_id: add.entry_id,
            master_key: self.keys.master_key,
            body: add.body.clone(),
            recovery: false,
        };
        let reply_tx = self.reply_tx.clone();
        let entry_id = add.entry_id;
        self.ctx.pool.send(
            bookie,
            op,
            self.ctx.config.add_timeout,
            Box::new(move |result| {
                let _ = reply_tx.send(AddReply {
                    entry_id,
                    position,
                    epoch,
                    result,
                });
            }),
        );
    }

    async fn on_reply(&mut self, reply: AddReply) {
        if self.epochs.get(reply.position) != Some(&reply.epoch)
            || self.degraded.contains(&reply.position)
        {
            return; // from a bookie replaced or written without since
        }
        let Some(front) = self.pending.front().map(|add| add.entry_id) else {
            return;
        };
        let Ok(index) = usize::try_from(reply.entry_id - front) else {
            return; // completed already
        };
        if index >= self.pending.len() {
            return;
        }
        let status = match &reply.result {
            Ok(BookieReply::Add { status }) => *status,
            Ok(other) => other.status(),
            Err(_) => StatusCode::IoError,
        };
        match status {
            StatusCode::Ok => {
                if let Some(add) = self.pending.get_mut(index) {
                    if let Some(acked) = add.acked.get_mut(reply.position) {
                        *acked = true;
                    }
                }
                self.complete_in_order();
                self.maybe_close().await;
            }
            StatusCode::Fenced => self.fail_all(ClientError::Fenced(self.keys.ledger_id)),
            StatusCode::Unauthorized => {
                self.fail_all(ClientError::Unauthorized(self.keys.ledger_id))
            }
            _ => {
                let reason = match reply.result {
                    Ok(answer) => format!("{:?}", answer.status()),
                    Err(error) => format!("{error:?}"),
                };
                let Some(bookie) = self.ensemble.get(reply.position).cloned() else {
                    return;
                };
                tracing::info!(ledger = self.keys.ledger_id, %bookie, entry = reply.entry_id, %reason, "add failed on a bookie; changing the ensemble");
                self.change_ensemble(reply.position, bookie).await;
                self.maybe_close().await;
            }
        }
    }

    fn complete_in_order(&mut self) {
        let ack_quorum = self.quorums.ack_quorum();
        while self
            .pending
            .front()
            .is_some_and(|add| add.acks() >= ack_quorum)
        {
            let Some(mut add) = self.pending.pop_front() else {
                break;
            };
            self.lac = add.entry_id;
            self.lac_length = add.length;
            self.shared.lac.store(add.entry_id, Ordering::Release);
            if let Some(done) = add.done.take() {
                let _ = done.send(Ok(add.entry_id));
            }
        }
    }

    fn fail_all(&mut self, error: ClientError) {
        if self.failed.is_none() {
            tracing::info!(ledger = self.keys.ledger_id, %error, pending = self.pending.len(), "writer failed; failing pending adds");
            self.failed = Some(error.clone());
        }
        for mut add in self.pending.drain(..) {
            if let Some(done) = add.done.take() {
                let _ = done.send(Err(error.clone()));
            }
        }
    }

    /// Replaces `failed` at `position` (spec §6.3), or fails the writer if that is impossible.
    async fn change_ensemble(&mut self, position: usize, failed: BookieId) {
        if self.failed.is_some() {
            return;
        }
        self.ensemble_changes += 1;
        if self.ensemble_changes > self.ctx.config.ensemble_changes_max {
            self.fail_all(ClientError::NotEnoughBookies(format!(
                "more than {} ensemble changes",
                self.ctx.config.ensemble_changes_max
            )));
            return;
        }
        if !self.failed_bookies.contains(&failed) {
            self.failed_bookies.push(failed.clone());
        }
        let replacement = match self
            .ctx
            .choose_replacement(
                &self.quorums,
                &self.ensemble,
                position,
                &self.failed_bookies,
            )
            .await
        {
            Ok(replacement) => replacement,
            Err(ClientError::NotEnoughBookies(reason)) if self.can_degrade(position) => {
                tracing::warn!(ledger = self.keys.ledger_id, %failed, %reason, "no replacement bookie; writing on without it while every write set keeps Qa live bookies");
                self.degraded.insert(position);
                return;
            }
            Err(error) => {
                self.fail_all(error);
                return;
            }
        };
        let mut ensemble = self.ensemble.clone();
        ensemble[position] = replacement.clone();
        if let Err(error) = self.write_new_segment(&ensemble).await {
            self.fail_all(error);
            return;
        }
        tracing::info!(ledger = self.keys.ledger_id, %failed, %replacement, first_entry = self.lac + 1, "ensemble changed");
        self.ensemble = ensemble;
        if let Some(epoch) = self.epochs.get_mut(position) {
            *epoch += 1;
        }
        self.degraded.remove(&position);
        // The replaced bookie's acks do not count for the new segment: clear them, re-send.
        for add in &mut self.pending {
            if let Some(acked) = add.acked.get_mut(position) {
                *acked = false;
            }
        }
        for add in &self.pending {
            if add.write_set.contains(&position) {
                self.send_add(add, position);
            }
        }
    }

    /// Whether every write set would still have Qa live positions without `position`.
    fn can_degrade(&self, position: usize) -> bool {
        let slack = self.quorums.write_quorum() - self.quorums.ack_quorum();
        self.quorums.write_quorum_windows().all(|window| {
            window
                .iter()
                .filter(|p| **p == position || self.degraded.contains(p))
                .count()
                <= slack
        })
    }

    /// Writes the metadata with a segment `ensemble` starting at LAC + 1.
    async fn write_new_segment(&mut self, ensemble: &[BookieId]) -> Result<()> {
        let (ledger_id, first_entry_id) = (self.keys.ledger_id, self.lac + 1);
        self.update_metadata("changing the ensemble", |current| {
            if current.state != LedgerState::Open {
                return Err(ClientError::Fenced(ledger_id));
            }
            let mut updated = current.clone();
            match updated.ensembles.last_mut() {
                Some(last) if last.first_entry_id == first_entry_id => {
                    last.bookies = ensemble.to_vec();
                }
                _ => updated.ensembles.push(Segment {
                    first_entry_id,
                    bookies: ensemble.to_vec(),
                }),
            }
            Ok(Some(updated))
        })
        .await
    }

    /// Compare-and-set loop: `change` maps the current metadata to the metadata to write
    /// (`None`: nothing to write); after a concurrent change the metadata is re-read and
    /// `change` asked again, at most `METADATA_CAS_ATTEMPTS_MAX` times.
    async fn update_metadata(
        &mut self,
        doing: &str,
        change: impl Fn(&LedgerMetadata) -> Result<Option<LedgerMetadata>>,
    ) -> Result<()> {
        for _ in 0..METADATA_CAS_ATTEMPTS_MAX {
            let Some(updated) = change(&self.metadata)? else {
                return Ok(());
            };
            match self
                .ctx
                .store
                .write_ledger_metadata(self.keys.ledger_id, &updated, self.version)
                .await
            {
                Ok(version) => {
                    self.adopt(updated, version);
                    return Ok(());
                }
                Err(error) if is_bad_version(&error) => self.reread_metadata().await?,
                Err(error) => return Err(error.into()),
            }
        }
        Err(ClientError::Metadata(format!(
            "ledger {}: the metadata kept changing while {doing}",
            self.keys.ledger_id
        )))
    }

    async fn reread_metadata(&mut self) -> Result<()> {
        let (metadata, version) = self
            .ctx
            .store
            .read_ledger_metadata(self.keys.ledger_id)
            .await?;
        self.adopt(metadata, version);
        Ok(())
    }

    fn adopt(&mut self, metadata: LedgerMetadata, version: Version) {
        *self
            .shared
            .metadata
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = metadata.clone();
        self.metadata = metadata;
        self.version = version;
    }

    /// Closes the ledger once every pending add has completed, and answers the closers.
    async fn maybe_close(&mut self) {
        if self.closers.is_empty() || !self.pending.is_empty() {
            return;
        }
        let outcome = if self.closed {
            Ok(())
        } else {
            self.close_metadata().await
        };
        if outcome.is_ok() {
            self.closed = true;
        }
        for done in self.closers.drain(..) {
            let _ = done.send(outcome.clone());
        }
    }

    async fn close_metadata(&mut self) -> Result<()> {
        if let Some(ClientError::Fenced(_)) = self.failed {
            // The recovering client closed (or is closing) the ledger; nothing to write.
            return Ok(());
        }
        let (ledger_id, lac, length) = (self.keys.ledger_id, self.lac, self.lac_length);
        self.update_metadata("closing", |current| match current.state {
            LedgerState::Closed if current.last_entry_id == lac => Ok(None),
            LedgerState::Open => Ok(Some(closed_metadata(current, lac, length))),
            _ => Err(ClientError::Fenced(ledger_id)),
        })
        .await
    }
}
