#!/usr/bin/env bash
# Runs every test of kvstore: unit tests, in-process cluster tests, real-process tests of the
# cluster scripts and the CLI, and the container failover suite. This is what CI runs (.ci/run).
#
# The container suite needs a Docker engine. When none answers and this runs as root (as in CI),
# the engine is installed and started first; the local JRE base image is built when no public one
# can be pulled. With CI=true a missing engine fails the run; elsewhere the container tests skip.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if ! docker info > /dev/null 2>&1 && [[ "$(id -u)" -eq 0 ]]; then
  deploy/docker/install-docker-engine.sh
fi
if docker info > /dev/null 2>&1; then
  # The container tests build the node image FROM this base image (a local jlink runtime when no
  # registry is reachable); the jars it copies come from the verify below, built once.
  deploy/docker/build-base-image.sh --no-jars
elif [[ "${CI:-}" == "true" ]]; then
  echo "run-all-tests: no Docker engine answers; CI must run the container tests" >&2
  exit 1
else
  echo "run-all-tests: no Docker engine: the container tests will be skipped (never in CI)" >&2
fi

exec ./mvnw -B verify "$@"
