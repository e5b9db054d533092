//! [`LedgerStore`]: the ledger store of one ledger directory.
//!
//! Owns the write cache, the read cache, the in-memory index, the ledger states, the entry-log
//! writer, the index journal and the open entry logs. All methods take `&self`; state lives in
//! `RefCell`/`Cell` and no borrow is ever held across an `.await`, so reads and adds on the same
//! core proceed while a flush, GC or compaction waits on the disk.
//!
//! Durability contract (the storage half of the checkpoint):
//! - [`LedgerStore::flush`] makes durable every entry add, ledger creation, fence, explicit LAC
//!   and deletion accepted before it was called. When it returns `Ok`, the journal may be trimmed
//!   below any mark taken before the call. Adds accepted while it runs land in the other
//!   write-cache half and are covered by the next flush.
//! - A failed flush advanced nothing: the entries stay cached and the flush may be retried, unless
//!   the error was a failed fsync ([`StoreError::SyncFailed`]), after which the store is poisoned:
//!   writes and flushes return [`StoreError::Poisoned`] until it is reopened, which recovers the
//!   state of the last completed flush (the journal replays the rest).
//! - Reopening after a crash yields at least everything of the last flush that returned `Ok`
//!   (later changes may be present, in whole entries); nothing corrupt is ever returned by a read
//!   (checksums are verified).
//!
//! Maintenance operations (flush, GC, compaction steps) are serialised by one [`Gate`]; only the
//! gate holder touches the writer, the index journal, or the in-memory index.

mod compact;
mod flush;
mod gc;
mod lease;
pub(crate) mod ledgers;
mod open;
mod read;
mod read_coalesce;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use disk::{DurableDir, DurableFile};
use types::LedgerId;

pub use compact::CompactionReport;
pub use flush::FlushReport;
pub use gc::GcReport;
pub use ledgers::ENTRY_BODY_BYTES_MIN;

use crate::config::StoreConfig;
use crate::entry_log::reader::LogFile;
use crate::entry_log::writer::EntryLogWriter;
use crate::error::StoreError;
use crate::gate::Gate;
use crate::index::journal::IndexJournal;
use crate::index::memory::MemoryIndex;
use crate::ledger_state::LedgerState;
use crate::read_cache::ReadCache;
use crate::write_cache::WriteCache;

/// The ledger store of one directory. Single-threaded: use it from one core.
pub struct LedgerStore<D: DurableDir> {
    dir: D,
    config: StoreConfig,
    gate: Gate,
    poisoned: Cell<bool>,
    states: RefCell<BTreeMap<LedgerId, LedgerState>>,
    /// Bumped on every change of `states`.
    states_version: Cell<u64>,
    /// The `states_version` that the durable `ledgers.state` reflects. Only a successful flush
    /// advances it, so a failed or cancelled flush leaves the changes pending.
    states_durable_version: Cell<u64>,
    /// Ledgers deleted whose index tombstone is not durable yet.
    pending_deletions: RefCell<BTreeSet<LedgerId>>,
    write_cache: RefCell<WriteCache>,
    read_cache: RefCell<ReadCache>,
    /// Entry-log reads in flight, joined by concurrent misses inside their span.
    span_reads: read_coalesce::SpanReads,
    index: RefCell<MemoryIndex>,
    logs: RefCell<BTreeMap<u32, Rc<LogFile<D::File>>>>,
    writer: RefCell<Option<EntryLogWriter<D::File>>>,
    journal: RefCell<Option<IndexJournal<D::File>>>,
    /// Bytes of index journals of older generations that the next snapshot makes obsolete.
    journal_bytes_older: Cell<u64>,
    /// Sequence number of the last durable index batch.
    index_seq: Cell<u64>,
}

impl<D: DurableDir> LedgerStore<D> {
    /// Whether a failed fsync poisoned the store (reopen it to recover).
    pub fn is_poisoned(&self) -> bool {
        self.poisoned.get()
    }

    /// The configuration the store runs with.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Sum of the sizes of every file in the store's directory, in bytes.
    pub async fn disk_usage_bytes(&self) -> Result<u64, StoreError> {
        let mut total_bytes = 0;
        for name in self.dir.list_files().await? {
            let file = self.dir.open_file(&name).await?;
            total_bytes += file.size_bytes().await?;
        }
        Ok(total_bytes)
    }

    /// Number of entry logs in the directory.
    pub fn entry_log_count(&self) -> usize {
        self.logs.borrow().len()
    }

    /// Bytes of entry bodies in the (active, flushing) write-cache halves.
    pub fn write_cache_bytes(&self) -> (u64, u64) {
        self.write_cache.borrow().bytes()
    }

    /// Whether an add of a `body_bytes` body would find room in the write cache now (else
    /// `add_entry` answers `WriteCacheFull` until a flush swaps the halves).
    pub fn write_cache_has_room(&self, body_bytes: usize) -> bool {
        self.write_cache.borrow().has_room(body_bytes)
    }

    fn mark_states_changed(&self) {
        self.states_version.set(self.states_version.get() + 1);
    }

    fn check_not_poisoned(&self) -> Result<(), StoreError> {
        if self.poisoned.get() {
            return Err(StoreError::Poisoned);
        }
        Ok(())
    }

    /// Poisons the store if `error` leaves durability unknown; passes the error on.
    fn note_error(&self, error: StoreError) -> StoreError {
        if error.poisons() {
            tracing::error!(%error, "ledger store poisoned; it must be reopened");
            self.poisoned.set(true);
        }
        error
    }

    /// Adds logs the writer created to the table of open logs.
    fn register_created(&self, writer: &mut EntryLogWriter<D::File>) {
        let mut logs = self.logs.borrow_mut();
        for (log_id, file) in writer.take_created() {
            logs.insert(log_id, Rc::new(LogFile::new(log_id, file, true)));
        }
    }
}
