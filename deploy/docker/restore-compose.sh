#!/usr/bin/env bash
# Builds a NEW compose cluster (docker-compose.cluster.yml) from a backup, as `kvstore snapshot
# restore` does for one member, once per node, into the nodes' named volumes:
#
#   deploy/kvstore snapshot save backup.db                        # from the old cluster (any cluster)
#   docker-compose -f docker-compose.cluster.yml down -v          # the volumes must be empty
#   deploy/docker/restore-compose.sh backup.db [--cluster-id NAME]
#   docker-compose -f docker-compose.cluster.yml up -d
#
# Each restore runs in a one-off container of the node's image (its jar writes Raft storage; the
# client's cannot) with the node's volume at /data and the backup mounted read-only. The new
# cluster's id is NAME, else `restored-` and the first 12 hex digits of the backup's SHA-256; the
# nodes read it from /data (the compose file sets no KVSTORE_CLUSTER_ID). Nothing is written when
# the backup is corrupt; a volume that already holds data is refused (exit 2) with what to do.
#
# Extra compose files (e.g. -f docker-compose.secure.yml) go in COMPOSE_FILES, space-separated
# paths relative to the repository (default: docker-compose.cluster.yml); the project name is
# docker-compose's (the repository's directory, or COMPOSE_PROJECT_NAME).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODES=(1 2 3)
# As KVSTORE_PEERS in docker-compose.cluster.yml.
MEMBERS="n1=node1:7000/node1:50051,n2=node2:7000/node2:50051,n3=node3:7000/node3:50051"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
fail() { echo "restore-compose: $1" >&2; exit "${2:-2}"; }

backup="" cluster_args=()
while (($#)); do
  case "$1" in
    --cluster-id) [[ $# -ge 2 && -n "$2" ]] || fail "--cluster-id needs a NAME"; cluster_args=(--cluster-id "$2"); shift 2 ;;
    --cluster-id=*) cluster_args=(--cluster-id "${1#*=}"); shift ;;
    -h | --help) usage; exit 0 ;;
    -*) fail "unknown option '$1' (allowed: --cluster-id NAME, --help)" ;;
    *) [[ -z "$backup" ]] || fail "one backup file only, got '$backup' and '$1'"; backup="$1"; shift ;;
  esac
done
[[ -n "$backup" ]] || { usage >&2; fail "give the backup file (kvstore snapshot save FILE)"; }
[[ -f "$backup" && -r "$backup" ]] || fail "backup file '$backup' does not exist or cannot be read"
backup="$(cd "$(dirname "$backup")" && pwd)/$(basename "$backup")"

compose=(docker-compose)
for f in ${COMPOSE_FILES:-docker-compose.cluster.yml}; do
  compose+=(-f "$ROOT/$f")
done

running="$("${compose[@]}" ps -q node1 node2 node3 2> /dev/null || true)"
if [[ -n "$running" ]]; then
  fail "the compose cluster's node containers exist; stop it and delete its volumes first: ${compose[*]} down -v
  (a restore builds a NEW cluster; the backup holds the data)"
fi

for n in "${NODES[@]}"; do
  echo "restore-compose: node$n" >&2
  # The image's user (10001) reads the backup through the bind mount: it must be readable by others.
  rc=0
  "${compose[@]}" run --rm --no-deps -T -v "$backup:/restore/backup.db:ro" --entrypoint java "node$n" \
    -cp '/app/patches/*:/app/lib/*' dev.kvstore.node.SnapshotRestoreCommand /restore/backup.db \
    --data-dir /data --name "n$n" --initial-cluster "$MEMBERS" ${cluster_args[@]+"${cluster_args[@]}"} || rc=$?
  if ((rc != 0)); then
    if ((n > 1)); then
      echo "restore-compose: node1..node$((n - 1)) were restored and node$n was not;" \
        "delete the volumes (${compose[*]} down -v) before trying again" >&2
    elif ((rc == 2)); then
      echo "restore-compose: if a volume holds an old cluster's data: ${compose[*]} down -v deletes it" >&2
    fi
    fail "restoring node$n failed (exit $rc, see above)" "$rc"
  fi
done
echo "restore-compose: done; start the new cluster: ${compose[*]} up -d" >&2
