#!/usr/bin/env bash
# Makes the certificates for a TLS kvstore cluster (the local cluster or the compose one) with openssl.
#
#   deploy/make-certs.sh DIR
#
# Writes PEM files into DIR (created if missing):
#   ca.pem, ca-key.pem               the cluster's CA: nodes and clients trust it (--client-trusted-ca-file,
#                                    --peer-trusted-ca-file, the CLI's --cacert)
#   n1.pem, n1-key.pem (n2, n3)      each node's certificate, for client traffic (--client-cert-file,
#                                    --client-key-file) and for Raft traffic (--peer-cert-file,
#                                    --peer-key-file): server and client use, because peers connect both
#                                    ways. Names: 127.0.0.1, localhost, nX, raft-nX, kvstore-nX, nodeX
#                                    (the compose services), so a client or peer that checks the name it
#                                    connected to accepts it.
#   root.pem, root-key.pem           client certificates (CN = the user name: the CLI's --cert --key)
#   alice.pem, alice-key.pem
#   other-ca.pem, other-ca-key.pem   a second CA that no node trusts, and a client certificate from it
#   other-client.pem, other-client-key.pem   (CN=mallory): for tests and demos of a refused client
#
# Idempotent: a file that exists is kept, so running it again only adds what is missing (delete DIR
# to start over; certificates signed by a CA that was replaced are not re-signed). Keys are ECDSA
# P-256 (fast to make and to handshake with), PKCS#8, readable by their owner only. Certificates are
# valid for KVSTORE_CERT_DAYS days (default 365).
set -euo pipefail

[[ $# -eq 1 ]] || { echo "usage: $0 DIR" >&2; exit 2; }
command -v openssl >/dev/null || { echo "make-certs: openssl is required (apt-get install openssl)" >&2; exit 1; }
DIR="$1"
DAYS="${KVSTORE_CERT_DAYS:-365}"
mkdir -p "$DIR"
cd "$DIR"
umask 077

new_key() {
  [[ -f "$1" ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# make_ca NAME CN
make_ca() {
  [[ -f "$1.pem" ]] && return
  new_key "$1-key.pem"
  openssl req -x509 -new -key "$1-key.pem" -sha256 -days "$DAYS" -subj "/CN=$2" -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  echo "make-certs: made CA $2 ($DIR/$1.pem)"
}

# make_cert NAME CN CA EXTENSIONS: a certificate signed by CA (ca or other-ca)
make_cert() {
  [[ -f "$1.pem" ]] && return
  new_key "$1-key.pem"
  local ext
  ext="$(mktemp)"
  printf '%s\n' "$4" >"$ext"
  openssl req -new -key "$1-key.pem" -subj "/CN=$2" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3-key.pem" -CAcreateserial -sha256 -days "$DAYS" \
    -extfile "$ext" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$ext"
  echo "make-certs: made $1 (CN=$2, signed by $3)"
}

make_ca ca "kvstore CA"
for i in 1 2 3; do
  make_cert "n$i" "n$i" ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:n$i,DNS:raft-n$i,DNS:kvstore-n$i,DNS:node$i"
done
for user in root alice; do
  make_cert "$user" "$user" ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done
make_ca other-ca "untrusted CA"
make_cert other-client mallory other-ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
# Certificates are public; keys stay readable by their owner only (umask above).
chmod 644 ./*.pem
chmod 600 ./*-key.pem
