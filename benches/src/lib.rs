//! Benchmarks of the journal against the disk's own ceiling.
//!
//! This crate owns the measurement code shared by the binaries: the raw pipelined
//! `O_DIRECT` write + `fdatasync` ceiling (plain std, independent of the journal), the journal
//! load generator, and small helpers (aligned buffers, statistics).
//! Invariant: a ceiling and the journal it is compared with run in the same process, on the same
//! directory, one after the other, at the same sync size.

pub mod aligned;
pub mod ceiling;
pub mod journal_load;
pub mod latency;
