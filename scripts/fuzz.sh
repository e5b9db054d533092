#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ (the proto decoders) for N seconds each.
#
# Usage: scripts/fuzz.sh [seconds-per-target]   (default 60)
#
# Each target starts from its checked-in seeds (fuzz/seeds/<target>/), copied into the scratch
# corpus fuzz/corpus/<target>/ (gitignored), so the seeds stay small and reviewed.
# Crashes land in fuzz/artifacts/<target>/; fix each with a regression unit test in proto.
# cargo-fuzz needs nightly-only flags (sanitizers); RUSTC_BOOTSTRAP=1 lets the stable toolchain
# accept them, so no nightly install is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds_per_target="${1:-60}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "cargo-fuzz not found; installing it (one time)"
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1

targets=$(cargo fuzz list --fuzz-dir fuzz)
status=0
for target in $targets; do
    corpus="fuzz/corpus/$target"
    mkdir --parents "$corpus"
    if [ -d "fuzz/seeds/$target" ]; then
        cp --no-clobber fuzz/seeds/"$target"/* "$corpus"/
    fi
    echo "=== fuzzing $target for ${seconds_per_target}s"
    if ! cargo fuzz run --fuzz-dir fuzz "$target" "$corpus" -- \
        -max_total_time="$seconds_per_target" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1; then
        echo "=== $target FAILED; see fuzz/artifacts/$target/"
        status=1
    fi
done
exit "$status"
