#![allow(clippy::unwrap_used)]
//! Topology scripts run as real child processes.
//!
//! Goal: `resolve_with_script` maps bookies through an operator script, batches arguments, kills
//! a script that hangs, and turns every kind of script misbehaviour into a typed error.
//! Method: write small `/bin/sh` scripts into a temp directory and run them. All scripts are
//! written before any is run, in one test, because executing a file that another thread's
//! fork still holds open for writing fails with "text file busy".

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use placement::script_mapping::{resolve_with_script, ScriptError, SCRIPT_ARGS_MAX};

fn write_script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn bookies(count: usize) -> Vec<String> {
    (0..count)
        .map(|index| format!("10.0.{}.{}:3181", index / 250, index % 250))
        .collect()
}

const TIMEOUT: Duration = Duration::from_secs(5);

#[test]
fn topology_scripts_resolve_or_fail_with_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    // Rack named after the host's third octet; region fixed.
    let per_host = write_script(
        dir.path(),
        "per_host.sh",
        "for host in \"$@\"; do printf '/dc1/rack-%s\\n' \"$(echo \"$host\" | cut -d. -f3)\"; done",
    );
    let hangs = write_script(dir.path(), "hangs.sh", "exec sleep 30");
    let fails = write_script(
        dir.path(),
        "fails.sh",
        "echo 'no inventory access' >&2\nexit 3",
    );
    let too_few = write_script(dir.path(), "too_few.sh", "echo /dc1/r1");
    let malformed = write_script(
        dir.path(),
        "malformed.sh",
        "for host in \"$@\"; do echo dc1/r1; done",
    );

    resolves_each_bookie_by_its_host(&per_host);
    batches_more_than_the_argument_limit(&per_host);
    kills_a_script_that_runs_past_the_timeout(&hangs);
    reports_a_failing_script_with_its_stderr(&fails);
    reports_a_wrong_number_of_locations(&too_few);
    reports_a_malformed_location_with_its_bookie(&malformed);
    reports_a_missing_script(&dir.path().join("absent.sh"));
}

fn resolves_each_bookie_by_its_host(script: &Path) {
    let bookies = vec!["10.0.7.1:3181".to_string(), "10.0.9.2:3181".to_string()];
    let mapping = resolve_with_script(script, &bookies, TIMEOUT).unwrap();
    assert_eq!(mapping.resolve("10.0.7.1:3181").rack(), "/dc1/rack-7");
    assert_eq!(mapping.resolve("10.0.9.2:3181").rack(), "/dc1/rack-9");
    assert_eq!(
        mapping.resolve("elsewhere:3181").rack(),
        "/default-region/default-rack"
    );
}

fn batches_more_than_the_argument_limit(script: &Path) {
    let bookies = bookies(SCRIPT_ARGS_MAX + 160);
    let mapping = resolve_with_script(script, &bookies, TIMEOUT).unwrap();
    assert_eq!(mapping.len(), bookies.len());
    assert_eq!(mapping.resolve(&bookies[255]).rack(), "/dc1/rack-1");
}

fn kills_a_script_that_runs_past_the_timeout(script: &Path) {
    let started = Instant::now();
    let error = resolve_with_script(script, &bookies(1), Duration::from_millis(200)).unwrap_err();
    assert!(
        matches!(
            error,
            ScriptError::TimedOut {
                timeout_ms: 200,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

fn reports_a_failing_script_with_its_stderr(script: &Path) {
    let error = resolve_with_script(script, &bookies(1), TIMEOUT).unwrap_err();
    let ScriptError::Failed { stderr, status, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(stderr, "no inventory access");
    assert!(status.contains('3'), "{status}");
}

fn reports_a_wrong_number_of_locations(script: &Path) {
    let error = resolve_with_script(script, &bookies(3), TIMEOUT).unwrap_err();
    assert!(
        matches!(
            error,
            ScriptError::WrongCount {
                expected: 3,
                got: 1,
                ..
            }
        ),
        "{error:?}"
    );
}

fn reports_a_malformed_location_with_its_bookie(script: &Path) {
    let error = resolve_with_script(script, &bookies(2), TIMEOUT).unwrap_err();
    let ScriptError::InvalidLocation { bookie, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(bookie, "10.0.0.0:3181");
    assert!(error.to_string().contains("must start with '/'"), "{error}");
}

fn reports_a_missing_script(script: &Path) {
    let error = resolve_with_script(script, &bookies(1), TIMEOUT).unwrap_err();
    assert!(matches!(error, ScriptError::Spawn { .. }), "{error:?}");
}
