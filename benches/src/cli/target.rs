//! The flags choosing what a load runs against, and building that target.
//!
//! `--bookie host:port` is one bookie without metadata ([`BookieTarget`]). `--metadata-uri`
//! with E/Qw/Qa selects cluster mode ([`ClusterTarget`]: ledgers created through the client
//! library with these quorums over the registered bookies); `bench writes` runs on either,
//! `bench reads` on one bookie.

use std::sync::Arc;

use crate::harness::bookie_target::{BookieTarget, BookieTargetConfig};
use crate::harness::cluster_target::ClusterTarget;
use crate::harness::report::Quorums;
use crate::harness::target::Protocol;
use crate::harness::BenchError;

/// What to drive.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// One bookie, host:port (no metadata service; ledgers need not exist).
    #[arg(
        long,
        conflicts_with = "metadata_uri",
        required_unless_present = "metadata_uri"
    )]
    pub bookie: Option<String>,
    /// A cluster's metadata service, e.g. zk://127.0.0.1:2181/ledgers: ledgers are created
    /// through the client library with -E/--qw/--qa.
    #[arg(long)]
    pub metadata_uri: Option<String>,
    /// Wire protocol to one bookie.
    #[arg(long, value_enum, default_value = "v2")]
    pub protocol: Protocol,
    /// Ensemble size E (cluster mode).
    #[arg(short = 'E', long = "ensemble", default_value_t = 1)]
    pub ensemble: u32,
    /// Write quorum Qw (cluster mode).
    #[arg(long = "write-quorum", visible_alias = "qw", default_value_t = 1)]
    pub write_quorum: u32,
    /// Ack quorum Qa (cluster mode).
    #[arg(long = "ack-quorum", visible_alias = "qa", default_value_t = 1)]
    pub ack_quorum: u32,
    /// Ledgers written round-robin.
    #[arg(long, default_value_t = 8)]
    pub ledgers: u64,
    /// Id of the first ledger (default: derived from the clock, so every run writes fresh
    /// ledgers).
    #[arg(long)]
    pub first_ledger_id: Option<i64>,
    /// TCP connections to the bookie (ledger i uses connection i % connections).
    #[arg(long, default_value_t = 1)]
    pub connections: usize,
}

impl TargetArgs {
    /// The quorums, checked: E >= Qw >= Qa >= 1, and all 1 for a single bookie.
    pub fn quorums(&self) -> Result<Quorums, BenchError> {
        let quorums = Quorums {
            ensemble: self.ensemble,
            write_quorum: self.write_quorum,
            ack_quorum: self.ack_quorum,
        };
        if !(self.ensemble >= self.write_quorum
            && self.write_quorum >= self.ack_quorum
            && self.ack_quorum >= 1)
        {
            return Err(BenchError::BadFlag {
                flag: "ensemble",
                message: format!(
                    "E/Qw/Qa {}/{}/{} must satisfy E >= Qw >= Qa >= 1",
                    self.ensemble, self.write_quorum, self.ack_quorum
                ),
            });
        }
        if self.bookie.is_some() && self.ensemble != 1 {
            return Err(BenchError::BadFlag {
                flag: "ensemble",
                message: "a single --bookie stores one copy: E, Qw and Qa must be 1 (replication needs --metadata-uri)".to_owned(),
            });
        }
        Ok(quorums)
    }

    /// The single-bookie configuration, checked; fails for cluster mode.
    pub fn bookie_config(&self) -> Result<BookieTargetConfig, BenchError> {
        self.quorums()?;
        if let Some(uri) = &self.metadata_uri {
            return Err(BenchError::Unsupported(format!(
                "--metadata-uri {uri}: this subcommand runs against one bookie; \
                 use --bookie host:port (bench writes takes --metadata-uri)"
            )));
        }
        let address = self.bookie.clone().ok_or(BenchError::BadFlag {
            flag: "bookie",
            message: "give --bookie host:port (or --metadata-uri)".to_owned(),
        })?;
        let port_ok = address
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !port_ok {
            return Err(BenchError::BadFlag {
                flag: "bookie",
                message: format!("{address:?} is not host:port, e.g. 127.0.0.1:3181"),
            });
        }
        let first_ledger_id = self.first_ledger_id.unwrap_or_else(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |since| since.as_millis() as i64);
            now * 1000
        });
        if first_ledger_id < 0 {
            return Err(BenchError::BadFlag {
                flag: "first-ledger-id",
                message: "ledger ids are not negative".to_owned(),
            });
        }
        Ok(BookieTargetConfig {
            address,
            protocol: self.protocol,
            ledgers: self.ledgers,
            first_ledger_id,
            connections: self.connections,
        })
    }
}

/// The target `bench writes` drives: one bookie, or a cluster through the client library
/// (inside a tokio runtime).
pub async fn connect_adds(
    args: &TargetArgs,
) -> Result<Arc<dyn crate::harness::AddTarget>, BenchError> {
    match &args.metadata_uri {
        Some(uri) => Ok(Arc::new(
            ClusterTarget::connect(uri, args.quorums()?, args.ledgers, args.protocol).await?,
        )),
        None => Ok(connect(args.bookie_config()?).await?),
    }
}

/// Connects the target (inside a tokio runtime).
pub async fn connect(config: BookieTargetConfig) -> Result<Arc<BookieTarget>, BenchError> {
    Ok(Arc::new(BookieTarget::connect(config).await?))
}
