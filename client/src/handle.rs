//! The handles users hold: [`LedgerHandle`] (the writer of a ledger it created) and
//! [`ReadHandle`] (a ledger opened for reading, with or without recovery).

use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use metadata::{LedgerMetadata, LedgerState};
use tokio::sync::{mpsc, oneshot};
use types::{EntryId, LedgerId};

use crate::context::{quorums_of, ClientContext};
use crate::digest::LedgerKeys;
use crate::error::{ClientError, Result};
use crate::lac::read_lac;
use crate::read::{read_range, LedgerEntry};
use crate::writer::{UserMsg, WriterShared};

/// The writer's handle of a ledger. Cheap to clone; all clones share one writer.
#[derive(Clone)]
pub struct LedgerHandle {
    ctx: Arc<ClientContext>,
    keys: LedgerKeys,
    writer: mpsc::UnboundedSender<UserMsg>,
    shared: Arc<WriterShared>,
}

impl LedgerHandle {
    pub(crate) fn new(
        ctx: Arc<ClientContext>,
        keys: LedgerKeys,
        writer: mpsc::UnboundedSender<UserMsg>,
        shared: Arc<WriterShared>,
    ) -> Self {
        Self {
            ctx,
            keys,
            writer,
            shared,
        }
    }

    /// The ledger id.
    pub fn id(&self) -> LedgerId {
        self.keys.ledger_id
    }

    /// Adds `payload` as the next entry. The entry id is assigned now, in call order, and the
    /// request is on its way before this returns; the future resolves with the entry id once
    /// Qa bookies of its write set made it durable. Many adds may be in flight; they complete
    /// in entry-id order. Must be called inside a tokio runtime.
    pub fn add_entry(
        &self,
        payload: impl Into<Bytes>,
    ) -> impl Future<Output = Result<EntryId>> + Send + 'static {
        let (done, outcome) = oneshot::channel();
        let sent = self.writer.send(UserMsg::Add {
            payload: payload.into(),
            done,
        });
        async move {
            sent.map_err(|_| ClientError::Shutdown)?;
            outcome.await.map_err(|_| ClientError::Shutdown)?
        }
    }

    /// The last add confirmed: every entry up to it is acknowledged.
    pub fn last_add_confirmed(&self) -> EntryId {
        self.shared.lac.load(Ordering::Acquire)
    }

    /// The ledger's metadata as this writer last saw it.
    pub fn metadata(&self) -> LedgerMetadata {
        self.shared.metadata()
    }

    /// Reads entries `first..=last`, which must not be beyond the last add confirmed.
    pub async fn read(&self, first: EntryId, last: EntryId) -> Result<Vec<LedgerEntry>> {
        let lac = self.last_add_confirmed();
        if last > lac {
            return Err(ClientError::ReadBeyondEnd {
                ledger_id: self.id(),
                entry_id: last,
                last_readable: lac,
            });
        }
        read_range(&self.ctx, &self.keys, &self.metadata(), first, last).await
    }

    /// Waits for the pending adds, then closes the ledger (metadata CLOSED at the LAC).
    pub async fn close(&self) -> Result<()> {
        let (done, outcome) = oneshot::channel();
        self.writer
            .send(UserMsg::Close { done })
            .map_err(|_| ClientError::Shutdown)?;
        outcome.await.map_err(|_| ClientError::Shutdown)?
    }
}

/// A ledger opened for reading.
#[derive(Clone)]
pub struct ReadHandle {
    ctx: Arc<ClientContext>,
    keys: LedgerKeys,
    metadata: LedgerMetadata,
}

impl ReadHandle {
    pub(crate) fn new(ctx: Arc<ClientContext>, keys: LedgerKeys, metadata: LedgerMetadata) -> Self {
        Self {
            ctx,
            keys,
            metadata,
        }
    }

    /// The ledger id.
    pub fn id(&self) -> LedgerId {
        self.keys.ledger_id
    }

    /// The metadata read at open (closed after a recovery).
    pub fn metadata(&self) -> &LedgerMetadata {
        &self.metadata
    }

    /// Whether the ledger is closed (its last entry is final).
    pub fn is_closed(&self) -> bool {
        self.metadata.state == LedgerState::Closed
    }

    /// The last entry of a closed ledger (-1 if empty); `None` while it is open.
    pub fn last_entry_id(&self) -> Option<EntryId> {
        self.is_closed().then_some(self.metadata.last_entry_id)
    }

    /// The last add confirmed: the closed ledger's last entry, or for an open ledger what the
    /// ensemble reports (spec §6.4; v3 sends READ_LAC, v2 READ(-1)).
    pub async fn read_lac(&self) -> Result<EntryId> {
        if self.is_closed() {
            return Ok(self.metadata.last_entry_id);
        }
        let quorums = quorums_of(&self.metadata)?;
        let ensemble = self
            .metadata
            .ensembles
            .last()
            .map(|segment| segment.bookies.clone())
            .unwrap_or_default();
        Ok(read_lac(&self.ctx, &self.keys, &quorums, &ensemble, false)
            .await?
            .lac)
    }

    /// Reads entries `first..=last`. On a closed ledger `last` may be up to its last entry; on an
    /// open one up to the LAC (read it first with [`Self::read_lac`]).
    pub async fn read(&self, first: EntryId, last: EntryId) -> Result<Vec<LedgerEntry>> {
        if let Some(last_entry) = self.last_entry_id() {
            if last > last_entry {
                return Err(ClientError::ReadBeyondEnd {
                    ledger_id: self.id(),
                    entry_id: last,
                    last_readable: last_entry,
                });
            }
        }
        read_range(&self.ctx, &self.keys, &self.metadata, first, last).await
    }
}
