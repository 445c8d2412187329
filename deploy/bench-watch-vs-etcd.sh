#!/usr/bin/env bash
# Measures watch delivery on kvstore and etcd 3.4 on this machine, side by side, with the ratios.
#
#   deploy/bench-watch-vs-etcd.sh [--rounds 2] [--warmup-rounds 1] [--watchers 10000]
#                                 [--watchers-per-key 1] [--prefix] [--rate 1000]
#                                 [--duration 20s] [--warmup 5s] [--value-size 256]
#                                 [--watch-on follower|leader] [--markdown FILE] [--keep] [--help]
#
# Starts a 3-member etcd cluster (Debian's etcd-server package, default settings) and a 3-node
# kvstore cluster (deploy/local-cluster.sh), both on 127.0.0.1. Then, round after round and on each
# system in turn (kvstore first in odd rounds): opens the watchers on one member (a follower by
# default), puts --rate stamped values per second to random watched keys through all members, and
# records each event's delay from the put's send time (as `kvstore bench watch-latency`). Prints
# each run, then medians and kvstore/etcd ratios in Markdown, with the CPU time per put of each
# system's servers and of the load generator. Everything runs in one temporary folder that is
# deleted at the end, also on Ctrl-C or failure. Ports as deploy/bench-vs-etcd.sh (etcd 52379-52384,
# kvstore clients 51051-51053, Raft 8001-8003; the same KVSTORE_BENCH_*_PORT_BASE variables).
# Takes (warm-up rounds + rounds) x 2 x (registering + warm-up + duration + ~10 s) plus a minute.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ETCD_BASE="${KVSTORE_BENCH_ETCD_PORT_BASE:-52379}"
CLIENT_BASE="${KVSTORE_BENCH_CLIENT_PORT_BASE:-51051}"
RAFT_BASE="${KVSTORE_BENCH_RAFT_PORT_BASE:-8001}"

die() { echo "bench-watch-vs-etcd: $*" >&2; exit 1; }

# shellcheck source=deploy/bench-harness.sh
source "$ROOT/deploy/bench-harness.sh"
bench_help "${BASH_SOURCE[0]}" 18 "$@"
bench_require_etcd
bench_build

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kvstore-watch-vs-etcd-XXXXXX")"
export KVSTORE_CLIENT_PORT_BASE="$CLIENT_BASE" KVSTORE_RAFT_PORT_BASE="$RAFT_BASE"
trap 'bench_cleanup "$WORK" "$@"' EXIT

"${JAVA:-java}" ${KVSTORE_BENCH_JAVA_OPTS:-} -cp "$CLASSPATH" dev.kvstore.comparison.WatchComparison \
  --repo "$ROOT" --work-dir "$WORK" --etcd "$(command -v etcd)" --etcd-port-base "$ETCD_BASE" \
  --kvstore-client-port-base "$CLIENT_BASE" --kvstore-raft-port-base "$RAFT_BASE" "$@"
