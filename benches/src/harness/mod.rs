//! The benchmark harness behind the `bench` binary: targets, the load driver, statistics,
//! disk probes, reports and plots. See `src/bin/bench.rs` for the commands.

pub mod bookie_target;
pub mod cluster_target;
pub mod disk;
pub mod error;
pub mod fio;
pub mod load;
pub mod pacer;
pub mod plot;
pub mod progress;
pub mod report;
pub mod stats;
pub mod target;

pub use error::BenchError;
pub use target::{AddTarget, BoxFuture, EntryPosition, Protocol, ReadTarget};
