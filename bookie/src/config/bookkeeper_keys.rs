//! The one table that maps BookKeeper `bk_server.conf` key names onto [`super::Config`] fields.
//!
//! A BookKeeper key is accepted in the TOML file and in `--set`, and its value converted to the
//! field's unit (for example `journalMaxSizeMB` in MiB becomes `journal_file_bytes_max` in bytes).
//! Invariant: every row names an existing field (a test deserializes each converted value), and
//! a BookKeeper key never silently shadows a snake_case key given in the same file.

use toml::Value;

/// How a BookKeeper value becomes the field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// Same unit and type.
    Same,
    /// A comma separated string (or a list) becomes a list of strings.
    CommaList,
    /// Multiply an integer by this factor (MiB -> bytes, ms -> us).
    Scale(i64),
}

/// One BookKeeper key and the field it sets.
#[derive(Debug, Clone, Copy)]
pub struct KeyMapping {
    /// The BookKeeper name, as in `bk_server.conf`.
    pub bookkeeper_key: &'static str,
    /// The snake_case field of [`super::Config`].
    pub field: &'static str,
    /// The unit conversion.
    pub conversion: Conversion,
}

const fn row(
    bookkeeper_key: &'static str,
    field: &'static str,
    conversion: Conversion,
) -> KeyMapping {
    KeyMapping {
        bookkeeper_key,
        field,
        conversion,
    }
}

/// Every BookKeeper key the bookie understands.
pub const KEY_MAPPINGS: &[KeyMapping] = &[
    row("journalDirectories", "journal_dirs", Conversion::CommaList),
    row("journalDirectory", "journal_dirs", Conversion::CommaList),
    row("ledgerDirectories", "ledger_dirs", Conversion::CommaList),
    row("bookiePort", "bookie_port", Conversion::Same),
    row("advertisedAddress", "advertised_address", Conversion::Same),
    row(
        "metadataServiceUri",
        "metadata_service_uri",
        Conversion::Same,
    ),
    row(
        "nettyMaxFrameSizeBytes",
        "frame_bytes_max",
        Conversion::Same,
    ),
    row("serverTcpNoDelay", "tcp_no_delay", Conversion::Same),
    row("maxBatchReadSize", "batch_read_bytes_max", Conversion::Same),
    row(
        "maxPendingAddRequestsPerThread",
        "add_requests_in_flight_max",
        Conversion::Same,
    ),
    row(
        "maxPendingReadRequestsPerThread",
        "read_requests_in_flight_max",
        Conversion::Same,
    ),
    row(
        "journalMaxGroupWaitMSec",
        "journal_group_wait_max_us",
        Conversion::Scale(1000),
    ),
    row(
        "journalBufferedWritesThreshold",
        "journal_batch_bytes_max",
        Conversion::Same,
    ),
    row(
        "journalMaxSizeMB",
        "journal_file_bytes_max",
        Conversion::Scale(1 << 20),
    ),
    row(
        "journalPreAllocSizeMB",
        "journal_preallocate_step_bytes",
        Conversion::Scale(1 << 20),
    ),
    row(
        "journalQueueSize",
        "journal_queued_records_max",
        Conversion::Same,
    ),
    row(
        "dbStorage_writeCacheMaxSizeMb",
        "write_cache_bytes_max",
        Conversion::Scale(1 << 20),
    ),
    row(
        "dbStorage_readAheadCacheMaxSizeMb",
        "read_cache_bytes_max",
        Conversion::Scale(1 << 20),
    ),
    row(
        "dbStorage_readAheadCacheBatchSize",
        "read_ahead_entries_max",
        Conversion::Same,
    ),
    row("logSizeLimit", "entry_log_bytes_max", Conversion::Same),
    row(
        "flushEntrylogBytes",
        "flush_entry_log_bytes",
        Conversion::Same,
    ),
    row("flushInterval", "flush_interval_ms", Conversion::Same),
    row("gcWaitTime", "gc_wait_time_ms", Conversion::Same),
    row(
        "minorCompactionThreshold",
        "minor_compaction_threshold",
        Conversion::Same,
    ),
    row(
        "minorCompactionInterval",
        "minor_compaction_interval_s",
        Conversion::Same,
    ),
    row(
        "majorCompactionThreshold",
        "major_compaction_threshold",
        Conversion::Same,
    ),
    row(
        "majorCompactionInterval",
        "major_compaction_interval_s",
        Conversion::Same,
    ),
    row(
        "compactionRateByEntries",
        "compaction_rate_entries_per_s",
        Conversion::Same,
    ),
    row(
        "diskUsageThreshold",
        "disk_usage_threshold",
        Conversion::Same,
    ),
    row(
        "diskUsageLwmThreshold",
        "disk_usage_lwm_threshold",
        Conversion::Same,
    ),
    row(
        "diskCheckInterval",
        "disk_check_interval_ms",
        Conversion::Same,
    ),
    row(
        "readOnlyModeEnabled",
        "read_only_mode_enabled",
        Conversion::Same,
    ),
    row("httpServerEnabled", "http_server_enabled", Conversion::Same),
    row("httpServerPort", "http_server_port", Conversion::Same),
];

/// The mapping for a BookKeeper key, if there is one.
pub fn lookup(bookkeeper_key: &str) -> Option<&'static KeyMapping> {
    KEY_MAPPINGS
        .iter()
        .find(|mapping| mapping.bookkeeper_key == bookkeeper_key)
}

/// The BookKeeper keys that set `field` (for the generated sample's comments).
pub fn keys_for_field(field: &str) -> impl Iterator<Item = &'static str> + '_ {
    KEY_MAPPINGS
        .iter()
        .filter(move |mapping| mapping.field == field)
        .map(|mapping| mapping.bookkeeper_key)
}

/// Converts a BookKeeper value; `Err` holds what the value should look like.
pub fn convert(mapping: &KeyMapping, value: Value) -> Result<Value, String> {
    match mapping.conversion {
        Conversion::Same => Ok(value),
        Conversion::CommaList => match value {
            Value::String(text) => Ok(Value::Array(
                text.split(',')
                    .map(str::trim)
                    .filter(|part| !part.is_empty())
                    .map(|part| Value::String(part.to_owned()))
                    .collect(),
            )),
            array @ Value::Array(_) => Ok(array),
            _ => Err("a comma separated string of paths, e.g. \"/data/a,/data/b\"".to_owned()),
        },
        Conversion::Scale(factor) => match value {
            Value::Integer(number) => number
                .checked_mul(factor)
                .map(Value::Integer)
                .ok_or_else(|| format!("a smaller integer (times {factor} it overflows)")),
            _ => Err("an integer".to_owned()),
        },
    }
}
