//! The harness's one error type. Every message says what went wrong and, for bad input, which
//! flag to change.

/// Why a benchmark could not run or finish.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A flag has a value the harness cannot use.
    #[error("--{flag}: {message}")]
    BadFlag {
        /// The flag, without the dashes.
        flag: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The target could not be reached.
    #[error("cannot connect to {address}: {message}; is a bookie listening there (e.g. `scripts/start.sh`)?")]
    Connect {
        /// The address.
        address: String,
        /// The OS error.
        message: String,
    },
    /// The connection failed or was closed while requests were outstanding.
    #[error("connection to {address} lost: {message}")]
    ConnectionLost {
        /// The address.
        address: String,
        /// What happened.
        message: String,
    },
    /// The bookie answered something the harness did not ask for or cannot decode.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The bookie answered an operation with an error status.
    #[error("{operation} failed with status {status}")]
    Status {
        /// ADD or READ.
        operation: &'static str,
        /// The status name.
        status: String,
    },
    /// A request got no answer in time.
    #[error("{0} outstanding requests got no answer within {1:?}")]
    Timeout(usize, std::time::Duration),
    /// Local I/O (the disk probes, writing reports).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A feature that needs a crate not yet in the workspace.
    #[error("{0}")]
    Unsupported(String),
    /// Anything else, with its message.
    #[error("{0}")]
    Other(String),
}

impl BenchError {
    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}
