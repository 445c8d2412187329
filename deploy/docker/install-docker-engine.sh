#!/usr/bin/env bash
# Makes sure a Docker engine answers `docker info`, installing and starting one if needed.
#
#   deploy/docker/install-docker-engine.sh
#
# Idempotent: when `docker info` already works it does nothing. Otherwise (as root) it installs
# Debian's docker.io and docker-compose when dockerd or docker-compose are missing, starts dockerd
# in the background (log: $KVSTORE_DOCKERD_LOG, default /var/log/kvstore-dockerd.log) and waits up
# to $KVSTORE_DOCKERD_WAIT seconds (default 60) for it to answer. Meant for CI (.ci/run) on a fresh
# machine and for a developer machine without a running engine.
set -euo pipefail

LOG="${KVSTORE_DOCKERD_LOG:-/var/log/kvstore-dockerd.log}"
WAIT="${KVSTORE_DOCKERD_WAIT:-60}"

say() { echo "install-docker-engine: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

if docker info > /dev/null 2>&1; then
  if ! command -v docker-compose > /dev/null 2>&1 && ! docker compose version > /dev/null 2>&1; then
    say "warning: the engine answers but neither docker-compose nor 'docker compose' is installed"
  fi
  exit 0
fi

[[ "$(id -u)" -eq 0 ]] || die "no Docker engine answers 'docker info' and this is not root: start one (or run this script as root)"

if ! command -v dockerd > /dev/null 2>&1 || ! command -v docker-compose > /dev/null 2>&1 \
    || ! command -v docker > /dev/null 2>&1; then
  command -v apt-get > /dev/null 2>&1 || die "dockerd/docker-compose missing and apt-get not available: install Docker by hand"
  say "installing docker.io and docker-compose with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || die "apt-get update failed"
  apt-get install -y -q docker.io docker-compose || die "apt-get install docker.io docker-compose failed"
fi
command -v dockerd > /dev/null 2>&1 || die "dockerd still not found after installing docker.io"

# A dockerd may be starting already (e.g. a second call right after the first): do not start two.
if pgrep -x dockerd > /dev/null 2>&1; then
  say "dockerd is already running (pid $(pgrep -x dockerd | head -n1)); waiting for it"
else
  mkdir -p "$(dirname "$LOG")"
  say "starting dockerd in the background (log: $LOG)"
  # setsid + nohup: the daemon must outlive this script and the shell/CI step that ran it.
  setsid nohup dockerd >> "$LOG" 2>&1 < /dev/null &
fi

deadline=$((SECONDS + WAIT))
until docker info > /dev/null 2>&1; do
  if ((SECONDS >= deadline)); then
    [[ -f "$LOG" ]] && { say "last lines of $LOG:"; tail -n 30 "$LOG" >&2; }
    die "the Docker engine did not answer 'docker info' within ${WAIT}s (see $LOG)"
  fi
  if ! pgrep -x dockerd > /dev/null 2>&1; then
    [[ -f "$LOG" ]] && { say "last lines of $LOG:"; tail -n 30 "$LOG" >&2; }
    die "dockerd exited during start (see $LOG)"
  fi
  sleep 1
done
say "Docker engine ready: server $(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
