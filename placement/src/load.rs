//! Per-bookie load hints for optional load-aware tie-breaking.
//!
//! BookKeeper's placement is load-blind: among valid candidates it picks at random, and a busy or
//! nearly full bookie is as likely to be chosen as an idle one (BP-65, load-aware placement, is
//! still open upstream). Load-blind choices are a known cause of multi-second p99 add latencies
//! when one bookie is saturated. This module owns the hint type and its ordering; it never decides
//! validity. Hints only break ties between candidates that the constraints rank equally, so
//! turning them on never makes a placement less fault tolerant.
//! It is off by default so that the default behaviour matches BookKeeper's.

use std::cmp::Reverse;

/// What a bookie last reported about its load; gathered by the caller, never measured here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadHint {
    /// Free bytes on the bookie's ledger disks.
    pub free_disk_bytes: u64,
    /// Requests in flight on the bookie (adds plus reads), as last reported.
    pub in_flight_requests: u64,
}

/// Sort key: lower is preferred. Known hints rank before unknown ones, then fewer requests in
/// flight, then more free disk.
pub(crate) type LoadKey = (bool, u64, Reverse<u64>);

/// The sort key of an optional hint.
pub(crate) fn load_key(hint: Option<&LoadHint>) -> LoadKey {
    match hint {
        Some(hint) => (
            false,
            hint.in_flight_requests,
            Reverse(hint.free_disk_bytes),
        ),
        None => (true, 0, Reverse(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fewer_requests_in_flight_rank_first_then_more_free_disk() {
        let idle = LoadHint {
            free_disk_bytes: 10,
            in_flight_requests: 1,
        };
        let busy = LoadHint {
            free_disk_bytes: 1000,
            in_flight_requests: 50,
        };
        let idle_roomy = LoadHint {
            free_disk_bytes: 20,
            in_flight_requests: 1,
        };
        assert!(load_key(Some(&idle)) < load_key(Some(&busy)));
        assert!(load_key(Some(&idle_roomy)) < load_key(Some(&idle)));
    }

    #[test]
    fn unknown_load_ranks_after_any_known_load() {
        let busy = LoadHint {
            free_disk_bytes: 0,
            in_flight_requests: u64::MAX,
        };
        assert!(load_key(Some(&busy)) < load_key(None));
    }
}
