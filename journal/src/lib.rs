//! The journal (write-ahead log) of the bookie. Placeholder doc, completed below.

#![deny(unsafe_code)]

mod completion;
mod config;
mod error;
mod file_name;
pub mod format;
mod group_commit;
mod journal;
mod journal_file;
mod offload;
mod replay;
mod set;
mod sleep;
mod thread;
mod waiter;

pub use config::{ConfigError, JournalConfig};
pub use error::{JournalError, ReplayError};
pub use journal::{Journal, JournalStats};
pub use replay::{replay, ReplayReport, StopReason};
pub use sleep::{Sleep, YieldOnce};
pub use waiter::{AppendCallback, AppendFuture, AppendResult};
pub use format::Record;
pub use offload::{SyncOffloadDir, SyncOffloadFile};
pub use thread::{JournalThread, RemoteAppend, SendCallback};
pub use completion::CompletionFuture;
pub use set::{journal_index, replay_set, JournalSet};
pub use journal_file::JournalFile;
