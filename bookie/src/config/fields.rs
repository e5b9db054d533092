//! The bookie's [`Config`]: one struct, every field documented with its unit and default.
//!
//! This file is also the source of `conf/bookie.toml`: [`super::sample`] reads the doc comments
//! below (the file is included as text) and prints each field with its default, so the comments
//! must stay plain sentences, one field per `pub` line.
//! Invariant: [`Config::validate`] is called before any field is used; a validated config has at
//! least one journal and one ledger directory and thresholds in `(0, 1]`.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Everything the `bookie` binary can be told. Keys are snake_case; BookKeeper's camelCase keys
/// are accepted where BookKeeper has the same setting (see [`super::bookkeeper_keys`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Journal directories (BookKeeper: journalDirectories, comma separated). Each core's journal lives in `<dir>/current/shard-<core>/`, cores spread round-robin over the directories. Required.
    pub journal_dirs: Vec<PathBuf>,
    /// Ledger (entry log and index) directories (BookKeeper: ledgerDirectories). Each core's ledger store lives in `<dir>/current/shard-<core>/`. Required.
    pub ledger_dirs: Vec<PathBuf>,
    /// TCP port clients connect to (BookKeeper: bookiePort). Default 3181.
    pub bookie_port: u16,
    /// Address the listener binds to. Default "0.0.0.0" (every interface).
    pub listen_address: String,
    /// Address published in the bookie id (BookKeeper: advertisedAddress). Default: the listen address, or 127.0.0.1 when listening on every interface.
    pub advertised_address: String,
    /// Metadata service URI, for example "zk+hierarchical://127.0.0.1:2181/ledgers" (BookKeeper: metadataServiceUri). Default empty: no registration.
    pub metadata_service_uri: String,
    /// Executors (cores) to run, each owning one storage shard; 0 means one per available core. Ledger l belongs to core floorMod(l, cores). Default 0.
    pub num_cores: usize,
    /// Pin each executor to its own CPU (glommio Placement::Fixed). Default true; tests and shared machines set false.
    pub pin_cores: bool,
    /// glommio registered I/O memory per executor, in bytes (locked memory: `ulimit -l` must allow 3 times this per executor). Default 1048576 (1 MiB).
    pub io_memory_bytes: usize,
    /// io_uring depth per executor, in entries. Default 128.
    pub ring_depth: usize,
    /// Largest frame accepted or sent, in bytes (BookKeeper: nettyMaxFrameSizeBytes). Default 5242880 (5 MiB).
    pub frame_bytes_max: usize,
    /// Disable Nagle on client sockets (BookKeeper: serverTcpNoDelay). Default true.
    pub tcp_no_delay: bool,
    /// Adds in flight per core before new ones get ETOOMANYREQUESTS (BookKeeper: maxPendingAddRequestsPerThread). Default 10000.
    pub add_requests_in_flight_max: usize,
    /// Reads in flight per core before new ones get ETOOMANYREQUESTS (BookKeeper: maxPendingReadRequestsPerThread). Default 10000.
    pub read_requests_in_flight_max: usize,
    /// Requests in flight per connection; beyond this the bookie stops reading that socket (backpressure). Default 4096.
    pub connection_requests_in_flight_max: usize,
    /// Capacity of each bounded cross-core request channel, in requests. Default 1024.
    pub cross_core_channel_requests_max: usize,
    /// Largest v2 BATCH_READ answer, in bytes; a client's smaller budget wins, and the frame limit caps both (BookKeeper: maxBatchReadSize). Default 5242880 (5 MiB).
    pub batch_read_bytes_max: u64,
    /// Longest long-poll read wait honoured, in milliseconds (a larger client timeOut is cut to this). Default 10000.
    pub long_poll_wait_max_ms: u64,
    /// How long the group commit waits for more records after the first, in microseconds (BookKeeper: journalMaxGroupWaitMSec, in ms). Default 0: pipelining already batches.
    pub journal_group_wait_max_us: u64,
    /// A journal write of at most this many bytes, started while nothing else is in flight or unsynced (light load), is made durable by itself (O_DSYNC: the write carries its own flush) instead of by a following fdatasync; 0 never does. Default 131072 (128 KiB).
    pub journal_dsync_batch_bytes_max: usize,
    /// A journal write batch stops taking records at this many bytes (BookKeeper: journalBufferedWritesThreshold). Default 1048576 (1 MiB).
    pub journal_batch_bytes_max: usize,
    /// A journal file rolls over at this size, in bytes (BookKeeper: journalMaxSizeMB, in MiB). Default 1073741824 (1 GiB).
    pub journal_file_bytes_max: u64,
    /// Journal preallocation step, in bytes (BookKeeper: journalPreAllocSizeMB, in MiB). Default 16777216 (16 MiB).
    pub journal_preallocate_step_bytes: u64,
    /// Journal records queued before appends are refused, per core (BookKeeper: journalQueueSize). Default 100000.
    pub journal_queued_records_max: usize,
    /// Write cache per core, both halves together, in bytes (BookKeeper: dbStorage_writeCacheMaxSizeMb, in MiB). Default 67108864 (64 MiB).
    pub write_cache_bytes_max: u64,
    /// Read-ahead cache per core, in bytes (BookKeeper: dbStorage_readAheadCacheMaxSizeMb, in MiB). Default 16777216 (16 MiB).
    pub read_cache_bytes_max: u64,
    /// Entries read ahead after a cache miss (BookKeeper: dbStorage_readAheadCacheBatchSize). Default 100.
    pub read_ahead_entries_max: usize,
    /// Entry log size limit, in bytes (BookKeeper: logSizeLimit). Default 1073741824 (1 GiB).
    pub entry_log_bytes_max: u64,
    /// During a flush, sync the entry log each time this many bytes were written since its last sync, so one sync never pushes a whole write-cache half (BookKeeper: flushEntrylogBytes); 0 syncs once at the end. Default 1048576 (1 MiB).
    pub flush_entry_log_bytes: u64,
    /// Checkpoint period: flush the ledger store and move the journal mark, in milliseconds (BookKeeper: flushInterval). Default 10000.
    pub flush_interval_ms: u64,
    /// Period of garbage collection of entry logs, in milliseconds (BookKeeper: gcWaitTime). Default 600000.
    pub gc_wait_time_ms: u64,
    /// Entry logs with less live data than this fraction are compacted by minor compaction; 0 disables (BookKeeper: minorCompactionThreshold). Default 0.2.
    pub minor_compaction_threshold: f64,
    /// Period of minor compaction, in seconds (BookKeeper: minorCompactionInterval). Default 3600.
    pub minor_compaction_interval_s: u64,
    /// Entry logs with less live data than this fraction are compacted by major compaction; 0 disables (BookKeeper: majorCompactionThreshold). Default 0.8.
    pub major_compaction_threshold: f64,
    /// Period of major compaction, in seconds (BookKeeper: majorCompactionInterval). Default 86400.
    pub major_compaction_interval_s: u64,
    /// Entries compaction copies per second (BookKeeper: compactionRateByEntries). Default 1000.
    pub compaction_rate_entries_per_s: u64,
    /// Become read-only when a ledger directory's disk usage exceeds this fraction (BookKeeper: diskUsageThreshold). Default 0.95.
    pub disk_usage_threshold: f64,
    /// Become writable again when usage drops below this fraction; must not exceed disk_usage_threshold (BookKeeper: diskUsageLwmThreshold). Default 0.9.
    pub disk_usage_lwm_threshold: f64,
    /// Period of the disk usage check, in milliseconds (BookKeeper: diskCheckInterval). Default 10000.
    pub disk_check_interval_ms: u64,
    /// Go read-only when disks fill; when false the bookie exits instead (BookKeeper: readOnlyModeEnabled). Default true.
    pub read_only_mode_enabled: bool,
    /// Serve the HTTP admin endpoints (/metrics, /health, /api/v1/bookie/info) (BookKeeper: httpServerEnabled). Default false.
    pub http_server_enabled: bool,
    /// Port of the HTTP admin server (BookKeeper: httpServerPort). Default 8080.
    pub http_server_port: u16,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            journal_dirs: Vec::new(),
            ledger_dirs: Vec::new(),
            bookie_port: 3181,
            listen_address: "0.0.0.0".to_owned(),
            advertised_address: String::new(),
            metadata_service_uri: String::new(),
            num_cores: 0,
            pin_cores: true,
            io_memory_bytes: 1 << 20,
            ring_depth: 128,
            frame_bytes_max: proto::FRAME_BYTES_MAX_DEFAULT,
            tcp_no_delay: true,
            add_requests_in_flight_max: 10_000,
            read_requests_in_flight_max: 10_000,
            connection_requests_in_flight_max: 4096,
            cross_core_channel_requests_max: 1024,
            batch_read_bytes_max: 5 << 20,
            long_poll_wait_max_ms: 10_000,
            journal_group_wait_max_us: 0,
            journal_dsync_batch_bytes_max: 128 << 10,
            journal_batch_bytes_max: 1 << 20,
            journal_file_bytes_max: 1 << 30,
            journal_preallocate_step_bytes: 16 << 20,
            journal_queued_records_max: 100_000,
            write_cache_bytes_max: 64 << 20,
            read_cache_bytes_max: 16 << 20,
            read_ahead_entries_max: 100,
            entry_log_bytes_max: 1 << 30,
            flush_entry_log_bytes: 1 << 20,
            flush_interval_ms: 10_000,
            gc_wait_time_ms: 600_000,
            minor_compaction_threshold: 0.2,
            minor_compaction_interval_s: 3600,
            major_compaction_threshold: 0.8,
            major_compaction_interval_s: 86_400,
            compaction_rate_entries_per_s: 1000,
            disk_usage_threshold: 0.95,
            disk_usage_lwm_threshold: 0.9,
            disk_check_interval_ms: 10_000,
            read_only_mode_enabled: true,
            http_server_enabled: false,
            http_server_port: 8080,
        }
    }
}
