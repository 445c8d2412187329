#!/usr/bin/env bash
# Measures issue 7's scale targets on a fresh 3-node local cluster: memory with N keys, put latency
# while snapshots are taken, and how long a node killed with kill -9 takes to serve again.
#
#   deploy/bench-scale.sh [--keys 1000000] [--value-size 256] [--load-concurrency 256]
#                         [--stall-rounds 2] [--stall-duration 30s] [--warmup 5s] [--stall-concurrency 16]
#                         [--snapshot-every 10s] [--restart follower,leader|none] [--markdown FILE]
#                         [--cluster-dir DIR [--skip-load]] [--keep] [--help]
#
# Starts a cluster with deploy/local-cluster.sh in a temporary folder of its own, writes every key
# once through the asynchronous Java client, then reports (1) each node's resident memory (VmRSS,
# VmHWM), its JVM's heap, non-heap and direct buffers (Prometheus /metrics), the live heap after a
# full GC (jcmd) and its data on disk; (2) put p50/p99 of a closed loop with and without every node
# taking snapshots (Maintenance.Snapshot, all nodes at once every 10 s), in alternating runs; (3) for a follower and
# then the leader: kill -9, start again, and the seconds from the process start until its health
# says SERVING and until it answers a linearizable get of a key written just before the kill, with
# the milestones of its log (snapshot loaded, server started, leader known). Prints a Markdown
# summary. The cluster is stopped and the folder deleted at the end, also on Ctrl-C or failure.
#
# Ports: clients 53051-53053 (KVSTORE_BENCH_CLIENT_PORT_BASE), Raft 9001-9003
# (KVSTORE_BENCH_RAFT_PORT_BASE), metrics 53151-53153 (KVSTORE_BENCH_METRICS_PORT_BASE). Node JVM
# options: KVSTORE_JAVA_OPTS (local-cluster.sh's); of the load generator: KVSTORE_BENCH_JAVA_OPTS.
# Builds kvstore first (./mvnw package, no install). A million keys take a few minutes to load on
# two cores; with the defaults the whole run takes about loading time plus 6 minutes. --cluster-dir
# keeps the loaded cluster (stopped) so that later runs can measure again with --skip-load.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLIENT_BASE="${KVSTORE_BENCH_CLIENT_PORT_BASE:-53051}"
RAFT_BASE="${KVSTORE_BENCH_RAFT_PORT_BASE:-9001}"
METRICS_BASE="${KVSTORE_BENCH_METRICS_PORT_BASE:-$((CLIENT_BASE + 100))}"

die() { echo "bench-scale: $*" >&2; exit 1; }

# shellcheck source=deploy/bench-harness.sh
source "$ROOT/deploy/bench-harness.sh"
bench_help "${BASH_SOURCE[0]}" 25 "$@"

bench_build

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kvstore-scale-XXXXXX")"
export KVSTORE_CLIENT_PORT_BASE="$CLIENT_BASE" KVSTORE_RAFT_PORT_BASE="$RAFT_BASE" KVSTORE_METRICS_PORT_BASE="$METRICS_BASE"
trap 'bench_cleanup "$WORK" "$@"' EXIT

"${JAVA:-java}" ${KVSTORE_BENCH_JAVA_OPTS:-} -cp "$CLASSPATH" dev.kvstore.scale.ScaleBench \
  --repo "$ROOT" --work-dir "$WORK" --client-port-base "$CLIENT_BASE" --raft-port-base "$RAFT_BASE" \
  --metrics-port-base "$METRICS_BASE" "$@"
