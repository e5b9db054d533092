//! Resolving locations by running an operator's script, like BookKeeper's `ScriptBasedMapping`
//! (`networkTopologyScriptFileName`, spec §6.7).
//!
//! This is the crate's only I/O. The script is run with up to [`SCRIPT_ARGS_MAX`] host names as
//! arguments (the host part of each bookie id, as BookKeeper passes host names) and must print one
//! whitespace-separated network location per argument, in order.
//! Invariants: every invocation is bounded by the caller's timeout and the child is killed when it
//! runs past it; a non-zero exit, a wrong number of locations or a malformed location is a typed
//! error naming the script (and the bookie, where one is at fault), never a silent default.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use crate::location::{LocationError, NetworkLocation};
use crate::mapping::RackMapping;

/// Host names passed per invocation (BookKeeper's `net.topology.script.number.args` default).
pub const SCRIPT_ARGS_MAX: usize = 100;

/// How often a script that closed its output is checked for exit.
const EXIT_POLL_INTERVAL: Duration = Duration::from_millis(5);

/// Why a topology script did not yield locations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// The script could not be started.
    #[error("cannot run topology script {script:?}: {reason}")]
    Spawn {
        /// The script path.
        script: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The script ran past the timeout and was killed.
    #[error("topology script {script:?} did not finish within {timeout_ms} ms and was killed")]
    TimedOut {
        /// The script path.
        script: PathBuf,
        /// The timeout it ran past.
        timeout_ms: u128,
    },
    /// Waiting for the script failed.
    #[error("waiting for topology script {script:?} failed: {reason}")]
    Wait {
        /// The script path.
        script: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The script exited unsuccessfully.
    #[error("topology script {script:?} failed ({status}); stderr: {stderr}")]
    Failed {
        /// The script path.
        script: PathBuf,
        /// The exit status.
        status: String,
        /// What it wrote to stderr (lossily decoded, trimmed).
        stderr: String,
    },
    /// The output is not UTF-8.
    #[error("topology script {script:?} printed non-UTF-8 output")]
    NotUtf8 {
        /// The script path.
        script: PathBuf,
    },
    /// The script printed a different number of locations than it got host names.
    #[error("topology script {script:?} printed {got} locations for {expected} hosts: {output:?}")]
    WrongCount {
        /// The script path.
        script: PathBuf,
        /// Host names passed.
        expected: usize,
        /// Locations printed.
        got: usize,
        /// The output (trimmed).
        output: String,
    },
    /// A printed location is malformed.
    #[error("topology script {script:?} gave bookie {bookie}: {source}")]
    InvalidLocation {
        /// The script path.
        script: PathBuf,
        /// The bookie whose location is malformed.
        bookie: String,
        /// What is wrong with it.
        source: LocationError,
    },
}

/// Runs `script` for `bookies` and returns their mapping; unknown bookies later resolve to the
/// default location. `timeout` bounds each invocation of at most [`SCRIPT_ARGS_MAX`] bookies.
pub fn resolve_with_script(
    script: &Path,
    bookies: &[String],
    timeout: Duration,
) -> Result<RackMapping, ScriptError> {
    let mut mapping = RackMapping::default();
    for batch in bookies.chunks(SCRIPT_ARGS_MAX) {
        let hosts: Vec<&str> = batch.iter().map(|bookie| host_of(bookie)).collect();
        let output = run_bounded(script, &hosts, timeout)?;
        let locations: Vec<&str> = output.split_whitespace().collect();
        if locations.len() != batch.len() {
            return Err(ScriptError::WrongCount {
                script: script.to_path_buf(),
                expected: batch.len(),
                got: locations.len(),
                output: output.trim().to_string(),
            });
        }
        for (bookie, location) in batch.iter().zip(locations) {
            let location = NetworkLocation::parse(location).map_err(|source| {
                ScriptError::InvalidLocation {
                    script: script.to_path_buf(),
                    bookie: bookie.clone(),
                    source,
                }
            })?;
            mapping.insert(bookie.clone(), location);
        }
    }
    Ok(mapping)
}

/// The host part of a bookie id: `host:port` -> `host`, `[v6]:port` -> `v6`, anything else as is.
pub fn host_of(bookie: &str) -> &str {
    match bookie.rsplit_once(':') {
        Some((host, port))
            if !port.is_empty() && port.bytes().all(|byte| byte.is_ascii_digit()) =>
        {
            host.strip_prefix('[')
                .and_then(|inner| inner.strip_suffix(']'))
                .unwrap_or(host)
        }
        _ => bookie,
    }
}

/// Runs `script hosts...` and returns its stdout, killing it at `timeout`.
fn run_bounded(script: &Path, hosts: &[&str], timeout: Duration) -> Result<String, ScriptError> {
    let deadline = Instant::now() + timeout;
    let mut child = Command::new(script)
        .args(hosts)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| ScriptError::Spawn {
            script: script.to_path_buf(),
            reason: error.to_string(),
        })?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let timed_out = || ScriptError::TimedOut {
        script: script.to_path_buf(),
        timeout_ms: timeout.as_millis(),
    };
    let Ok(stdout_bytes) = stdout.recv_timeout(deadline.saturating_duration_since(Instant::now()))
    else {
        kill(&mut child);
        return Err(timed_out());
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                kill(&mut child);
                return Err(timed_out());
            }
            Ok(None) => thread::park_timeout(EXIT_POLL_INTERVAL),
            Err(error) => {
                kill(&mut child);
                return Err(ScriptError::Wait {
                    script: script.to_path_buf(),
                    reason: error.to_string(),
                });
            }
        }
    };
    if !status.success() {
        // The script exited, so its stderr is closed unless it left a child holding it open.
        let stderr_bytes = stderr
            .recv_timeout(EXIT_POLL_INTERVAL * 20)
            .unwrap_or_default();
        return Err(ScriptError::Failed {
            script: script.to_path_buf(),
            status: status.to_string(),
            stderr: String::from_utf8_lossy(&stderr_bytes).trim().to_string(),
        });
    }
    String::from_utf8(stdout_bytes).map_err(|_| ScriptError::NotUtf8 {
        script: script.to_path_buf(),
    })
}

/// Reads a pipe to its end on a helper thread, so a full stderr pipe cannot stall stdout.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> Receiver<Vec<u8>> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error ends the output early; the exit status and count check report it.
            let _ = pipe.read_to_end(&mut bytes);
        }
        let _ = sender.send(bytes);
    });
    receiver
}

fn kill(child: &mut Child) {
    // The child may already have exited; either way it must not outlive the call.
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_of_strips_numeric_port_and_ipv6_brackets() {
        assert_eq!(host_of("127.0.0.1:3181"), "127.0.0.1");
        assert_eq!(host_of("[::1]:3181"), "::1");
        assert_eq!(host_of("bookie-7"), "bookie-7");
        assert_eq!(host_of("bookie:abc"), "bookie:abc");
    }
}
