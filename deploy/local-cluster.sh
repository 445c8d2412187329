#!/usr/bin/env bash
# Runs a three-node kvstore cluster as local processes on 127.0.0.1 (no Docker needed).
#
#   deploy/local-cluster.sh up            build what is missing, start n1 n2 n3, wait until they serve
#   deploy/local-cluster.sh status        processes, ports and the cluster's own status
#   deploy/local-cluster.sh down          stop exactly the processes this script started (data is kept)
#   deploy/local-cluster.sh clean         down, then delete the cluster folder (data and logs)
#   deploy/local-cluster.sh start NODE    start one node again (e.g. after kill); --no-wait: do not
#                                         wait until it serves (who times its restart polls it instead)
#   deploy/local-cluster.sh stop NODE     stop one node gracefully (SIGTERM)
#   deploy/local-cluster.sh kill NODE     kill -9 one node, for failure drills
#   deploy/local-cluster.sh logs NODE     follow one node's log
#   deploy/local-cluster.sh join NODE     start n4 or n5 to join the running cluster
#                                         (--initial-cluster-state existing); then add it with
#                                         deploy/kvstore member add (see README, "Membership")
#
# Client ports 50051-50053, Raft ports 7001-7003, Prometheus metrics on 50151-50153 (client port + 100,
# http://127.0.0.1:50151/metrics); everything (data, logs, pid files) lives in .cluster/ at the top of
# the repository. Environment: KVSTORE_CLUSTER_DIR, KVSTORE_CLIENT_PORT_BASE, KVSTORE_RAFT_PORT_BASE,
# KVSTORE_METRICS_PORT_BASE (0: no metrics), KVSTORE_JAVA_OPTS, JAVA, KVSTORE_NODE_CDS=off and
# KVSTORE_NODE_TRAINING_SECONDS (see below).
#
# TLS (opt-in): KVSTORE_TLS_DIR=DIR deploy/local-cluster.sh up makes the certificates in DIR when
# missing (deploy/make-certs.sh) and starts every node with client TLS requiring client certificates
# (mTLS) and peer TLS; `status`, `start` and the readiness check use DIR/root.pem as client. The CLI
# then needs --cacert DIR/ca.pem --cert DIR/root.pem --key DIR/root-key.pem (or KVSTORE_CACERT,
# KVSTORE_CERT, KVSTORE_KEY). Give the same KVSTORE_TLS_DIR to every command of one cluster.
#
# Authentication (opt-in, combinable with TLS): KVSTORE_ROOT_PASSWORD_FILE=FILE deploy/local-cluster.sh up
# starts every node with --initial-root-password-file FILE: the first leader of a new cluster adds
# the user root with the password in FILE, gives it the role root and enables authentication. The
# CLI then signs in: deploy/kvstore --user root (asks for the password), or, with TLS, root's client
# certificate names the user root. The file only seeds a new cluster; `status` signs in with it.
#
# The nodes' JVM: $JAVA, else java on the PATH (JDK 17+). On JDK 25+ (e.g.
# JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java) the first `up` of a new build records an AOT
# cache (JEP 483 and 515: the classes loaded and linked, and the method profiles of a serving
# cluster) by a training run before the nodes start: dev.kvstore.node.ClassArchiveTraining, a
# throw-away group on loopback under KVSTORE_NODE_TRAINING_SECONDS (default 30) of round-robin puts
# and gets; with the group's start and the writing of the cache (some 100 MB, node/target/cds/)
# about 75 s on 2 cores. Every start maps it, and the JIT starts from the recorded profiles: a fresh
# cluster did about twice the puts of JDK 17 in its first minute, but JDK 17 did 10-20% more from
# the third minute on, hence not the default (docs/benchmarks.md, "Warm-up"). On an older JDK a
# node loads about 7,000 classes (Ratis, gRPC and Netty twice, protobuf, Micrometer), 3.5 s of CPU
# on two busy cores, before it reads its snapshot: the first `up` of a new build records them in a
# class-data sharing archive (jcmd VM.cds static_dump of the running n1, in the background, about
# 10 s of CPU once; needs the JDK's jcmd), which every later start maps and needs less than half that
# (docs/benchmarks.md, "Scale"). KVSTORE_NODE_CDS=off neither records nor uses either.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${KVSTORE_CLUSTER_DIR:-$ROOT/.cluster}"
# Absolute: nodes run in their own folders.
[[ "$DIR" == /* ]] || DIR="$PWD/$DIR"
CLIENT_BASE="${KVSTORE_CLIENT_PORT_BASE:-50051}"
RAFT_BASE="${KVSTORE_RAFT_PORT_BASE:-7001}"
METRICS_BASE="${KVSTORE_METRICS_PORT_BASE:-$((CLIENT_BASE + 100))}"
JAVA="${JAVA:-java}"
# 700 MB of heap: with a million keys of 256 bytes a node holds about 500 MB of live objects, and
# its memory beyond the heap (GC structures, classes, compiled code, network buffers) is about
# 200 MB, so the process stays under 1 GB resident (docs/benchmarks.md, "Scale").
# C2 inlines as JDK 13 did (MaxInlineLevel 9, InlineSmallCode 1000; 15 and 2500 since JDK 14): a
# fresh node compiles for minutes, on cores it shares with its peers, and smaller inlining trees
# make each compile cheaper. A fresh cluster did 1.7 times the puts in its first minute and no
# fewer from the third on (docs/benchmarks.md, "Warm-up: C2's inlining limits").
JAVA_OPTS="${KVSTORE_JAVA_OPTS:--Xms64m -Xmx700m -XX:MaxInlineLevel=9 -XX:InlineSmallCode=1000}"
CDS="${KVSTORE_NODE_CDS:-on}"
TRAINING_SECONDS="${KVSTORE_NODE_TRAINING_SECONDS:-30}"
[[ "$TRAINING_SECONDS" =~ ^[0-9]+$ ]] && ((10#$TRAINING_SECONDS <= 3600)) \
  || { echo "local-cluster: KVSTORE_NODE_TRAINING_SECONDS must be a whole number of seconds from 0 to 3600, not '$TRAINING_SECONDS'" >&2; exit 1; }
TRAINING_SECONDS=$((10#$TRAINING_SECONDS))
NODE_JAR="$ROOT/node/target/kvstore-node.jar"
CLI_JAR="$ROOT/client/target/kvstore-cli.jar"
NODES=(n1 n2 n3)
# Nodes that can join the running cluster (join NODE): they start outside the configuration.
JOINERS=(n4 n5)
TLS_DIR="${KVSTORE_TLS_DIR:-}"
if [[ -n "$TLS_DIR" ]]; then
  [[ "$TLS_DIR" == /* ]] || TLS_DIR="$PWD/$TLS_DIR"
  # What the CLI and the health probe read (see deploy/kvstore and HealthProbe).
  export KVSTORE_CACERT="$TLS_DIR/ca.pem" KVSTORE_CERT="$TLS_DIR/root.pem" KVSTORE_KEY="$TLS_DIR/root-key.pem"
fi

ROOT_PASSWORD_FILE="${KVSTORE_ROOT_PASSWORD_FILE:-}"
if [[ -n "$ROOT_PASSWORD_FILE" ]]; then
  [[ "$ROOT_PASSWORD_FILE" == /* ]] || ROOT_PASSWORD_FILE="$PWD/$ROOT_PASSWORD_FILE"
fi

die() { echo "local-cluster: $*" >&2; exit 1; }

# shellcheck source=deploy/cds-archive.sh
source "$ROOT/deploy/cds-archive.sh"
NODE_FEATURE="$(jdk_feature_version)" || NODE_FEATURE=0
# From JDK 24 on, the JVM warns at start (into the node's log) when a library uses sun.misc.Unsafe's
# memory access or loads native code (Netty, inside Ratis and gRPC, does both); these allow it, as
# JDK 17 did. The AOT cache's training run needs the same ones: module options must match.
NODE_JDK_OPTS=""
((NODE_FEATURE < 24)) || NODE_JDK_OPTS="--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"
# The nodes' start-up archive for this node jar and their JVM, an AOT cache (whose name carries the
# training's length) on JDK 25+, a class-data archive before; fails when there is none to use or
# record.
node_archive() {
  [[ "$CDS" != off ]] || return 1
  if ((NODE_FEATURE >= 25)); then
    cds_archive_path "$NODE_JAR" "kvstore-node-t$TRAINING_SECONDS" aot
  else
    cds_archive_path "$NODE_JAR" kvstore-node
  fi
}

index_of() {
  case "$1" in
    n1) echo 0 ;; n2) echo 1 ;; n3) echo 2 ;; n4) echo 3 ;; n5) echo 4 ;;
    *) die "unknown node '$1'; nodes are ${NODES[*]} (and ${JOINERS[*]} to join)" ;;
  esac
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
  for n in "${NODES[@]}"; do out="${out:+$out,}$n=127.0.0.1:$(raft_port "$n")/127.0.0.1:$(client_port "$n")"; done
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

# The joiners that have a pid file (started once): down, clean and status include them.
started_joiners() {
  local n
  for n in "${JOINERS[@]}"; do [[ -f "$DIR/$n.pid" ]] && echo "$n"; done
  return 0
}

# --peers and, for a joiner, the flag that makes it wait to be added.
membership_flags() {
  local n="$1" joiner
  for joiner in "${JOINERS[@]}"; do
    if [[ "$n" == "$joiner" ]]; then
      echo "--peers $(peers),$n=127.0.0.1:$(raft_port "$n")/127.0.0.1:$(client_port "$n") --initial-cluster-state existing"
      return 0
    fi
  done
  echo "--peers $(peers)"
}

# The TLS flags of node $1 when KVSTORE_TLS_DIR is set (paths without spaces), none otherwise.
tls_flags() {
  [[ -n "$TLS_DIR" ]] || return 0
  echo "--client-cert-file $TLS_DIR/$1.pem --client-key-file $TLS_DIR/$1-key.pem" \
    "--client-trusted-ca-file $TLS_DIR/ca.pem --client-cert-auth" \
    "--peer-cert-file $TLS_DIR/$1.pem --peer-key-file $TLS_DIR/$1-key.pem --peer-trusted-ca-file $TLS_DIR/ca.pem"
}

# The auth flag when KVSTORE_ROOT_PASSWORD_FILE is set (a path without spaces), none otherwise.
auth_flags() {
  [[ -z "$ROOT_PASSWORD_FILE" ]] || echo "--initial-root-password-file $ROOT_PASSWORD_FILE"
}

start_node() {
  local n="$1" pid
  if pid="$(pid_of "$n")"; then
    echo "$n already running (pid $pid)"
    return 0
  fi
  mkdir -p "$DIR/$n"
  local cds=() cds_note="" archive
  if archive="$(node_archive)" && [[ -f "$archive" ]]; then
    # A stale or foreign archive is only warned about, on standard output: keep the log clean.
    if [[ "$archive" == *.aot ]]; then
      cds=(-XX:AOTCache="$archive" -Xlog:aot*=off,cds*=off)
      cds_note=", JDK $NODE_FEATURE with AOT cache"
    else
      cds=(-XX:SharedArchiveFile="$archive" -Xshare:auto -Xlog:cds=off,cds+dynamic=off)
      cds_note=", class-data archive"
    fi
  fi
  # setsid: the node must not die with the terminal or the Ctrl-C that stops a CLI watch. Its own
  # folder as working directory: what the JVM writes there (a CDS dump's output) stays with it.
  (cd "$DIR/$n" && exec setsid "$JAVA" $JAVA_OPTS $NODE_JDK_OPTS ${cds[@]+"${cds[@]}"} -jar "$NODE_JAR" \
    --node-id "$n" $(membership_flags "$n") --client-port "$(client_port "$n")" --metrics-port "$(metrics_port "$n")" \
    --bind-address 127.0.0.1 --data-dir "$DIR/$n/data" $(tls_flags "$n") $(auth_flags) \
    >> "$DIR/$n/node.log" 2>&1 < /dev/null) &
  echo $! > "$DIR/$n.pid"
  echo "$n started (pid $!, client port $(client_port "$n"), raft port $(raft_port "$n"), metrics $(metrics_url "$n"),"\
    "log $DIR/$n/node.log$cds_note)"
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

# Records the nodes' AOT cache (JDK 25+) when this build and JVM have none, before they start, by
# the training run (see the top); a failed run only costs the cache. Keeps the cache only once a JVM
# has mapped it (a truncated one would crash the JVM that maps it rather than being ignored).
record_aot_cache() {
  local archive lock tmp log started=$SECONDS
  archive="$(node_archive)" && [[ "$archive" == *.aot && ! -f "$archive" ]] || return 0
  mkdir -p "${archive%/*}" || return 0
  lock="$archive.lock"
  # A training that was killed leaves its lock behind: after twenty minutes another may start.
  find "$lock" -maxdepth 0 -mmin +20 -exec rm -rf {} + 2> /dev/null || true
  if ! mkdir "$lock" 2> /dev/null; then
    echo "another up is recording the nodes' AOT cache; starting them without one"
    return 0
  fi
  tmp="$archive.$$.tmp"
  log="$DIR/aot-training.log"
  echo "recording the nodes' AOT cache (once per build and JDK: ${TRAINING_SECONDS}s of training load, about" \
    "$((TRAINING_SECONDS + 45))s in all; log $log)"
  # The nodes' JVM options: a cache recorded with others (another GC) may not fit them.
  if "$JAVA" $JAVA_OPTS $NODE_JDK_OPTS -XX:AOTCacheOutput="$tmp" -cp "$NODE_JAR" dev.kvstore.node.ClassArchiveTraining \
        --load-seconds "$TRAINING_SECONDS" > "$log" 2>&1 < /dev/null \
      && "$JAVA" $JAVA_OPTS $NODE_JDK_OPTS -XX:AOTMode=on -XX:AOTCache="$tmp" -Xlog:aot*=off,cds*=off -XX:-UsePerfData \
        -XX:ErrorFile=/dev/null -XX:-CreateCoredumpOnCrash -cp "$NODE_JAR" -version > /dev/null 2>&1; then
    # Caches recorded before this jar was built are never used again.
    find "${archive%/*}" -maxdepth 1 -name 'kvstore-node-*.aot' ! -newer "$NODE_JAR" -delete 2> /dev/null || true
    mv -f "$tmp" "$archive"
    echo "recorded the nodes' AOT cache in $((SECONDS - started))s: $archive"
  else
    echo "warning: could not record the nodes' AOT cache (see $log); starting them without one"
  fi
  rm -f "$tmp" "$tmp.config"
  rm -rf "$lock"
}

# Records the class-data archive (JDK 17-24) from the running n1 when this build has none, in the
# background.
record_archive() {
  local archive pid lock
  archive="$(node_archive)" && [[ "$archive" == *.jsa ]] || return 0
  [[ ! -f "$archive" ]] && command -v jcmd > /dev/null && pid="$(pid_of n1)" || return 0
  mkdir -p "${archive%/*}" || return 0
  lock="$archive.lock"
  # A dump that was killed leaves its lock behind: after ten minutes another may start.
  find "$lock" -maxdepth 0 -mmin +10 -exec rm -rf {} + 2> /dev/null || true
  mkdir "$lock" 2> /dev/null || return 0
  echo "recording the nodes' class-data archive from n1 in the background (once per build)"
  (
    dump="$archive.$$.tmp"
    # n1 lists its classes and starts a JVM that dumps them; the dump is checked before it is kept
    # (a truncated archive crashes the JVM that maps it rather than being ignored).
    if jcmd "$pid" VM.cds static_dump "$dump" && [[ -s "$dump" ]] \
        && "$JAVA" -Xshare:on -XX:SharedArchiveFile="$dump" -Xlog:cds=off,cds+dynamic=off -XX:-UsePerfData \
          -XX:ErrorFile=/dev/null -XX:-CreateCoredumpOnCrash -cp "$NODE_JAR" -version; then
      # Archives of an older jar or JVM are never used again.
      find "${archive%/*}" -maxdepth 1 -name 'kvstore-node-*.jsa' ! -name "${archive##*/}" -delete || true
      mv -f "$dump" "$archive"
    fi
    rm -f "$dump" "$dump.classlist" "$DIR"/n1/java_pid*_std{out,err}
    rm -rf "$lock"
  ) < /dev/null > /dev/null 2>&1 &
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
    if [[ -n "$ROOT_PASSWORD_FILE" ]]; then
      [[ "$ROOT_PASSWORD_FILE" != *" "* ]] || die "KVSTORE_ROOT_PASSWORD_FILE must not contain spaces"
      [[ -s "$ROOT_PASSWORD_FILE" && -r "$ROOT_PASSWORD_FILE" ]] \
        || die "KVSTORE_ROOT_PASSWORD_FILE=$ROOT_PASSWORD_FILE is missing, empty or unreadable: put root's password in it"
    fi
    build_if_needed "${2:-}"
    mkdir -p "$DIR"
    if [[ -n "$TLS_DIR" ]]; then
      [[ "$TLS_DIR" != *" "* ]] || die "KVSTORE_TLS_DIR must not contain spaces"
      "$ROOT/deploy/make-certs.sh" "$TLS_DIR" > /dev/null
    fi
    record_aot_cache
    for n in "${NODES[@]}"; do start_node "$n"; done
    wait_serving "${NODES[@]}"
    record_archive
    echo
    echo "endpoints: $(endpoints)"
    echo "metrics:   $(for n in "${NODES[@]}"; do printf '%s ' "$(metrics_url "$n")"; done)"
    if [[ -n "$TLS_DIR" ]]; then
      echo "TLS:       mTLS on client ports, TLS between peers; certificates in $TLS_DIR"
      echo "try:       export KVSTORE_CACERT=$TLS_DIR/ca.pem KVSTORE_CERT=$TLS_DIR/root.pem KVSTORE_KEY=$TLS_DIR/root-key.pem"
      echo "           deploy/kvstore put hello world && deploy/kvstore get hello"
    else
      echo "try:       deploy/kvstore put hello world && deploy/kvstore get hello"
    fi
    if [[ -n "$ROOT_PASSWORD_FILE" ]]; then
      echo "auth:      enabled on a new cluster; user root, password in $ROOT_PASSWORD_FILE"
      echo "           deploy/kvstore --user root user list    (asks for the password)"
    fi
    ;;
  down)
    for n in "${NODES[@]}" $(started_joiners); do stop_node "$n"; done
    ;;
  clean)
    for n in "${NODES[@]}" $(started_joiners); do stop_node "$n"; done
    rm -rf "$DIR"
    echo "removed $DIR"
    ;;
  status)
    for n in "${NODES[@]}" $(started_joiners); do
      if pid="$(pid_of "$n")"; then
        echo "$n running   pid $pid  client 127.0.0.1:$(client_port "$n")  raft 127.0.0.1:$(raft_port "$n")  metrics $(metrics_url "$n")"
      else
        echo "$n stopped"
      fi
    done
    if [[ -f "$CLI_JAR" ]]; then
      echo
      if [[ -n "$ROOT_PASSWORD_FILE" && -r "$ROOT_PASSWORD_FILE" ]]; then
        # In the environment of this one command, not on its command line (the process list).
        KVSTORE_USER=root KVSTORE_PASSWORD="$(head -n 1 "$ROOT_PASSWORD_FILE")" \
          "$JAVA" -jar "$CLI_JAR" --endpoints "$(endpoints)" status || true
      else
        "$JAVA" -jar "$CLI_JAR" --endpoints "$(endpoints)" status || true
      fi
    fi
    ;;
  start)
    [[ -n "${2:-}" ]] || die "usage: $0 start NODE [--no-wait]"
    [[ -z "${3:-}" || "${3:-}" == "--no-wait" ]] || die "usage: $0 start NODE [--no-wait]"
    build_if_needed
    start_node "$2"
    # The wait polls with a JVM every half second: on a small machine that competes with the start.
    [[ "${3:-}" == "--no-wait" ]] || wait_serving "$2"
    ;;
  join)
    [[ "${2:-}" == n4 || "${2:-}" == n5 ]] || die "usage: $0 join n4|n5"
    build_if_needed
    start_node "$2"
    echo "$2 waits outside the cluster until a member adds it:"
    echo "  deploy/kvstore member add $2 127.0.0.1:$(raft_port "$2") --client-address 127.0.0.1:$(client_port "$2")"
    echo "  deploy/kvstore member promote $2"
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
    # The comment at the top, up to the line before `set`.
    sed -n '2,/^set -euo pipefail$/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
    [[ -z "$cmd" || "$cmd" == "-h" || "$cmd" == "--help" || "$cmd" == "help" ]] || exit 2
    ;;
esac
