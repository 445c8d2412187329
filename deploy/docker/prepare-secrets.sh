#!/usr/bin/env bash
# The files docker-compose.secure.yml hands to the containers as Compose secrets:
#
#   deploy/docker/prepare-secrets.sh [DIR]      (default: .secrets at the top of the repository)
#
# makes, in DIR, the CA, node and client certificates (deploy/make-certs.sh: n1..n3 with the compose
# service names node1..node3 among their names, root, alice, and an untrusted CA for demos) and
# root-password, a random password for the user root (32 hex digits from openssl rand, mode 600).
# Nothing that exists is overwritten: run it again after deleting a file to make only that one.
# DIR is outside deploy/ (the image build context) so no secret can end up in an image layer.
#
# Compose without swarm mounts a file secret as a bind mount of the file itself, with its owner and
# mode on the host (the uid/gid/mode of a secret are ignored). The containers run as uid/gid 10001,
# so the files they read (the node keys, root's key, root-password) get group 10001 and mode 640:
# readable by their owner and the container user only. That needs root (or membership of group
# 10001); otherwise the script says which command to run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${1:-$ROOT/.secrets}"
CONTAINER_GID="${KVSTORE_CONTAINER_GID:-10001}"
[[ $# -le 1 ]] || { echo "usage: $0 [DIR]" >&2; exit 2; }

say() { echo "prepare-secrets: $*" >&2; }

"$ROOT/deploy/make-certs.sh" "$DIR" > /dev/null
cd "$DIR"
if [[ ! -f root-password ]]; then
  (umask 077 && openssl rand -hex 16 > root-password.tmp) && mv root-password.tmp root-password
  say "made a random password for root in $DIR/root-password"
fi
chmod 600 root-password

# What the containers read; the certificates (*.pem without -key) are public (644).
read_by_containers=(n1-key.pem n2-key.pem n3-key.pem root-key.pem root-password)
if chgrp "$CONTAINER_GID" "${read_by_containers[@]}" 2> /dev/null; then
  chmod 640 "${read_by_containers[@]}"
else
  say "ERROR: cannot give the keys and the password to group $CONTAINER_GID (the containers' user); as root run:"
  say "  chgrp $CONTAINER_GID ${read_by_containers[*]/#/$DIR/} && chmod 640 ${read_by_containers[*]/#/$DIR/}"
  exit 1
fi
say "ready in $DIR: KVSTORE_SECRETS_DIR=$DIR docker-compose -f docker-compose.cluster.yml -f docker-compose.secure.yml up -d"
