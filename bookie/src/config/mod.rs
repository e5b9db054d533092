//! Configuration: the [`Config`] struct, loading it from TOML plus `--set key=value` overrides,
//! the BookKeeper key translation table, and the generated sample `conf/bookie.toml`.
//!
//! Owns: turning operator text into a validated [`Config`], with errors that name the key and
//! the fix. Never does I/O beyond reading the one config file.

pub mod bookkeeper_keys;
mod fields;
pub mod sample;

use std::path::Path;

pub use fields::Config;
use toml::{Table, Value};

/// Why a configuration was refused. Every message names the key and what would fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {message}; pass an existing file with --config")]
    Read {
        /// The file.
        path: String,
        /// The OS error.
        message: String,
    },
    /// The file is not valid TOML, or a value has the wrong type.
    #[error("config {origin}: {message}")]
    Parse {
        /// The file or `--set`.
        origin: String,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A `--set` argument without `=`.
    #[error("--set {0:?} is not key=value; write e.g. --set bookie_port=3181")]
    SetSyntax(String),
    /// A BookKeeper key with a value of the wrong shape.
    #[error("config key {key}: expected {expected}")]
    BadBookKeeperValue {
        /// The BookKeeper key.
        key: String,
        /// What the value should look like.
        expected: String,
    },
    /// A value outside its valid range.
    #[error("config key {key}: {problem}; {fix}")]
    Invalid {
        /// The snake_case key.
        key: &'static str,
        /// What is wrong.
        problem: String,
        /// What to do.
        fix: &'static str,
    },
}

