#!/usr/bin/env bash
# Runs a three-node kvstore cluster as local processes on 127.0.0.1 (no Docker needed).
#
#   deploy/local-cluster.sh up            build what is missing, start n1 n2 n3, wait until they serve
#   deploy/local-cluster.sh status        processes, ports and the cluster's own status
#   deploy/local-cluster.sh down          stop exactly the processes this script started (data is kept)
#   deploy/local-cluster.sh clean         down, then delete the cluster folder (data and logs)
#   deploy/local-cluster.sh start NODE    start one node again (e.g. after kill)
#   deploy/local-cluster.sh stop NODE     stop one node gracefully (SIGTERM)
#   deploy/local-cluster.sh kill NODE     kill -9 one node, for failure drills
#   deploy/local-cluster.sh logs NODE     follow one node's log
#
# Client ports 50051-50053, Raft ports 7001-7003, Prometheus metrics on 50151-50153 (client port + 100,
# http://127.0.0.1:50151/metrics); everything (data, logs, pid files) lives in .cluster/ at the top of
# the repository. Environment: KVSTORE_CLUSTER_DIR, KVSTORE_CLIENT_PORT_BASE, KVSTORE_RAFT_PORT_BASE,
# KVSTORE_METRICS_PORT_BASE (0: no metrics), KVSTORE_JAVA_OPTS, JAVA.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${KVSTORE_CLUSTER_DIR:-$ROOT/.cluster}"
CLIENT_BASE="${KVSTORE_CLIENT_PORT_BASE:-50051}"
RAFT_BASE="${KVSTORE_RAFT_PORT_BASE:-7001}"
METRICS_BASE="${KVSTORE_METRICS_PORT_BASE:-$((CLIENT_BASE + 100))}"
JAVA="${JAVA:-java}"
JAVA_OPTS="${KVSTORE_JAVA_OPTS:--Xms64m -Xmx1g}"
NODE_JAR="$ROOT/node/target/kvstore-node.jar"
CLI_JAR="$ROOT/client/target/kvstore-cli.jar"
NODES=(n1 n2 n3)

die() { echo "local-cluster: $*" >&2; exit 1; }

index_of() {
  case "$1" in n1) echo 0 ;; n2) echo 1 ;; n3) echo 2 ;; *) die "unknown node '$1'; nodes are ${NODES[*]}" ;; esac
}
client_port() { echo $((CLIENT_BASE + $(index_of "$1"))); }
raft_port() { echo $((RAFT_BASE + $(index_of "$1"))); }
metrics_port() { if ((METRICS_BASE == 0)); then echo 0; else echo $((METRICS_BASE + $(index_of "$1"))); fi; }
metrics_url() {
  local port
  port="$(metrics_port "$1")"
  if ((port == 0)); then echo "off"; else echo "http://127.0.0.1:$port/metrics"; fi
}
peers() {
  local out="" n
  for n in "${NODES[@]}"; do out="${out:+$out,}$n=127.0.0.1:$(raft_port "$n")"; done
  echo "$out"
}
endpoints() {
  local out="" n
  for n in "${NODES[@]}"; do out="${out:+$out,}127.0.0.1:$(client_port "$n")"; done
  echo "$out"
}

build_if_needed() {
  if [[ "${1:-}" == "--build" || ! -f "$NODE_JAR" || ! -f "$CLI_JAR" ]]; then
    echo "building kvstore (first run takes a minute)..."
    (cd "$ROOT" && ./mvnw -q -B -DskipTests package) || die "build failed"
  fi
}

# The pid in the pid file, only if that process is still our node (pids get reused).
pid_of() {
  local n="$1" pidfile="$DIR/$1.pid" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(cat "$pidfile")"
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "kvstore-node.jar --node-id $n " || return 1
  echo "$pid"
}

# True while the process in the pid file exists (right after start it may not have exec'd java yet).
alive() {
  [[ -f "$DIR/$1.pid" ]] && kill -0 "$(cat "$DIR/$1.pid")" 2> /dev/null
}

