//! [`JournalSet`]: several journal directories (one per disk), each an independent [`Journal`].
//! A ledger always goes to journal `floorMod(ledger_id, n)` (BookKeeper's rule, sign-safe), so
//! its records stay in order; replay and trim take one mark per directory.
//!
//! Invariant: the routing depends only on the ledger id and the number of directories, which
//! must therefore not change between a run and the replay of its journals.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use disk::DurableDir;
use types::{JournalPos, LedgerId};

use crate::config::JournalConfig;
use crate::error::{JournalError, ReplayError};
use crate::format::Record;
use crate::journal::Journal;
use crate::replay::{replay, ReplayReport};
use crate::sleep::Sleep;
use crate::waiter::AppendFuture;

/// One journal per directory, with ledgers routed by `floorMod(ledger_id, n)`.
pub struct JournalSet<D: DurableDir, S: Sleep> {
    journals: Vec<Journal<D, S>>,
}

/// The index of the journal that holds `ledger_id` among `journals_len` journals.
///
/// # Panics
/// If `journals_len` is 0.
pub fn journal_index(ledger_id: LedgerId, journals_len: usize) -> usize {
    assert!(journals_len > 0, "a journal set has at least one journal");
    ledger_id.rem_euclid(journals_len as i64) as usize
}

impl<D: DurableDir, S: Sleep + Clone> JournalSet<D, S> {
    /// Opens one journal (a fresh file) in each directory, in order.
    pub async fn open(dirs: Vec<D>, config: JournalConfig, sleep: S) -> Result<Self, JournalError> {
        if dirs.is_empty() {
            return Err(JournalError::Config(crate::config::ConfigError {
                reason: "no journal directory".to_owned(),
            }));
        }
        let mut journals = Vec::with_capacity(dirs.len());
        for dir in dirs {
            journals.push(Journal::open(dir, config, sleep.clone()).await?);
        }
        Ok(Self { journals })
    }
}

impl<D: DurableDir, S: Sleep> JournalSet<D, S> {
    /// The journals, in directory order.
    pub fn journals(&self) -> &[Journal<D, S>] {
        &self.journals
    }

    /// The journal that holds `ledger_id`.
    pub fn journal_for(&self, ledger_id: LedgerId) -> &Journal<D, S> {
        &self.journals[journal_index(ledger_id, self.journals.len())]
    }

    /// Appends to the ledger's journal (see [`Journal::append`]).
    pub fn append(&self, record: Record) -> AppendFuture {
        self.journal_for(record.ledger_id()).append(record)
    }

    /// The durable position of each journal: together, the checkpoint mark of the set.
    pub fn durable_positions(&self) -> Vec<JournalPos> {
        self.journals.iter().map(Journal::durable_pos).collect()
    }

    /// Whether any journal is poisoned.
    pub fn is_poisoned(&self) -> bool {
        self.journals.iter().any(Journal::is_poisoned)
    }

    /// Closes every journal (see [`Journal::close`]).
    pub fn close(&self) {
        self.journals.iter().for_each(Journal::close);
    }

    /// Runs every journal's writer concurrently until all return; the first error, if any.
    pub async fn run_writers(&self) -> Result<(), JournalError> {
        let writers: Vec<_> = self
            .journals
            .iter()
            .map(|journal| Box::pin(journal.run_writer()))
            .collect();
        let results = JoinAll {
            futures: writers.into_iter().map(Some).collect(),
            results: Vec::new(),
        }
        .await;
        results.into_iter().collect()
    }

    /// Trims each journal below its own mark (`marks[i]` for journal `i`); files removed in all.
    pub async fn trim_below(&self, marks: &[JournalPos]) -> Result<usize, JournalError> {
        let mut removed = 0;
        for (journal, mark) in self.journals.iter().zip(marks) {
            removed += journal.trim_below(*mark).await?;
        }
        Ok(removed)
    }
}

/// Replays every directory from its own mark, one directory after another (records of one
/// ledger live in one directory, so per-ledger order is kept). One report per directory.
pub async fn replay_set<D, V>(
    dirs: &[D],
    marks: &[JournalPos],
    mut visitor: V,
) -> Result<Vec<ReplayReport>, ReplayError>
where
    D: DurableDir,
    V: FnMut(usize, JournalPos, Record),
{
    let mut reports = Vec::with_capacity(dirs.len());
    for (index, dir) in dirs.iter().enumerate() {
        let mark = marks.get(index).copied().unwrap_or(JournalPos::ZERO);
        reports.push(replay(dir, mark, |pos, record| visitor(index, pos, record)).await?);
    }
    Ok(reports)
}

/// Polls a list of futures until all are done, keeping results in order.
struct JoinAll<F: Future> {
    futures: Vec<Option<Pin<Box<F>>>>,
    results: Vec<Option<F::Output>>,
}

impl<F: Future> Future for JoinAll<F>
where
    F::Output: Unpin,
{
    type Output = Vec<F::Output>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.results.len() < this.futures.len() {
            this.results.resize_with(this.futures.len(), || None);
        }
        for (slot, result) in this.futures.iter_mut().zip(this.results.iter_mut()) {
            if let Some(future) = slot {
                if let Poll::Ready(output) = future.as_mut().poll(context) {
                    *result = Some(output);
                    *slot = None;
                }
            }
        }
        if this.futures.iter().all(Option::is_none) {
            return Poll::Ready(this.results.drain(..).flatten().collect());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_is_floor_mod_and_sign_safe() {
        assert_eq!(journal_index(7, 3), 1);
        assert_eq!(journal_index(-1, 3), 2);
        assert_eq!(journal_index(-3, 3), 0);
        assert_eq!(journal_index(i64::MIN, 2), 0);
        assert_eq!(journal_index(5, 1), 0);
    }
}