impl Config {
    /// Loads `path` (if given), applies `sets` (`key=value`, value in TOML syntax or a bare
    /// string), translates BookKeeper keys, and validates.
    pub fn load(path: Option<&Path>, sets: &[String]) -> Result<Self, ConfigError> {
        let (mut table, origin) = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
                    path: path.display().to_string(),
                    message: error.to_string(),
                })?;
                let table: Table = toml::from_str(&text).map_err(|error| ConfigError::Parse {
                    origin: path.display().to_string(),
                    message: error.to_string(),
                })?;
                (table, path.display().to_string())
            }
            None => (Table::new(), "(defaults)".to_owned()),
        };
        table = translate(table)?;
        for set in sets {
            let (key, value) = parse_set(set)?;
            let translated = translate(Table::from_iter([(key, value)]))?;
            table.extend(translated);
        }
        let origin = if sets.is_empty() {
            origin
        } else {
            format!("{origin} with --set overrides")
        };
        let config: Config = Value::Table(table)
            .try_into()
            .map_err(|error: toml::de::Error| ConfigError::Parse {
                origin,
                message: error.to_string(),
            })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks ranges and relations between fields.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, problem: String, fix| Err(ConfigError::Invalid { key, problem, fix });
        if self.listen_address.parse::<std::net::IpAddr>().is_err() {
            return invalid(
                "listen_address",
                format!("{:?} is not an IP address", self.listen_address),
                "use an address such as \"0.0.0.0\" or \"127.0.0.1\"",
            );
        }
        if self.journal_dirs.is_empty() {
            return invalid(
                "journal_dirs",
                "no journal directory".into(),
                "set journal_dirs = [\"/path\"] (or journalDirectories)",
            );
        }
        if self.ledger_dirs.is_empty() {
            return invalid(
                "ledger_dirs",
                "no ledger directory".into(),
                "set ledger_dirs = [\"/path\"] (or ledgerDirectories)",
            );
        }
        for (key, value) in [
            ("disk_usage_threshold", self.disk_usage_threshold),
            ("disk_usage_lwm_threshold", self.disk_usage_lwm_threshold),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return invalid(
                    key,
                    format!("{value} is outside (0, 1]"),
                    "use a fraction such as 0.95",
                );
            }
        }
        if self.disk_usage_lwm_threshold > self.disk_usage_threshold {
            return invalid(
                "disk_usage_lwm_threshold",
                "is above disk_usage_threshold".into(),
                "set it at or below disk_usage_threshold",
            );
        }
        for (key, value) in [
            (
                "add_requests_in_flight_max",
                self.add_requests_in_flight_max,
            ),
            (
                "read_requests_in_flight_max",
                self.read_requests_in_flight_max,
            ),
            (
                "connection_requests_in_flight_max",
                self.connection_requests_in_flight_max,
            ),
            (
                "cross_core_channel_requests_max",
                self.cross_core_channel_requests_max,
            ),
            ("ring_depth", self.ring_depth),
        ] {
            if value == 0 {
                return invalid(key, "is 0".into(), "use a positive number");
            }
        }
        if self.frame_bytes_max < 1024 {
            return invalid(
                "frame_bytes_max",
                format!("{} is too small", self.frame_bytes_max),
                "use at least 1024 (default 5242880)",
            );
        }
        for (key, value) in [
            ("flush_interval_ms", self.flush_interval_ms),
            ("disk_check_interval_ms", self.disk_check_interval_ms),
            ("gc_wait_time_ms", self.gc_wait_time_ms),
        ] {
            if value == 0 {
                return invalid(key, "is 0".into(), "use a positive period in milliseconds");
            }
        }
        self.journal_config()
            .validate()
            .map_err(|error| ConfigError::Invalid {
                key: "journal_*",
                problem: error.reason,
                fix: "adjust the journal_* keys",
            })?;
        self.store_config()
            .validate()
            .map_err(|error| ConfigError::Invalid {
                key: "write_cache_bytes_max/entry_log_bytes_max",
                problem: error.to_string(),
                fix: "adjust the ledger-store keys",
            })?;
        Ok(())
    }

    /// Executors to run: `num_cores`, or the available parallelism when 0.
    pub fn cores(&self) -> usize {
        if self.num_cores > 0 {
            return self.num_cores;
        }
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    }

    /// The journal limits of one shard.
    pub fn journal_config(&self) -> journal::JournalConfig {
        journal::JournalConfig {
            group_wait_max_us: self.journal_group_wait_max_us,
            dsync_batch_bytes_max: self.journal_dsync_batch_bytes_max,
            batch_bytes_max: self.journal_batch_bytes_max,
            file_bytes_max: self.journal_file_bytes_max,
            preallocate_step_bytes: self.journal_preallocate_step_bytes,
            queued_records_max: self.journal_queued_records_max,
            ..journal::JournalConfig::default()
        }
    }

    /// The ledger-store limits of one shard.
    pub fn store_config(&self) -> ledger_store::StoreConfig {
        ledger_store::StoreConfig {
            write_cache_bytes_max: self.write_cache_bytes_max,
            read_cache_bytes_max: self.read_cache_bytes_max,
            read_ahead_entries_max: self.read_ahead_entries_max,
            entry_log_bytes_max: self.entry_log_bytes_max,
            flush_entry_log_bytes: self.flush_entry_log_bytes,
            entry_bytes_max: self.frame_bytes_max,
            ..ledger_store::StoreConfig::default()
        }
    }

    /// The address in the bookie id: `advertised_address`, else the listen address, else
    /// 127.0.0.1 when listening on every interface.
    pub fn advertised_host(&self) -> &str {
        if !self.advertised_address.is_empty() {
            &self.advertised_address
        } else if self.listen_address == "0.0.0.0" || self.listen_address.is_empty() {
            "127.0.0.1"
        } else {
            &self.listen_address
        }
    }

    /// The bookie id, `host:port`.
    pub fn bookie_id(&self) -> String {
        format!("{}:{}", self.advertised_host(), self.bookie_port)
    }
}

/// Splits `key=value`; the value is parsed as TOML, or taken as a string if that fails.
fn parse_set(set: &str) -> Result<(String, Value), ConfigError> {
    let Some((key, raw)) = set.split_once('=') else {
        return Err(ConfigError::SetSyntax(set.to_owned()));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(ConfigError::SetSyntax(set.to_owned()));
    }
    let raw = raw.trim();
    let value = toml::from_str::<Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut table| table.remove("v"))
        .unwrap_or_else(|| Value::String(raw.to_owned()));
    Ok((key.to_owned(), value))
}

/// Replaces BookKeeper keys by their fields, converting units; other keys pass unchanged.
fn translate(table: Table) -> Result<Table, ConfigError> {
    let mut out = Table::new();
    for (key, value) in table {
        match bookkeeper_keys::lookup(&key) {
            Some(mapping) => {
                let converted = bookkeeper_keys::convert(mapping, value).map_err(|expected| {
                    ConfigError::BadBookKeeperValue {
                        key: key.clone(),
                        expected,
                    }
                })?;
                out.insert(mapping.field.to_owned(), converted);
            }
            None => {
                out.insert(key, value);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