start_node() {
  local n="$1" pid
  if pid="$(pid_of "$n")"; then
    echo "$n already running (pid $pid)"
    return 0
  fi
  mkdir -p "$DIR/$n"
  # setsid: the node must not die with the terminal or the Ctrl-C that stops a CLI watch.
  setsid "$JAVA" $JAVA_OPTS -jar "$NODE_JAR" --node-id "$n" --peers "$(peers)" \
    --client-port "$(client_port "$n")" --metrics-port "$(metrics_port "$n")" --bind-address 127.0.0.1 \
    --data-dir "$DIR/$n/data" \
    >> "$DIR/$n/node.log" 2>&1 < /dev/null &
  echo $! > "$DIR/$n.pid"
  echo "$n started (pid $!, client port $(client_port "$n"), raft port $(raft_port "$n"), metrics $(metrics_url "$n"), log $DIR/$n/node.log)"
}

wait_serving() {
  local deadline=$((SECONDS + 60)) n pending
  while :; do
    pending=()
    for n in "$@"; do
      alive "$n" || { tail -n 20 "$DIR/$n/node.log" >&2; die "$n exited during start (log above)"; }
      "$JAVA" -cp "$NODE_JAR" dev.kvstore.node.HealthProbe "127.0.0.1:$(client_port "$n")" > /dev/null 2>&1 \
        || pending+=("$n")
    done
    [[ ${#pending[@]} -eq 0 ]] && break
    ((SECONDS < deadline)) || die "not serving after 60s: ${pending[*]} (see $DIR/<node>/node.log)"
    sleep 0.5
  done
  echo "serving: $*"
}

stop_node() {
  local n="$1" pid i
  pid="$(pid_of "$n")" || { echo "$n not running"; rm -f "$DIR/$n.pid"; return 0; }
  kill -TERM "$pid"
  for ((i = 0; i < 200; i++)); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2> /dev/null; then
    echo "$n did not stop within 20s; killing it"
    kill -KILL "$pid"
  fi
  rm -f "$DIR/$n.pid"
  echo "$n stopped"
}

cmd="${1:-}"
case "$cmd" in
  up)
    build_if_needed "${2:-}"
    mkdir -p "$DIR"
    for n in "${NODES[@]}"; do start_node "$n"; done
    wait_serving "${NODES[@]}"
    echo
    echo "endpoints: $(endpoints)"
    echo "metrics:   $(for n in "${NODES[@]}"; do printf '%s ' "$(metrics_url "$n")"; done)"
    echo "try:       deploy/kvstore put hello world && deploy/kvstore get hello"
    ;;
  down)
    for n in "${NODES[@]}"; do stop_node "$n"; done
    ;;
  clean)
    for n in "${NODES[@]}"; do stop_node "$n"; done
    rm -rf "$DIR"
    echo "removed $DIR"
    ;;
  status)
    for n in "${NODES[@]}"; do
      if pid="$(pid_of "$n")"; then
        echo "$n running   pid $pid  client 127.0.0.1:$(client_port "$n")  raft 127.0.0.1:$(raft_port "$n")  metrics $(metrics_url "$n")"
      else
        echo "$n stopped"
      fi
    done
    if [[ -f "$CLI_JAR" ]]; then
      echo
      "$JAVA" -jar "$CLI_JAR" --endpoints "$(endpoints)" status || true
    fi
    ;;
  start)
    [[ -n "${2:-}" ]] || die "usage: $0 start NODE"
    build_if_needed
    start_node "$2"
    wait_serving "$2"
    ;;
  stop)
    [[ -n "${2:-}" ]] || die "usage: $0 stop NODE"
    stop_node "$2"
    ;;
  kill)
    [[ -n "${2:-}" ]] || die "usage: $0 kill NODE"
    pid="$(pid_of "$2")" || die "$2 is not running"
    kill -KILL "$pid"
    echo "$2 killed (kill -9 pid $pid)"
    ;;
  logs)
    [[ -n "${2:-}" ]] || die "usage: $0 logs NODE"
    index_of "$2" > /dev/null
    exec tail -n 50 -F "$DIR/$2/node.log"
    ;;
  *)
    sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    [[ -z "$cmd" || "$cmd" == "-h" || "$cmd" == "--help" || "$cmd" == "help" ]] || exit 2
    ;;
esac
