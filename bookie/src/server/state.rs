//! [`BookieState`]: the bookie-wide mode (writable or read-only), shared by every core.
//!
//! Owns the read-only decision: the disk monitor sets or clears the disk-full reason, the admin
//! endpoint sets or clears the forced reason; the bookie is read-only while either is set.
//! It is two atomics read with relaxed loads on the request path (no lock).
//! It also carries the stop request (SIGTERM/SIGINT, or [`BookieState::request_stop`]) that every
//! core and the registration thread watch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Why the bookie is read-only, if it is.
#[derive(Debug, Default)]
pub struct BookieState {
    disk_full: AtomicBool,
    forced_read_only: AtomicBool,
    stopping: Arc<AtomicBool>,
}

impl BookieState {
    /// Asks the bookie to stop cleanly: stop accepting, drain the journal, checkpoint,
    /// unregister.
    pub fn request_stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    /// Whether a stop was requested.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// The stop flag itself, for a signal handler to set (`signal_hook::flag::register`).
    pub fn stop_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stopping)
    }

    /// Whether normal adds and explicit-LAC writes are refused now.
    pub fn is_read_only(&self) -> bool {
        self.disk_full.load(Ordering::Relaxed) || self.forced_read_only.load(Ordering::Relaxed)
    }

    /// Whether the disk monitor found the ledger disks full at its last check.
    pub fn is_disk_full(&self) -> bool {
        self.disk_full.load(Ordering::Relaxed)
    }

    /// Records the disk monitor's verdict; returns whether the mode changed.
    pub fn set_disk_full(&self, full: bool) -> bool {
        let before = self.is_read_only();
        self.disk_full.store(full, Ordering::Relaxed);
        before != self.is_read_only()
    }

    /// The operator (or a test) forces read-only mode on or off; returns whether the mode changed.
    pub fn set_forced_read_only(&self, forced: bool) -> bool {
        let before = self.is_read_only();
        self.forced_read_only.store(forced, Ordering::Relaxed);
        before != self.is_read_only()
    }

    /// A word for logs and /health: "writable" or "readonly".
    pub fn mode_name(&self) -> &'static str {
        if self.is_read_only() {
            "readonly"
        } else {
            "writable"
        }
    }
}

/// The disk monitor's rule: full above `threshold`, writable again below `lwm_threshold`, and
/// unchanged in between (hysteresis). `usages` are the ledger directories' used fractions; the
/// bookie is full when every directory is full (BookKeeper's default).
pub fn disk_full_verdict(
    usages: &[f64],
    was_full: bool,
    threshold: f64,
    lwm_threshold: f64,
) -> bool {
    if usages.is_empty() {
        return was_full;
    }
    if usages.iter().all(|usage| *usage > threshold) {
        true
    } else if usages.iter().any(|usage| *usage < lwm_threshold) {
        false
    } else {
        was_full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_verdict_has_hysteresis_between_the_thresholds() {
        assert!(disk_full_verdict(&[0.97], false, 0.95, 0.9));
        assert!(disk_full_verdict(&[0.92], true, 0.95, 0.9));
        assert!(!disk_full_verdict(&[0.92], false, 0.95, 0.9));
        assert!(!disk_full_verdict(&[0.5], true, 0.95, 0.9));
        assert!(!disk_full_verdict(&[0.97, 0.5], false, 0.95, 0.9));
    }

    #[test]
    fn read_only_while_either_reason_holds() {
        let state = BookieState::default();
        assert!(!state.is_read_only());
        assert!(state.set_forced_read_only(true));
        assert!(!state.set_disk_full(true));
        assert!(!state.set_forced_read_only(false));
        assert!(state.is_read_only());
        assert!(state.set_disk_full(false));
        assert_eq!(state.mode_name(), "writable");
    }
}
