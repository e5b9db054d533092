//! Runs the fio jobs equivalent to `bench disk`'s probes and reads fio's JSON, so both tools'
//! numbers can be printed side by side (`bench disk --compare-fio`).
//!
//! fio must be on `PATH`; its files are preallocated by fio itself (its default
//! `fallocate=native`), in the same directory as ours, and removed afterwards.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::error::BenchError;

/// fio's sequential write result.
#[derive(Debug, Clone, Serialize)]
pub struct FioSeqWrite {
    /// The command line run.
    pub command: String,
    /// MB per second.
    pub mb_per_second: f64,
}

/// fio's write + fdatasync result.
#[derive(Debug, Clone, Serialize)]
pub struct FioFsync {
    /// The command line run.
    pub command: String,
    /// Writes (each followed by fdatasync) per second.
    pub ops_per_second: f64,
    /// Write completion latency p50, us.
    pub write_p50_us: f64,
    /// fdatasync latency p50, us.
    pub sync_p50_us: f64,
    /// fdatasync latency p99, us.
    pub sync_p99_us: f64,
}

/// fio's version, or why it cannot run.
pub fn version() -> Result<String, BenchError> {
    let output = Command::new("fio")
        .arg("--version")
        .output()
        .map_err(|error| {
            BenchError::Unsupported(format!(
                "--compare-fio: cannot run fio ({error}); install it (apt-get install fio) or drop the flag"
            ))
        })?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// `fio --rw=write --bs=<block> --direct=1 --ioengine=libaio --iodepth=<qd>`.
pub fn seq_write(
    dir: &Path,
    block_bytes: usize,
    queue_depth: usize,
    duration: Duration,
    file_bytes: u64,
) -> Result<FioSeqWrite, BenchError> {
    let file = dir.join("fio-seqwrite.dat");
    let args = vec![
        "--name=seqwrite".to_owned(),
        format!("--filename={}", file.display()),
        "--rw=write".to_owned(),
        format!("--bs={block_bytes}"),
        "--direct=1".to_owned(),
        "--ioengine=libaio".to_owned(),
        format!("--iodepth={queue_depth}"),
        format!("--size={file_bytes}"),
        "--time_based".to_owned(),
        format!("--runtime={}ms", duration.as_millis()),
    ];
    let (command, json) = run(&args)?;
    let _ = std::fs::remove_file(&file);
    Ok(FioSeqWrite {
        command,
        mb_per_second: number(&json, &["jobs", "0", "write", "bw_bytes"])? / 1e6,
    })
}

/// `fio --rw=write --bs=<bytes> --direct=1 --fdatasync=1 --ioengine=sync`.
pub fn fsync(
    dir: &Path,
    write_bytes: usize,
    duration: Duration,
    file_bytes: u64,
) -> Result<FioFsync, BenchError> {
    let file = dir.join("fio-fsync.dat");
    let args = vec![
        "--name=fsync".to_owned(),
        format!("--filename={}", file.display()),
        "--rw=write".to_owned(),
        format!("--bs={write_bytes}"),
        "--direct=1".to_owned(),
        "--fdatasync=1".to_owned(),
        "--ioengine=sync".to_owned(),
        format!("--size={file_bytes}"),
        "--time_based".to_owned(),
        format!("--runtime={}ms", duration.as_millis()),
    ];
    let (command, json) = run(&args)?;
    let _ = std::fs::remove_file(&file);
    let percentile = |section: &[&str], key: &str| -> Result<f64, BenchError> {
        let mut path = section.to_vec();
        path.extend(["percentile", key]);
        Ok(number(&json, &path)? / 1000.0)
    };
    Ok(FioFsync {
        command,
        ops_per_second: number(&json, &["jobs", "0", "write", "iops"])?,
        write_p50_us: percentile(&["jobs", "0", "write", "clat_ns"], "50.000000")?,
        sync_p50_us: percentile(&["jobs", "0", "sync", "lat_ns"], "50.000000")?,
        sync_p99_us: percentile(&["jobs", "0", "sync", "lat_ns"], "99.000000")?,
    })
}

fn run(args: &[String]) -> Result<(String, Value), BenchError> {
    let command = format!("fio {}", args.join(" "));
    let output = Command::new("fio")
        .args(args)
        .arg("--output-format=json")
        .output()
        .map_err(|error| BenchError::Unsupported(format!("cannot run fio: {error}")))?;
    if !output.status.success() {
        return Err(BenchError::Other(format!(
            "{command} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    let json = serde_json::from_slice(&output.stdout)
        .map_err(|error| BenchError::Other(format!("{command}: unreadable JSON: {error}")))?;
    Ok((command, json))
}

/// The number at `path` (array indices as decimal strings).
fn number(json: &Value, path: &[&str]) -> Result<f64, BenchError> {
    let mut node = json;
    for key in path {
        node = match key.parse::<usize>() {
            Ok(index) => node.get(index),
            Err(_) => node.get(*key),
        }
        .ok_or_else(|| BenchError::Other(format!("fio JSON has no {}", path.join("."))))?;
    }
    node.as_f64()
        .ok_or_else(|| BenchError::Other(format!("fio JSON {} is not a number", path.join("."))))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_found_by_path_and_missing_fields_are_named() {
        let json: Value = serde_json::from_str(
            r#"{"jobs":[{"sync":{"lat_ns":{"percentile":{"50.000000":121344}}}}]}"#,
        )
        .unwrap();
        let path = ["jobs", "0", "sync", "lat_ns", "percentile", "50.000000"];
        assert_eq!(number(&json, &path).unwrap(), 121344.0);
        let error = number(&json, &["jobs", "0", "write", "iops"]).unwrap_err();
        assert!(error.to_string().contains("jobs.0.write.iops"), "{error}");
    }
}
