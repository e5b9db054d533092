#!/usr/bin/env bash
# Starts the system on loopback: a standalone cluster of 3 bookies on 127.0.0.1:3181-3183 in one
# process, with the embedded metadata store (no external server). Data goes to ./standalone-data
# (kept across restarts). Extra arguments go to `bookie standalone` (see `--help`).
set -euo pipefail
cd "$(dirname "$0")/.."
# glommio's io_uring rings need locked memory; raise the soft limit to the hard limit if we can.
ulimit -l "$(ulimit -H -l)" 2>/dev/null || true
exec cargo run --release --locked -p bookie --bin bookie -- standalone "$@"
