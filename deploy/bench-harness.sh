# Sourced by deploy/bench-vs-etcd.sh, deploy/bench-watch-vs-etcd.sh and deploy/bench-scale.sh: what
# the harness launchers do around their Java harness. Expects ROOT (the repository) and die().

# bench_help SCRIPT LAST_LINE: prints lines 2..LAST_LINE of SCRIPT's header comment and exits 0
# when the arguments after the first two ask for help.
bench_help() {
  local script="$1" last="$2" arg
  shift 2
  for arg in "$@"; do
    if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then
      sed -n "2,${last}p" "$script" | sed 's/^# \{0,1\}//'
      exit 0
    fi
  done
}

# bench_build: builds kvstore (./mvnw package, no install) and sets CLASSPATH to the deploy
# module's test classes and their dependencies, where the harnesses live.
bench_build() {
  echo "building kvstore..."
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package -pl deploy -am \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test) || die "build failed"
  CLASSPATH="$ROOT/deploy/target/test-classes:$(cat "$ROOT/deploy/target/test-classpath.txt")"
}

# bench_require_etcd: etcd on the PATH, installed from Debian's packages when missing and this runs
# as root; prints its version.
bench_require_etcd() {
  if ! command -v etcd > /dev/null; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get > /dev/null; then
      echo "installing etcd from Debian's packages..."
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server etcd-client > /dev/null \
        || die "could not install etcd-server"
    else
      die "etcd not found: install it (Debian: apt-get install etcd-server) or put it on PATH"
    fi
  fi
  etcd --version | sed -n 1p  # sed reads it all: head would make etcd fail with SIGPIPE
}

# bench_cleanup WORK ARGS...: the harness cleans up after itself, also on Ctrl-C; this catches a
# harness that was killed. Cleans the kvstore cluster in WORK/kvstore (with the KVSTORE_*_PORT_BASE
# variables the caller exported for it), kills whatever else keeps data in WORK (etcd members,
# nodes whose pid files went missing), and deletes WORK unless ARGS hold --keep.
bench_cleanup() {
  local work="$1" pid
  shift
  if [[ -d "$work/kvstore" ]]; then
    KVSTORE_CLUSTER_DIR="$work/kvstore" bash "$ROOT/deploy/local-cluster.sh" clean > /dev/null 2>&1 || true
  fi
  for pid in $(pgrep -f -- "--data-dir $work/" || true); do
    kill -KILL "$pid" 2> /dev/null || true
  done
  if [[ " $* " != *" --keep "* ]]; then
    rm -rf "$work"
  fi
}
