//! [`CoreContext`]: everything one core owns (its storage shard, its metrics, its outboxes to
//! the other cores) and the routing of an [`Op`] to the core that owns its ledger.
//!
//! Invariants:
//! - Ledger `l` is owned by core `floorMod(l, cores)`; only that core touches its shard.
//! - A request for another core's ledger crosses on a bounded SPSC channel (one per ordered
//!   pair of cores, fed by one forwarder task per peer so the channel has a single producer);
//!   the answer comes back through a oneshot that travels with the request.
//! - Per-core bounds: at most `add_requests_in_flight_max` writes and
//!   `read_requests_in_flight_max` reads run on a core's shard; beyond that ETOOMANYREQUESTS.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use disk::dma::DmaDir;
use disk::posix::PosixDir;
use disk::DurableDir;
use futures::channel::oneshot;
use glommio::channels::local_channel::LocalSender;
use proto::StatusCode;

use super::timer::GlommioTimer;
use crate::config::Config;
use crate::server::execute::{can_execute_add_now, execute, execute_add_then, ExecuteContext};
use crate::server::metrics::CoreMetrics;
use crate::server::op::{Op, Outcome};
use crate::server::state::BookieState;
use crate::storage_shard::StorageShard;

/// The production shard: journal and ledger store on glommio DMA files.
pub type Shard = StorageShard<DmaDir, DmaDir, GlommioTimer>;

/// A request crossing to the owning core, with the way back.
pub struct RemoteRequest {
    /// The operation.
    pub op: Op,
    /// Where the owning core sends the outcome.
    pub reply: oneshot::Sender<Outcome>,
}

/// Everything shared by the tasks of one core.
pub struct CoreContext {
    /// This core's index.
    pub core: usize,
    /// Number of cores (shards).
    pub cores: usize,
    /// This core's shard.
    pub shard: Rc<Shard>,
    /// The bookie-wide read-only state.
    pub state: Arc<BookieState>,
    /// This core's metrics.
    pub metrics: Arc<CoreMetrics>,
    /// Every core's metrics (for the admin server).
    pub all_metrics: Arc<Vec<Arc<CoreMetrics>>>,
    /// The configuration.
    pub config: Arc<Config>,
    /// The bookie id.
    pub bookie_id: Arc<str>,
    /// Handles on the ledger directories' roots, for disk space.
    pub ledger_roots: Vec<PosixDir>,
    /// Outboxes to the other cores, indexed by core (`None` for this core).
    pub outboxes: Vec<Option<LocalSender<RemoteRequest>>>,
    /// The timer.
    pub timer: GlommioTimer,
    writes_in_flight: Cell<usize>,
    reads_in_flight: Cell<usize>,
}

/// The core that owns `ledger_id`: `floorMod(ledger_id, cores)`.
pub fn owner_core(ledger_id: i64, cores: usize) -> usize {
    let cores_i64 = i64::try_from(cores.max(1)).unwrap_or(1);
    usize::try_from(ledger_id.rem_euclid(cores_i64)).unwrap_or(0)
}

/// A request submitted for execution: either already routed to another core, or to run here.
pub enum Submitted {
    /// Waits for the owning core's answer.
    Remote(oneshot::Receiver<Outcome>),
    /// Runs on this core's shard when awaited.
    Local(Op),
}

