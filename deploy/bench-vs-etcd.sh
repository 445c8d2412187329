#!/usr/bin/env bash
# Measures kvstore against etcd 3.4 on this machine, side by side, and prints the ratios.
#
#   deploy/bench-vs-etcd.sh [--rounds 3] [--duration 20s] [--warmup 5s]
#                           [--loads put:1,put:16,put:64,get:64,get-serializable:64]
#                           [--keys 10000] [--value-size 256] [--markdown FILE] [--keep] [--help]
#
# Starts a 3-member etcd cluster (Debian's etcd-server package, default settings: fsync on) and a
# 3-node kvstore cluster (deploy/local-cluster.sh), both on 127.0.0.1, then runs every load on each
# system alternately, round after round, with the same load engine as `kvstore bench`; prints each
# run, a table of medians and kvstore/etcd ratios, and the same table in Markdown. Everything runs
# in one temporary folder that is deleted at the end, also on Ctrl-C or failure.
#
# Ports: etcd 52379-52384 (KVSTORE_BENCH_ETCD_PORT_BASE), kvstore clients 51051-51053
# (KVSTORE_BENCH_CLIENT_PORT_BASE) and Raft 8001-8003 (KVSTORE_BENCH_RAFT_PORT_BASE).
# Installs etcd with apt-get when it is missing and this runs as root. Builds kvstore first
# (./mvnw package, no install). Takes rounds x loads x 2 x (warm-up + duration) plus about a minute.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ETCD_BASE="${KVSTORE_BENCH_ETCD_PORT_BASE:-52379}"
CLIENT_BASE="${KVSTORE_BENCH_CLIENT_PORT_BASE:-51051}"
RAFT_BASE="${KVSTORE_BENCH_RAFT_PORT_BASE:-8001}"

die() { echo "bench-vs-etcd: $*" >&2; exit 1; }

# shellcheck source=deploy/bench-harness.sh
source "$ROOT/deploy/bench-harness.sh"
bench_help "${BASH_SOURCE[0]}" 18 "$@"

bench_require_etcd

bench_build

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kvstore-vs-etcd-XXXXXX")"
export KVSTORE_CLIENT_PORT_BASE="$CLIENT_BASE" KVSTORE_RAFT_PORT_BASE="$RAFT_BASE"
trap 'bench_cleanup "$WORK" "$@"' EXIT

"${JAVA:-java}" ${KVSTORE_BENCH_JAVA_OPTS:-} -cp "$CLASSPATH" dev.kvstore.comparison.EtcdComparison \
  --repo "$ROOT" --work-dir "$WORK" --etcd "$(command -v etcd)" --etcd-port-base "$ETCD_BASE" \
  --kvstore-client-port-base "$CLIENT_BASE" --kvstore-raft-port-base "$RAFT_BASE" "$@"
