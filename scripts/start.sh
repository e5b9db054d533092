#!/usr/bin/env bash
# Starts the system on loopback. Until the bookie server exists (issue 3), this runs the durable core
# end to end on this machine's disk: the journal benchmark (group commit with fdatasync, against the
# raw O_DIRECT write + fdatasync ceiling measured in the same run).
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -l "$(ulimit -H -l)" 2>/dev/null || true
exec cargo run --release --locked -p benches --bin journal_bench -- "$@"
