use super::*;

fn dirs() -> Vec<String> {
    vec![
        "journal_dirs=[\"/j\"]".to_owned(),
        "ledger_dirs=[\"/l\"]".to_owned(),
    ]
}

#[test]
fn defaults_with_dirs_are_valid_and_match_bookkeeper_defaults() {
    let config = Config::load(None, &dirs()).unwrap();
    assert_eq!(config.bookie_port, 3181);
    assert_eq!(config.frame_bytes_max, 5 * 1024 * 1024);
    assert_eq!(config.flush_interval_ms, 10_000);
    assert_eq!(config.disk_usage_threshold, 0.95);
}

#[test]
fn bookkeeper_keys_are_translated_with_units() {
    let sets = [
        "journalDirectories=/a,/b",
        "ledgerDirectories=/c",
        "bookiePort=4181",
        "journalMaxGroupWaitMSec=2",
        "journalMaxSizeMB=512",
        "diskUsageThreshold=0.9",
        "diskUsageLwmThreshold=0.8",
        "httpServerEnabled=true",
    ]
    .map(str::to_owned);
    let config = Config::load(None, &sets).unwrap();
    assert_eq!(
        config.journal_dirs,
        vec![std::path::PathBuf::from("/a"), "/b".into()]
    );
    assert_eq!(config.ledger_dirs, vec![std::path::PathBuf::from("/c")]);
    assert_eq!(config.bookie_port, 4181);
    assert_eq!(config.journal_group_wait_max_us, 2000);
    assert_eq!(config.journal_file_bytes_max, 512 << 20);
    assert!(config.http_server_enabled);
}

#[test]
fn every_bookkeeper_mapping_names_a_real_field() {
    let defaults = toml::Value::try_from(Config::default()).unwrap();
    let table = defaults.as_table().unwrap();
    for mapping in bookkeeper_keys::KEY_MAPPINGS {
        assert!(
            table.contains_key(mapping.field),
            "{} maps to unknown field {}",
            mapping.bookkeeper_key,
            mapping.field
        );
    }
}

#[test]
fn unknown_key_is_refused_naming_it() {
    let mut sets = dirs();
    sets.push("bookie_prot=1".to_owned());
    let error = Config::load(None, &sets).unwrap_err().to_string();
    assert!(error.contains("bookie_prot"), "{error}");
}

#[test]
fn bad_value_names_the_key_and_the_fix() {
    let mut sets = dirs();
    sets.push("diskUsageThreshold=1.5".to_owned());
    let error = Config::load(None, &sets).unwrap_err().to_string();
    assert!(
        error.contains("disk_usage_threshold") && error.contains("fraction"),
        "{error}"
    );
    let error = Config::load(None, &["bookiePort=abc".to_owned()])
        .unwrap_err()
        .to_string();
    assert!(error.contains("bookie_port"), "{error}");
    let error = Config::load(None, &["nonsense".to_owned()])
        .unwrap_err()
        .to_string();
    assert!(error.contains("key=value"), "{error}");
}

#[test]
fn missing_directories_are_refused_with_the_fix() {
    let error = Config::load(None, &[]).unwrap_err().to_string();
    assert!(
        error.contains("journal_dirs") && error.contains("journalDirectories"),
        "{error}"
    );
}

#[test]
fn sample_parses_back_to_the_defaults() {
    let text = sample::sample_toml();
    let table: toml::Table = toml::from_str(&text).unwrap();
    let config: Config = toml::Value::Table(table).try_into().unwrap();
    let expected = Config {
        journal_dirs: vec!["/var/lib/bookie/journal".into()],
        ledger_dirs: vec!["/var/lib/bookie/ledgers".into()],
        ..Config::default()
    };
    assert_eq!(config, expected);
}

#[test]
fn checked_in_sample_matches_the_generated_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../conf/bookie.toml");
    let checked_in = std::fs::read_to_string(path).unwrap();
    assert!(
        checked_in == sample::sample_toml(),
        "conf/bookie.toml is stale: regenerate it with `cargo run -p bookie -- config --print-default > conf/bookie.toml`"
    );
}
