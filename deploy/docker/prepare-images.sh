#!/usr/bin/env bash
# Everything `docker-compose -f docker-compose.cluster.yml up -d` needs, from a clean clone:
#
#   deploy/docker/prepare-images.sh [--jars] [--no-images] [--force-base] [--local-base]
#
# 1. a Docker engine (deploy/docker/install-docker-engine.sh: installs/starts one as root if needed);
# 2. the runtime jars in deploy/target/image/lib (./mvnw -B -q -pl deploy -am package -DskipTests),
#    built when missing or with --jars;
# 3. the base image (deploy/docker/build-base-image.sh: eclipse-temurin:17-jre if present or
#    pullable, else a local jlink image kvstore-jre:17), and
# 4. KVSTORE_BASE_IMAGE=<that image> in .env at the top of the repository (build-base-image.sh
#    writes it; other lines are kept), which compose reads by itself;
# 5. the images kvstore-node:local and kvstore-cli:local, built through the compose file (skip with
#    --no-images; `up -d` then builds the node image when it is missing).
#
#   --jars         rebuild the jars even if deploy/target/image/lib exists
#   --no-images    stop after step 4
#   --force-base   rebuild the local base image (build-base-image.sh --force)
#   --local-base   use the local base image even if the public one is available (--local)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/deploy/docker"
COMPOSE_FILE="$ROOT/docker-compose.cluster.yml"
LIB="$ROOT/deploy/target/image/lib"
PATCHES="$ROOT/deploy/target/image/patches"

jars=false images=true base_args=()
for arg in "$@"; do
  case "$arg" in
    --jars) jars=true ;;
    --no-images) images=false ;;
    --force-base) base_args+=(--force) ;;
    --local-base) base_args+=(--local) ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "prepare-images: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

say() { echo "prepare-images: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# 1. engine
"$HERE/install-docker-engine.sh"

# 2. jars
if $jars || ! compgen -G "$LIB/kvstore-node.jar" > /dev/null || ! compgen -G "$PATCHES/*.jar" > /dev/null; then
  say "building the jars (./mvnw -B -q -pl deploy -am package -DskipTests)"
  (cd "$ROOT" && ./mvnw -B -q -pl deploy -am package -DskipTests) || die "maven build failed"
fi
[[ -f "$LIB/kvstore-node.jar" && -f "$LIB/kvstore-client.jar" ]] || die "no node/client jars in $LIB after the build"
compgen -G "$PATCHES/*.jar" > /dev/null || die "no patched Ratis jar in $PATCHES after the build"

# 3. + 4. base image, recorded in .env
base="$("$HERE/build-base-image.sh" ${base_args[@]+"${base_args[@]}"} | tail -n 1)"
[[ -n "$base" ]] || die "build-base-image.sh did not name a base image"

# 5. images (node1's build makes kvstore-node:local, which node2 and node3 use too)
if $images; then
  if command -v docker-compose > /dev/null 2>&1; then
    compose=(docker-compose)
  elif docker compose version > /dev/null 2>&1; then
    compose=(docker compose)
  else
    die "neither docker-compose nor 'docker compose' found"
  fi
  old_ids=()
  for img in kvstore-node:local kvstore-cli:local; do
    old_ids+=("$(docker image inspect -f '{{.Id}}' "$img" 2> /dev/null || true)")
  done
  say "building kvstore-node:local and kvstore-cli:local on $base"
  # --profile makes the cli service (profile "client") buildable; both compose versions know it.
  "${compose[@]}" -f "$COMPOSE_FILE" --profile client build node1 cli > "${TMPDIR:-/tmp}/kvstore-image-build.$$.log" 2>&1 \
    || { tail -n 30 "${TMPDIR:-/tmp}/kvstore-image-build.$$.log" >&2; rm -f "${TMPDIR:-/tmp}/kvstore-image-build.$$.log"; die "image build failed (output above)"; }
  rm -f "${TMPDIR:-/tmp}/kvstore-image-build.$$.log"
  # Remove the images these builds replaced (kept when a container still uses them).
  for id in "${old_ids[@]}"; do
    if [[ -n "$id" ]] && ! docker image inspect -f '{{.RepoTags}}' "$id" 2> /dev/null | grep -q 'kvstore'; then
      docker rmi "$id" > /dev/null 2>&1 || true
    fi
  done
  for img in kvstore-node:local kvstore-cli:local "$base"; do
    say "  $img $(docker images --format '{{.Size}}' "$img" | head -n 1)"
  done
fi
say "ready: docker-compose -f docker-compose.cluster.yml up -d"
