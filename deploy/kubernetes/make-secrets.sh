#!/usr/bin/env bash
# The Secrets deploy/kubernetes/secure expects, in the current (or the given) namespace:
#
#   deploy/kubernetes/make-secrets.sh [NAMESPACE]        (then: kubectl apply -k deploy/kubernetes/secure)
#
# Makes, in KVSTORE_SECRETS_DIR (default .secrets-kubernetes at the top of the repository, outside any
# image build context):
#   ca.pem, ca-key.pem, root.pem, root-key.pem, alice...   deploy/make-certs.sh's CA and client certificates
#   kubernetes-node.pem, kubernetes-node-key.pem          one certificate for every member (server and client
#       use), naming kvstore-N.kvstore-peers for N below KVSTORE_MAX_MEMBERS (default 7; how KVSTORE_PEERS
#       addresses the members), the same in full (kvstore-N.kvstore-peers.NAMESPACE.svc and
#       ....svc.cluster.local), the client Service (kvstore, kvstore.NAMESPACE.svc, ...), localhost and
#       127.0.0.1 (the probes). Explicit names, no wildcard: grow past 7 members with a larger
#       KVSTORE_MAX_MEMBERS after deleting kubernetes-node.pem, and run the script again.
#   root-password                                         a random password for the user root (mode 600)
# and creates or updates the Secrets kvstore-tls (ca.pem, node.pem, node-key.pem) and
# kvstore-root-password (root-password) with kubectl. Files that exist are kept (delete one to make it
# again). KVSTORE_CLUSTER_DOMAIN names another cluster domain than cluster.local.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${KVSTORE_SECRETS_DIR:-$ROOT/.secrets-kubernetes}"
DOMAIN="${KVSTORE_CLUSTER_DOMAIN:-cluster.local}"
MEMBERS="${KVSTORE_MAX_MEMBERS:-7}"
[[ $# -le 1 ]] || { echo "usage: $0 [NAMESPACE]" >&2; exit 2; }
command -v kubectl >/dev/null || { echo "make-secrets: kubectl is required" >&2; exit 1; }
NS="${1:-$(kubectl config view --minify -o jsonpath='{..namespace}' 2>/dev/null || true)}"
NS="${NS:-default}"

say() { echo "make-secrets: $*" >&2; }

"$ROOT/deploy/make-certs.sh" "$DIR" > /dev/null
cd "$DIR"
umask 077
if [[ ! -f kubernetes-node.pem ]]; then
  [[ -f kubernetes-node-key.pem ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out kubernetes-node-key.pem 2>/dev/null
  ext="$(mktemp)"
  names="DNS:kvstore,DNS:kvstore.$NS.svc,DNS:kvstore.$NS.svc.$DOMAIN,DNS:localhost,IP:127.0.0.1"
  for ((i = 0; i < MEMBERS; i++)); do
    names+=",DNS:kvstore-$i.kvstore-peers,DNS:kvstore-$i.kvstore-peers.$NS.svc"
    names+=",DNS:kvstore-$i.kvstore-peers.$NS.svc.$DOMAIN"
  done
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=$names" > "$ext"
  openssl req -new -key kubernetes-node-key.pem -subj "/CN=kvstore-node" -out kubernetes-node.csr
  openssl x509 -req -in kubernetes-node.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 \
    -days "${KVSTORE_CERT_DAYS:-365}" -extfile "$ext" -out kubernetes-node.pem 2>/dev/null
  rm -f kubernetes-node.csr "$ext"
  chmod 644 kubernetes-node.pem
  say "made kubernetes-node.pem for namespace $NS (members kvstore-0..kvstore-$((MEMBERS - 1)), the Service kvstore)"
fi
if [[ ! -f root-password ]]; then
  openssl rand -hex 16 > root-password
  say "made a random password for root in $DIR/root-password"
fi

kubectl create secret generic kvstore-tls --namespace "$NS" --from-file=ca.pem=ca.pem \
  --from-file=node.pem=kubernetes-node.pem --from-file=node-key.pem=kubernetes-node-key.pem \
  --dry-run=client -o yaml | kubectl apply --namespace "$NS" -f -
kubectl create secret generic kvstore-root-password --namespace "$NS" --from-file=root-password=root-password \
  --dry-run=client -o yaml | kubectl apply --namespace "$NS" -f -
say "ready: kubectl apply -n $NS -k deploy/kubernetes/secure; clients use $DIR/ca.pem and root.pem/root-key.pem"
