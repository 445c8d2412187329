#!/usr/bin/env bash
# Wall time of one-shot CLI commands, from the shell's point of view (JVM start to exit, launcher
# included), against a running cluster. Each variant runs once unmeasured (this also records the
# CLI's start-up archives, whose recording then finishes before any run is measured), then N times,
# the variants alternating so that a change in the machine's load hits them all alike; prints the
# median, 90th percentile and minimum of each, and the load average before and after. Numbers from
# a busy machine are noisy: compare variants of one run.
#
#   deploy/bench-cli-startup.sh [--runs N] [--key KEY] [--start-cluster] [--variant NAME=COMMAND]...
#
#   --runs N             measured runs per variant (default 20)
#   --key KEY            the key to get (default bench-cli-startup; written once before measuring)
#   --start-cluster      start a three-node cluster for the run (deploy/local-cluster.sh, in a
#                        temporary folder, ports from KVSTORE_CLIENT_PORT_BASE / KVSTORE_RAFT_PORT_BASE
#                        / KVSTORE_METRICS_PORT_BASE), and remove it afterwards; otherwise the cluster
#                        at $KVSTORE_ENDPOINTS (default: the local cluster's) must be running
#   --variant NAME=CMD   measure CMD (a shell command; $KEY is the key) instead of the default
#                        variants; repeatable, e.g.
#                        --variant 'g1=KVSTORE_CLI_JAVA_OPTS="-XX:TieredStopAtLevel=1" deploy/kvstore get $KEY'
#
# Default variants:
#   get         deploy/kvstore get KEY, as shipped (java on the PATH, or $JAVA; its start-up archive)
#   get-no-cds  the same without the archive (KVSTORE_CLI_CDS=off)
#   version     deploy/kvstore --version (no cluster involved)
#   jvm         java -version with the launcher's JVM options: the floor any Java CLI pays here
#   get-jdk25   deploy/kvstore get KEY on a JDK 25+ (its AOT cache): $KVSTORE_CLI_JAVA, else
#               Temurin 25 where this machine kind has it (/usr/lib/jvm/temurin-25-jdk-amd64);
#               only when there is one
#   jvm-jdk25   java -version of that JDK, with the launcher's JVM options
#   etcdctl     etcdctl get KEY, only when etcdctl is installed and ETCDCTL_ENDPOINTS names a
#               running etcd (for the comparison in docs/benchmarks.md)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLI="$ROOT/deploy/kvstore"

runs=20 KEY=bench-cli-startup start_cluster=false names=() commands=()
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift ;;
    --key) KEY="$2"; shift ;;
    --start-cluster) start_cluster=true ;;
    --variant) names+=("${2%%=*}"); commands+=("${2#*=}"); shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench-cli-startup: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench-cli-startup: --runs must be a positive number" >&2; exit 2; }

if [[ "$start_cluster" == true ]]; then
  KVSTORE_CLUSTER_DIR="$(mktemp -d)"
  export KVSTORE_CLUSTER_DIR
  trap '"$ROOT/deploy/local-cluster.sh" clean > /dev/null 2>&1 || true; rm -rf "$KVSTORE_CLUSTER_DIR"' EXIT
  "$ROOT/deploy/local-cluster.sh" up > /dev/null
  base="${KVSTORE_CLIENT_PORT_BASE:-50051}"
  export KVSTORE_ENDPOINTS="127.0.0.1:$base,127.0.0.1:$((base + 1)),127.0.0.1:$((base + 2))"
fi
export KVSTORE_ENDPOINTS="${KVSTORE_ENDPOINTS:-127.0.0.1:50051,127.0.0.1:50052,127.0.0.1:50053}"
export KEY
# The JVM options deploy/kvstore gives a one-shot command.
export LAUNCHER_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Djdk.reflect.useNativeAccessorOnly=true"

if ((${#names[@]} == 0)); then
  names=(get get-no-cds version jvm)
  commands=(
    '"$CLI" get "$KEY"'
    'KVSTORE_CLI_CDS=off "$CLI" get "$KEY"'
    '"$CLI" --version'
    '"${JAVA:-java}" $LAUNCHER_OPTS -version')
  # shellcheck source=deploy/cds-archive.sh
  source "$ROOT/deploy/cds-archive.sh"
  JDK25="${KVSTORE_CLI_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
  if (($(JAVA="$JDK25" jdk_feature_version || echo 0) >= 25)); then
    export JDK25
    names+=(get-jdk25 jvm-jdk25)
    commands+=('JAVA="$JDK25" "$CLI" get "$KEY"' '"$JDK25" $LAUNCHER_OPTS -version')
  fi
  if command -v etcdctl > /dev/null && [[ -n "${ETCDCTL_ENDPOINTS:-}" ]]; then
    ETCDCTL_API=3 etcdctl put "$KEY" value > /dev/null
    names+=(etcdctl)
    commands+=('ETCDCTL_API=3 etcdctl get "$KEY"')
  fi
fi

"$CLI" put "$KEY" "a value to read back" > /dev/null || {
  echo "bench-cli-startup: cannot write to the cluster at $KVSTORE_ENDPOINTS (is it running? see --start-cluster)" >&2
  exit 1
}

# Runs variant $1 once; prints its wall time in ms, or fails with its exit code.
run_once() {
  local start end
  start=$(date +%s%N)
  eval "${commands[$1]}" > /dev/null 2>&1 || return $?
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

for i in "${!names[@]}"; do
  run_once "$i" > /dev/null || { echo "bench-cli-startup: variant ${names[$i]} failed: ${commands[$i]}" >&2; exit 1; }
done
# A recording in the background holds a lock folder next to the jar until its archive is kept.
for ((waited = 0; waited < 120; waited++)); do
  compgen -G "$ROOT/client/target/cds/*.lock" > /dev/null || break
  sleep 0.5
done

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
declare -a times
for ((r = 0; r < runs; r++)); do
  for i in "${!names[@]}"; do
    ms="$(run_once "$i")" || { echo "bench-cli-startup: variant ${names[$i]} failed on run $((r + 1))" >&2; exit 1; }
    times[i]="${times[i]:-} $ms"
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "CLI start-up: $runs runs per variant, alternating; $(nproc) CPUs; load average before $load_before, after $load_after"
printf '%-12s %10s %8s %8s\n' variant "median ms" "p90 ms" "min ms"
for i in "${!names[@]}"; do
  # shellcheck disable=SC2086 # the list is numbers separated by spaces
  sorted="$(printf '%s\n' ${times[i]} | sort -n)"
  printf '%-12s %10s %8s %8s\n' "${names[$i]}" \
    "$(awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)}' <<< "$sorted")" \
    "$(awk '{a[NR] = $1} END {i = int(NR * 0.9 + 0.999); if (i > NR) i = NR; print a[i]}' <<< "$sorted")" \
    "$(head -1 <<< "$sorted")"
done