impl CoreContext {
    /// Builds a core's context.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        core: usize,
        cores: usize,
        shard: Rc<Shard>,
        state: Arc<BookieState>,
        all_metrics: Arc<Vec<Arc<CoreMetrics>>>,
        config: Arc<Config>,
        ledger_roots: Vec<PosixDir>,
        outboxes: Vec<Option<LocalSender<RemoteRequest>>>,
    ) -> Self {
        let metrics = all_metrics.get(core).cloned().unwrap_or_default();
        let bookie_id: Arc<str> = Arc::from(config.bookie_id());
        Self {
            core,
            cores,
            shard,
            state,
            metrics,
            all_metrics,
            config,
            bookie_id,
            ledger_roots,
            outboxes,
            timer: GlommioTimer,
            writes_in_flight: Cell::new(0),
            reads_in_flight: Cell::new(0),
        }
    }

    /// Hands `op` to its owning core, in call order: a remote op is queued on the outbox now
    /// (waiting while the outbox is full: that is the backpressure on the connection).
    pub async fn submit(&self, op: Op) -> Submitted {
        let owner = owner_core(op.ledger_id(), self.cores);
        let Some(Some(outbox)) = self.outboxes.get(owner) else {
            return Submitted::Local(op);
        };
        let (reply, answer) = oneshot::channel();
        if outbox.send(RemoteRequest { op, reply }).await.is_err() {
            // The forwarder is gone (the bookie is stopping): the dropped sender reads as EIO.
            tracing::error!(owner, "cross-core outbox closed");
        }
        Submitted::Remote(answer)
    }

    /// Waits for a submitted op's outcome.
    pub async fn complete(
        &self,
        submitted: Submitted,
        op_for_errors: impl FnOnce() -> Outcome,
    ) -> Outcome {
        match submitted {
            Submitted::Local(op) => self.execute_local(op).await,
            Submitted::Remote(answer) => answer.await.unwrap_or_else(|_| op_for_errors()),
        }
    }

    /// Runs `op` on this core's shard, within the per-core bounds.
    pub async fn execute_local(&self, op: Op) -> Outcome {
        let is_write = op.is_write();
        let is_add = matches!(op, Op::Add { .. });
        let (counter, limit) = if is_write {
            (
                &self.writes_in_flight,
                self.config.add_requests_in_flight_max,
            )
        } else {
            (
                &self.reads_in_flight,
                self.config.read_requests_in_flight_max,
            )
        };
        if counter.get() >= limit {
            return Outcome::error_for(&op, StatusCode::TooManyRequests);
        }
        counter.set(counter.get() + 1);
        let _guard = InFlight(counter);
        let started = Instant::now();
        let is_read = matches!(op, Op::Read { .. });
        let context = ExecuteContext {
            read_only: self.state.is_read_only(),
            batch_read_bytes_max: self
                .config
                .batch_read_bytes_max
                .min(self.config.frame_bytes_max as u64),
            timer: &self.timer,
        };
        let outcome = execute(&self.shard, op, context).await;
        let ok = outcome.status() == StatusCode::Ok;
        if is_add {
            self.metrics.add_entry.record(ok, started.elapsed());
        } else if is_read {
            self.metrics.read_entry.record(ok, started.elapsed());
        }
        outcome
    }

    /// Whether `op` is an ADD this core can take at once with [`add_now`](Self::add_now): its
    /// ledger is owned here, the per-core write bound has room, and the shard needs no wait.
    pub fn can_add_now(&self, op: &Op) -> bool {
        owner_core(op.ledger_id(), self.cores) == self.core
            && self.writes_in_flight.get() < self.config.add_requests_in_flight_max
            && can_execute_add_now(&self.shard, op, self.state.is_read_only())
    }

    /// Runs an ADD that [`can_add_now`](Self::can_add_now) without a task: `done` hears the
    /// outcome once the entry is durable (the same outcome and metrics as `execute_local`),
    /// with the instant it was known. `started` is when the request was dispatched (the
    /// caller's clock read, reused so the fast path reads the clock twice per add, not four
    /// times: at peak those reads were 5% of the bookie's CPU).
    pub fn add_now(
        self: &Rc<Self>,
        op: Op,
        started: Instant,
        done: impl FnOnce(Outcome, Instant) + 'static,
    ) {
        self.writes_in_flight.set(self.writes_in_flight.get() + 1);
        let context = Rc::clone(self);
        execute_add_then(&self.shard, op, move |outcome| {
            let writes = &context.writes_in_flight;
            writes.set(writes.get().saturating_sub(1));
            let ok = outcome.status() == StatusCode::Ok;
            let finished = Instant::now();
            let latency = finished.saturating_duration_since(started);
            context.metrics.add_entry.record(ok, latency);
            done(outcome, finished);
        });
    }

    /// Free and total bytes summed over the ledger directories.
    pub fn space_bytes(&self) -> (u64, u64) {
        self.ledger_roots
            .iter()
            .filter_map(|dir| dir.space_bytes().ok())
            .fold((0, 0), |(free, total), (dir_free, dir_total)| {
                (free + dir_free, total + dir_total)
            })
    }
}

/// Decrements an in-flight counter when the operation ends (also when it is cancelled).
struct InFlight<'a>(&'a Cell<usize>);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::owner_core;

    #[test]
    fn ledgers_map_to_cores_by_floor_mod() {
        assert_eq!(owner_core(0, 2), 0);
        assert_eq!(owner_core(5, 2), 1);
        assert_eq!(owner_core(-1, 2), 1);
        assert_eq!(owner_core(-4, 3), 2);
        assert_eq!(
            owner_core(i64::MIN, 3),
            owner_core(i64::MIN.rem_euclid(3), 3)
        );
        assert_eq!(owner_core(7, 1), 0);
    }
}
