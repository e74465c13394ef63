#!/usr/bin/env bash
# Generates throw-away TLS material for tests (never use it for anything else):
#   OUTDIR/ca.pem, ca.key            a test CA
#   OUTDIR/server.pem, server.key    leaf signed by the CA, SAN DNS:localhost, IP:127.0.0.1
#   OUTDIR/wrong.pem, wrong.key      leaf signed by the CA, SAN DNS:wrong.example only
#   OUTDIR/other-ca.pem              an unrelated CA (for "unknown issuer" tests)
#   OUTDIR/client.pem, client.key    client certificate signed by the CA (mutual TLS tests)
#   OUTDIR/etcd-server.pem, .key     leaf for both server and client use (etcd's gateway)
# Usage: gen_test_certs.sh OUTDIR      (created if missing; files are overwritten)
# Needs only the openssl CLI. EC P-256 keys, valid for 2 days.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
mkdir -p "$out"
cd "$out"

days=2
curve=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

make_ca() {  # NAME CN
  openssl req -x509 "${curve[@]}" -keyout "$1.key" -out "$1.pem" -days "$days" -sha256 \
    -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

make_leaf() {  # NAME CN SAN [EKU]
  openssl req -new "${curve[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "${4:-serverAuth}" "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
    -days "$days" -sha256 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

make_ca ca "refreshd test CA"
make_ca other-ca "refreshd unrelated test CA"
rm -f other-ca.key
make_leaf server localhost "DNS:localhost,IP:127.0.0.1"
make_leaf wrong wrong.example "DNS:wrong.example"
make_leaf client prometheus "DNS:prometheus" clientAuth
# etcd with --client-cert-auth: its gRPC gateway dials the server with the server's own
# certificate, so that one needs both uses (docs/COORDINATION.md "TLS").
make_leaf etcd-server localhost "DNS:localhost,IP:127.0.0.1" "serverAuth,clientAuth"
rm -f ca.srl
chmod 600 ./*.key
