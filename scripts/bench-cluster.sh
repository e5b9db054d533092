#!/usr/bin/env bash
# Replicated-add benchmark on loopback: a real ZooKeeper (Debian's package), N bookies (release
# build, one core each, unpinned) registered in it, then `bench writes --metadata-uri` through the
# client library. Everything is stopped and removed at exit.
#
#   scripts/bench-cluster.sh        # E3/Qw3/Qa2, v3, 1 KiB, 5000 adds/s, 10 s after 2 s warm-up
#   scripts/bench-cluster.sh -E 3 --qw 3 --qa 2 --protocol v3 --max-outstanding 1000 --duration 10   # peak
#   BOOKIES=5 scripts/bench-cluster.sh -E 5 --qw 3 --qa 2 --rate 5000
#
# Arguments are passed to `bench writes` (with --metadata-uri and --disk-dir) and replace the
# defaults above; with none, the defaults apply.
# SINGLE_BOOKIE=1 runs the same `bench writes` against the first bookie alone instead (give
# E/Qw/Qa 1 then), the baseline a replicated p50 is compared with.
# Environment: BOOKIES (default 3), BENCH_DIR (scratch on a real file system, default
# ./bench-cluster-data), ZK_PORT (2191), BOOKIE_BASE_PORT (3191), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

BOOKIES="${BOOKIES:-3}"
BENCH_DIR="$(realpath -m "${BENCH_DIR:-bench-cluster-data}")"
ZK_PORT="${ZK_PORT:-2191}"
BOOKIE_BASE_PORT="${BOOKIE_BASE_PORT:-3191}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
ZOOKEEPER_JAR=/usr/share/java/zookeeper.jar

if [ ! -f "$ZOOKEEPER_JAR" ]; then
    echo "bench-cluster: $ZOOKEEPER_JAR is missing; install it with: apt-get install -y zookeeper" >&2
    exit 1
fi
ulimit -l "$(ulimit -H -l)" 2>/dev/null || true
cargo build --release --locked -p bookie -p benches
BIN="$TARGET_DIR/release"

rm -rf "$BENCH_DIR" && mkdir -p "$BENCH_DIR/zk/data"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$BENCH_DIR"
}
trap cleanup EXIT
export RUST_LOG="${RUST_LOG:-warn}"

cat > "$BENCH_DIR/zk/zoo.cfg" <<CFG
tickTime=500
dataDir=$BENCH_DIR/zk/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok
CFG
classpath="$ZOOKEEPER_JAR"
[ -f /usr/share/java/slf4j-simple.jar ] && classpath="$classpath:/usr/share/java/slf4j-simple.jar"
java -Xmx256m -cp "$classpath" org.apache.zookeeper.server.ZooKeeperServerMain "$BENCH_DIR/zk/zoo.cfg" \
    > "$BENCH_DIR/zk/zookeeper.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    if [ "$( { exec 3<>/dev/tcp/127.0.0.1/"$ZK_PORT" && printf ruok >&3 && head -c 4 <&3; } 2>/dev/null)" = "imok" ]; then break; fi
    sleep 0.2
done
URI="zk+hierarchical://127.0.0.1:$ZK_PORT/ledgers"
"$BIN/bookie" init-cluster --metadata-service-uri "$URI"

for index in $(seq 0 $((BOOKIES - 1))); do
    root="$BENCH_DIR/bookie-$index"
    mkdir -p "$root/journal" "$root/ledgers"
    RUST_LOG=info "$BIN/bookie" \
        --set "journal_dirs=[\"$root/journal\"]" --set "ledger_dirs=[\"$root/ledgers\"]" \
        --set "bookie_port=$((BOOKIE_BASE_PORT + index))" --set 'listen_address="127.0.0.1"' \
        --set num_cores=1 --set pin_cores=false --set http_server_enabled=false \
        --set "metadataServiceUri=\"$URI\"" > "$root/bookie.log" 2>&1 &
    pids+=($!)
done
for index in $(seq 0 $((BOOKIES - 1))); do
    for _ in $(seq 150); do
        grep -q "bookie ready" "$BENCH_DIR/bookie-$index/bookie.log" && break
        sleep 0.2
    done
    grep -q "bookie ready" "$BENCH_DIR/bookie-$index/bookie.log" || {
        echo "bench-cluster: bookie $index did not start:" >&2
        cat "$BENCH_DIR/bookie-$index/bookie.log" >&2
        exit 1
    }
done

if [ $# -eq 0 ]; then
    set -- -E 3 --qw 3 --qa 2 --protocol v3 --entry-bytes 1024 --rate 5000 --duration 10 --warmup 2
fi
if [ "${SINGLE_BOOKIE:-0}" = 1 ]; then
    # The baseline: the same load against the first bookie alone (no replication, no client library).
    "$BIN/bench" writes --bookie "127.0.0.1:$BOOKIE_BASE_PORT" --disk-dir "$BENCH_DIR/disk" \
        "$@"
else
    "$BIN/bench" writes --metadata-uri "$URI" --disk-dir "$BENCH_DIR/disk" "$@"
fi
