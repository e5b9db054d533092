//! [`Op`] and [`Outcome`]: what a request asks of a ledger's shard and what the shard answers,
//! independent of the wire protocol, so one request path serves v2 and v3 and can cross cores.
//!
//! Invariant: every value here is `Send` (it may travel to the core owning the ledger) and owns
//! its bytes as `Bytes` views of the frame it came from (no copy of entry bodies).

use bytes::Bytes;
use proto::v2::BatchEntries;
use proto::StatusCode;
use types::{EntryId, LedgerId, MasterKey};

/// A long-poll read: wait while the ledger's LAC is at most `previous_lac`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongPoll {
    /// The LAC the reader already knows.
    pub previous_lac: EntryId,
    /// How long to wait at most, in milliseconds (already capped by the config).
    pub timeout_ms: u64,
}

/// One operation on one ledger, routed to the core that owns the ledger.
#[derive(Debug, Clone)]
pub enum Op {
    /// ADD: store `body`, answer once durable.
    Add {
        /// The ledger.
        ledger_id: LedgerId,
        /// The entry.
        entry_id: EntryId,
        /// The writer's master key.
        master_key: MasterKey,
        /// The digest-protected entry, stored verbatim.
        body: Bytes,
        /// Recovery add: accepted on a fenced ledger.
        recovery: bool,
        /// High priority: accepted on a read-only bookie.
        high_priority: bool,
    },
    /// READ (optionally fencing first, optionally a long poll or a piggyback read).
    Read {
        /// The ledger.
        ledger_id: LedgerId,
        /// The entry; -1 = the last entry stored.
        entry_id: EntryId,
        /// Fence with this key before reading.
        fence_key: Option<MasterKey>,
        /// Wait for the LAC to pass a value first.
        long_poll: Option<LongPoll>,
        /// ENTRY_PIGGYBACK: answer entry previousLAC+1 when the LAC passed previousLAC.
        piggyback: bool,
        /// Put the ledger's LAC in the answer (v3 normal reads only).
        want_max_lac: bool,
    },
    /// v2 BATCH_READ (4.17): consecutive entries from `start_entry_id` (optionally fencing
    /// first), as many as `max_count` and the size budget allow; the first is always included.
    BatchRead {
        /// The ledger.
        ledger_id: LedgerId,
        /// The first entry.
        start_entry_id: EntryId,
        /// Most entries to answer; <= 0 means no count limit.
        max_count: i32,
        /// The client's response size budget, in bytes (the bookie also caps it).
        max_size_bytes: i64,
        /// Fence with this key before reading.
        fence_key: Option<MasterKey>,
    },
    /// WRITE_LAC: store an explicit LAC blob.
    WriteLac {
        /// The ledger.
        ledger_id: LedgerId,
        /// The writer's master key.
        master_key: MasterKey,
        /// The digest-protected LAC blob.
        blob: Bytes,
    },
    /// READ_LAC: the explicit LAC blob and the last entry.
    ReadLac {
        /// The ledger.
        ledger_id: LedgerId,
    },
    /// FORCE_LEDGER: answer once every earlier journal record is durable.
    ForceLedger {
        /// The ledger.
        ledger_id: LedgerId,
    },
    /// GET_LIST_OF_ENTRIES_OF_LEDGER.
    ListEntries {
        /// The ledger.
        ledger_id: LedgerId,
    },
}

impl Op {
    /// The ledger the operation is about (it decides the owning core).
    pub fn ledger_id(&self) -> LedgerId {
        match self {
            Op::Add { ledger_id, .. }
            | Op::Read { ledger_id, .. }
            | Op::BatchRead { ledger_id, .. }
            | Op::WriteLac { ledger_id, .. }
            | Op::ReadLac { ledger_id }
            | Op::ForceLedger { ledger_id }
            | Op::ListEntries { ledger_id } => *ledger_id,
        }
    }

    /// Whether the operation counts against the per-core add limit (else the read limit).
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Op::Add { .. } | Op::WriteLac { .. } | Op::ForceLedger { .. }
        )
    }
}

/// The answer of a shard to an [`Op`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// ADD, WRITE_LAC, FORCE_LEDGER: a status only.
    Status(StatusCode),
    /// READ.
    Read {
        /// The status.
        status: StatusCode,
        /// The entry id to answer with (differs from the request only for piggyback reads).
        entry_id: EntryId,
        /// The entry bytes (EOK only).
        body: Option<Bytes>,
        /// The ledger's LAC, when asked for.
        max_lac: Option<EntryId>,
    },
    /// BATCH_READ.
    BatchRead {
        /// The status.
        status: StatusCode,
        /// The entries read, in entry order (empty unless EOK).
        entries: BatchEntries,
    },
    /// READ_LAC.
    ReadLac {
        /// The status.
        status: StatusCode,
        /// The explicit LAC blob, if any.
        lac_body: Option<Bytes>,
        /// The last entry stored, if any.
        last_entry_body: Option<Bytes>,
    },
    /// GET_LIST_OF_ENTRIES_OF_LEDGER.
    Entries {
        /// The status.
        status: StatusCode,
        /// The encoded availability (EOK only).
        availability: Option<Bytes>,
    },
}

impl Outcome {
    /// An error outcome of the right shape for `op`.
    pub fn error_for(op: &Op, status: StatusCode) -> Self {
        match op {
            Op::Add { .. } | Op::WriteLac { .. } | Op::ForceLedger { .. } => {
                Outcome::Status(status)
            }
            Op::Read { entry_id, .. } => Outcome::Read {
                status,
                entry_id: *entry_id,
                body: None,
                max_lac: None,
            },
            Op::BatchRead { .. } => Outcome::BatchRead {
                status,
                entries: BatchEntries::default(),
            },
            Op::ReadLac { .. } => Outcome::ReadLac {
                status,
                lac_body: None,
                last_entry_body: None,
            },
            Op::ListEntries { .. } => Outcome::Entries {
                status,
                availability: None,
            },
        }
    }

    /// The status carried.
    pub fn status(&self) -> StatusCode {
        match self {
            Outcome::Status(status) => *status,
            Outcome::Read { status, .. }
            | Outcome::BatchRead { status, .. }
            | Outcome::ReadLac { status, .. }
            | Outcome::Entries { status, .. } => *status,
        }
    }
}
