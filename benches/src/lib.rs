//! The benchmark harness (`bench` binary) and the measurement code behind it.
//!
//! `harness/` holds the load side: the [`harness::AddTarget`]/[`harness::ReadTarget`] traits,
//! the single-bookie tokio target, the open/closed-loop driver with coordinated-omission
//! correction, HdrHistogram statistics, the disk probes, fio comparison, JSON reports and PNG
//! plots. `cli/` holds the `bench` subcommands. `ceiling.rs` is the raw pipelined `O_DIRECT`
//! write + `fdatasync` ceiling (plain std, independent of the journal), `journal_load.rs` the
//! journal load generator, `latency.rs` the qd1 engine comparison.
//! Invariants: a ceiling and the system it is compared with run in the same process, on the
//! same directory, one after the other; every load report carries the disk ceiling measured in
//! the same run (unless explicitly skipped) and the load average before and after.

pub mod aligned;
pub mod ceiling;
pub mod cli;
pub mod harness;
pub mod journal_load;
pub mod latency;
