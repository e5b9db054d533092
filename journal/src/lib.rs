//! The journal (write-ahead log) of the bookie: every add, ledger key, fence and explicit LAC is
//! made durable here before it is acknowledged.
//!
//! # Durability contract
//! - [`Journal::append`] queues a record and returns a future that resolves `Ok(end position)`
//!   only after an fsync that covers the record returned success. Records are written in
//!   `append` call order.
//! - [`Journal::written_pos`] (written, not durable) and [`Journal::durable_pos`] (fsynced) are
//!   kept apart; `durable_pos` is a valid checkpoint mark.
//! - A failed write or fsync poisons the journal: queued and unsynced appends fail, later ones
//!   fail with [`JournalError::Poisoned`], nothing more is acknowledged, and the bookie must
//!   restart and [`replay`]. ENOSPC is [`JournalError::NoSpace`] and poisons the same way.
//! - Every [`Journal::open`] creates a fresh file (`max id + 1`); files are never appended to
//!   after a restart and never rewritten.
//! - [`replay`] visits every record after a mark in order, across files; a torn tail ends a
//!   file normally, a damaged record that a later batch proves was durable is
//!   [`ReplayError::Corrupt`].
//! - [`Journal::trim_below`] deletes files wholly below a checkpoint mark.
//!
//! # What the checkpoint logic uses (keep stable)
//! `append` (of [`Record::Entry`], [`Record::LedgerKey`], [`Record::Fence`],
//! [`Record::ExplicitLac`]), `durable_pos`, [`replay`], `trim_below`; for several directories
//! [`JournalSet`] and [`replay_set`] with one mark per directory.
//!
//! # Running it
//! The crate is runtime-neutral and single-threaded: poll [`Journal::run_writer`] on the same
//! thread as the appenders (spawn it on a glommio `LocalExecutor`, or join it with the appenders
//! under `futures_lite::future::block_on` in tests). The group wait uses the [`Sleep`] trait.
//! The measured production engine is [`JournalThread`]: the journal on its own OS thread,
//! writes on a write thread and fdatasync on a sync thread ([`SyncOffloadDir`] over
//! `disk::posix::PosixDir`), fed by a bounded channel from any thread.
//!
//! The byte format is in [`format`](mod@format) and `docs/notes/journal-format.md`.

#![deny(unsafe_code)]

mod completion;
mod config;
mod error;
mod file_name;
pub mod format;
mod group_commit;
mod journal;
mod offload;
mod replay;
mod set;
mod sleep;
mod thread;
mod waiter;
mod zero_fill;

pub use completion::CompletionFuture;
pub use config::{ConfigError, JournalConfig};
pub use error::{JournalError, ReplayError};
pub use format::Record;
pub use journal::{Journal, JournalStats};
pub use offload::{SyncOffloadDir, SyncOffloadFile};
pub use replay::{replay, ReplayReport, StopReason};
pub use set::{journal_index, replay_set, JournalSet};
pub use sleep::{Sleep, YieldOnce};
pub use thread::{JournalThread, RemoteAppend, SendCallback};
pub use waiter::{AppendCallback, AppendFuture, AppendResult};
