//! Compaction pacing: the [`Sleep`] trait the caller injects (a glommio timer in the bookie, a
//! recorder in tests) and [`CompactionRate`], which turns work done into a pause.
//!
//! Invariant: pacing never reads a clock; the pause after a batch is exactly the time that batch
//! may take at the configured rate, so a run is deterministic for a given input.

use std::time::Duration;

/// Waits for a while without blocking the thread (other tasks run meanwhile).
pub trait Sleep {
    /// Completes after `duration`.
    async fn sleep(&self, duration: Duration);
}

/// A sleep that is over at once: the pacer of work that runs at [`CompactionRate::Unlimited`]
/// (an unpaced flush or checkpoint), where no pause is ever asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPause;

impl Sleep for NoPause {
    async fn sleep(&self, _duration: Duration) {}
}

/// How fast compaction may copy entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompactionRate {
    /// At most this many entries per second (BookKeeper's compactionRateByEntries, default 1000).
    EntriesPerSecond(u64),
    /// At most this many record bytes per second.
    BytesPerSecond(u64),
    /// No pause (still yields between batches).
    Unlimited,
}

impl CompactionRate {
    /// The pause after a batch of `entries` entries and `bytes` bytes.
    pub fn pause_after(self, entries: u64, bytes: u64) -> Duration {
        let seconds_of = |work: u64, per_second: u64| {
            if per_second == 0 {
                Duration::ZERO
            } else {
                Duration::from_nanos(
                    u64::try_from(u128::from(work) * 1_000_000_000 / u128::from(per_second))
                        .unwrap_or(u64::MAX),
                )
            }
        };
        match self {
            CompactionRate::EntriesPerSecond(rate) => seconds_of(entries, rate),
            CompactionRate::BytesPerSecond(rate) => seconds_of(bytes, rate),
            CompactionRate::Unlimited => Duration::ZERO,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pause_is_the_time_the_batch_may_take_at_the_rate() {
        assert_eq!(
            CompactionRate::EntriesPerSecond(1000).pause_after(100, 1 << 20),
            Duration::from_millis(100)
        );
        assert_eq!(
            CompactionRate::BytesPerSecond(1 << 20).pause_after(1, 1 << 19),
            Duration::from_millis(500)
        );
        assert_eq!(
            CompactionRate::Unlimited.pause_after(100, 100),
            Duration::ZERO
        );
        assert_eq!(
            CompactionRate::EntriesPerSecond(0).pause_after(100, 100),
            Duration::ZERO
        );
    }
}
