//! `RLIMIT_MEMLOCK`: read it, raise the soft limit up to the hard limit if needed, or explain.

#![allow(unsafe_code)]

use super::PreflightError;

/// glommio 0.9 refuses to create an executor when the soft `RLIMIT_MEMLOCK` is below this.
pub const GLOMMIO_MEMLOCK_MIN_BYTES: u64 = 512 * 1024;

/// A conservative estimate of the locked memory one glommio executor with `io_memory_bytes` of
/// registered I/O memory wants: glommio registers that memory with each of its three rings, and
/// the kernel may account each registration separately; never less than glommio's minimum.
pub fn glommio_memlock_bytes(io_memory_bytes: u64) -> u64 {
    io_memory_bytes
        .saturating_mul(3)
        .max(GLOMMIO_MEMLOCK_MIN_BYTES)
}

/// What to do given the limits found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Enough,
    RaiseSoftToHard,
    TooLow,
}

fn decide(required_bytes: u64, soft_bytes: u64, hard_bytes: u64) -> Decision {
    if soft_bytes >= required_bytes {
        Decision::Enough
    } else if hard_bytes >= required_bytes {
        Decision::RaiseSoftToHard
    } else {
        Decision::TooLow
    }
}

/// `RLIM_INFINITY` as `u64::MAX`, every other value in bytes.
fn to_bytes(limit: libc::rlim_t) -> u64 {
    if limit == libc::RLIM_INFINITY {
        u64::MAX
    } else {
        limit
    }
}

/// Ensures this process may lock at least `required_bytes`: succeeds if the soft
/// `RLIMIT_MEMLOCK` already allows it, raises the soft limit to the hard limit if that suffices,
/// and otherwise fails with an error naming `ulimit -l` and `LimitMEMLOCK=`.
pub fn check_memlock(required_bytes: u64) -> Result<(), PreflightError> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable `rlimit` that outlives the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut limit) } != 0 {
        let message = std::io::Error::last_os_error().to_string();
        return Err(PreflightError::MemlockSyscall {
            operation: "read",
            message,
        });
    }
    let soft_bytes = to_bytes(limit.rlim_cur);
    let hard_bytes = to_bytes(limit.rlim_max);
    match decide(required_bytes, soft_bytes, hard_bytes) {
        Decision::Enough => Ok(()),
        Decision::TooLow => Err(PreflightError::MemlockTooLow {
            required_bytes,
            soft_bytes,
            hard_bytes,
            required_kib: required_bytes.div_ceil(1024),
        }),
        Decision::RaiseSoftToHard => {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            // SAFETY: `raised` is a valid `rlimit` that outlives the call; raising the soft limit
            // up to the hard limit needs no privilege.
            if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &raised) } != 0 {
                let message = std::io::Error::last_os_error().to_string();
                return Err(PreflightError::MemlockSyscall {
                    operation: "raise",
                    message,
                });
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decision_raises_the_soft_limit_only_when_the_hard_limit_allows() {
        assert_eq!(decide(100, 100, 100), Decision::Enough);
        assert_eq!(decide(100, 50, 200), Decision::RaiseSoftToHard);
        assert_eq!(decide(100, 50, u64::MAX), Decision::RaiseSoftToHard);
        assert_eq!(decide(300, 50, 200), Decision::TooLow);
    }

    #[test]
    fn small_requirement_passes_on_this_machine() {
        check_memlock(64 * 1024).expect("64 KiB of memlock");
    }

    #[test]
    fn impossible_requirement_fails_with_a_message_naming_the_fix_unless_unlimited() {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `limit` is a valid, writable `rlimit` that outlives the call.
        let read = unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut limit) };
        assert_eq!(read, 0);
        let result = check_memlock(u64::MAX - 1);
        if limit.rlim_max == libc::RLIM_INFINITY {
            assert!(
                result.is_ok(),
                "an unlimited hard limit satisfies any requirement"
            );
            return;
        }
        let message = result.expect_err("beyond the hard limit").to_string();
        assert!(message.contains("ulimit -l"), "{message}");
        assert!(message.contains("LimitMEMLOCK="), "{message}");
    }

    #[test]
    fn glommio_estimate_is_three_registrations_and_at_least_the_minimum() {
        assert_eq!(glommio_memlock_bytes(0), GLOMMIO_MEMLOCK_MIN_BYTES);
        assert_eq!(glommio_memlock_bytes(10 << 20), 30 << 20);
    }
}
