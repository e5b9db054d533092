//! The command line: global flags and the `noun verb` tree.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The operators' shell for this BookKeeper-compatible cluster.
#[derive(Debug, Parser)]
#[command(name = "bkctl", version, about)]
pub struct Cli {
    /// Metadata service, e.g. zk://127.0.0.1:2181/ledgers or zk+hierarchical://h1:2181;h2:2181/ledgers.
    #[arg(
        long,
        global = true,
        env = "BKCTL_METADATA_URI",
        default_value = "zk://127.0.0.1:2181/ledgers"
    )]
    pub metadata_uri: String,
    /// Print one JSON document instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Wire protocol to bookies.
    #[arg(long, global = true, value_enum, default_value_t = WireProtocol::V3)]
    pub protocol: WireProtocol,
    /// What to act on.
    #[command(subcommand)]
    pub noun: Noun,
}

/// Wire protocol choice.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WireProtocol {
    /// Protocol v3 (protobuf).
    V3,
    /// Protocol v2 (binary).
    V2,
}

/// Nouns.
#[derive(Debug, Subcommand)]
pub enum Noun {
    /// The cluster's metadata.
    #[command(subcommand)]
    Cluster(ClusterVerb),
    /// Registered bookies.
    #[command(subcommand)]
    Bookies(BookiesVerb),
    /// Ledgers.
    #[command(subcommand)]
    Ledger(LedgerVerb),
}

/// `cluster` verbs.
#[derive(Debug, Subcommand)]
pub enum ClusterVerb {
    /// Creates the cluster's metadata (BookKeeper: `initnewcluster`).
    Init,
    /// Prints the instance id and bookie counts.
    Info,
}

/// `bookies` verbs.
#[derive(Debug, Subcommand)]
pub enum BookiesVerb {
    /// Lists registered bookies (BookKeeper: `listbookies -a`).
    List {
        /// Only read-write bookies.
        #[arg(long, conflicts_with = "readonly")]
        readwrite: bool,
        /// Only read-only bookies.
        #[arg(long)]
        readonly: bool,
    },
    /// Free and total disk space of every registered bookie (BookKeeper: `bookieinfo`).
    Info,
}

/// Password and digest of an existing ledger.
#[derive(Debug, Args)]
pub struct LedgerAccess {
    /// The ledger's password.
    #[arg(long, default_value = "")]
    pub password: String,
}

/// `ledger` verbs.
#[derive(Debug, Subcommand)]
pub enum LedgerVerb {
    /// Creates an empty, open ledger and prints its id.
    Create(CreateArgs),
    /// Creates a ledger, writes entries to it and closes it (BookKeeper: `simpletest`).
    Write {
        /// Quorums, digest and password of the new ledger.
        #[command(flatten)]
        create: CreateArgs,
        /// Entry payloads (each value one entry).
        #[arg(long = "data")]
        data: Vec<String>,
        /// Entries read from this file, one per line ("-" = stdin).
        #[arg(long, conflicts_with = "data")]
        lines_from: Option<PathBuf>,
        /// Otherwise, this many generated entries...
        #[arg(long, default_value_t = 10)]
        count: u64,
        /// ...of this many bytes each.
        #[arg(long, default_value_t = 100)]
        entry_bytes: usize,
    },
    /// Reads entries (BookKeeper: `readledger`).
    Read {
        /// The ledger.
        ledger_id: i64,
        /// First entry (default 0).
        #[arg(long, default_value_t = 0)]
        first: i64,
        /// Last entry (default: the last readable one).
        #[arg(long)]
        last: Option<i64>,
        /// Open with recovery: fence the writer and close the ledger first.
        #[arg(long)]
        recover: bool,
        /// Print payloads as hex instead of text.
        #[arg(long)]
        hex: bool,
        /// Password.
        #[command(flatten)]
        access: LedgerAccess,
    },
    /// Prints a ledger's metadata (BookKeeper: `ledgermetadata -l`).
    Metadata {
        /// The ledger.
        ledger_id: i64,
    },
    /// Deletes a ledger (BookKeeper: `deleteledger -l`).
    Delete {
        /// The ledger.
        ledger_id: i64,
    },
    /// Lists ledger ids (BookKeeper: `listledgers`).
    List {
        /// With each ledger's metadata.
        #[arg(long)]
        metadata: bool,
    },
}

/// How to make a ledger.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Ensemble size E.
    #[arg(short = 'e', long, default_value_t = 3)]
    pub ensemble: usize,
    /// Write quorum Qw.
    #[arg(short = 'w', long, default_value_t = 2)]
    pub write_quorum: usize,
    /// Ack quorum Qa.
    #[arg(short = 'a', long, default_value_t = 2)]
    pub ack_quorum: usize,
    /// Digest type.
    #[arg(long, value_enum, default_value_t = Digest::Crc32c)]
    pub digest: Digest,
    /// Password.
    #[arg(long, default_value = "")]
    pub password: String,
}

/// Digest choice.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Digest {
    /// CRC-32C.
    Crc32c,
    /// CRC-32.
    Crc32,
    /// HMAC-SHA1.
    Mac,
    /// None.
    Dummy,
}
