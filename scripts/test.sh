#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, then runs every test.
# This is the README's test command; .ci/run calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the suite needs beyond the Rust toolchain: a real ZooKeeper (Debian's package; the metadata and
# server tests start their own servers on free loopback ports) and a Java runtime for it.
if [ ! -f /usr/share/java/zookeeper.jar ]; then
    echo "installing Debian's zookeeper package for the metadata and server tests"
    apt-get update -o DPkg::Lock::Timeout=300
    DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 zookeeper
fi
# The etcd metadata backend (metadata feature `etcd`): its tests start Debian's etcd 3.4, and the
# etcd-client crate needs protoc and the protobuf well-known types to build.
if [ ! -x /usr/bin/etcd ] || ! command -v protoc >/dev/null 2>&1 || [ ! -f /usr/include/google/protobuf/empty.proto ]; then
    echo "installing etcd-server, protobuf-compiler and libprotobuf-dev for the etcd metadata backend"
    apt-get update -o DPkg::Lock::Timeout=300
    DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 etcd-server protobuf-compiler libprotobuf-dev
fi

# Real-file tests (O_DIRECT) must not run on tmpfs; give them a scratch directory on the project's disk.
export BOOKIE_TEST_SCRATCH="${BOOKIE_TEST_SCRATCH:-$PWD/target/test-scratch}"
mkdir -p "$BOOKIE_TEST_SCRATCH"

# glommio's io_uring rings need locked memory; raise the soft limit to the hard limit if we can.
ulimit -l "$(ulimit -H -l)" 2>/dev/null || true

if ! command -v cargo-nextest >/dev/null 2>&1; then
    echo "cargo-nextest not found; installing it (one time)"
    cargo install cargo-nextest --locked
fi

cargo build --workspace --all-targets --locked --features metadata/etcd,bookie/etcd
cargo nextest run --workspace --locked --profile ci --features metadata/etcd,bookie/etcd
# Doc tests are not run by nextest.
cargo test --workspace --doc --locked --features metadata/etcd,bookie/etcd
