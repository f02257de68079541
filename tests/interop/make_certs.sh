#!/usr/bin/env bash
# Makes a test PKI with the openssl CLI (EC P-256, valid for 30 days) in DIR:
#   ca.pem / ca.key              the test CA (self-signed)
#   server.pem / server.key      a leaf for localhost, 127.0.0.1 and ::1
#   server-both.pem              server.pem then server.key (one file)
#   client.pem / client.key      a client certificate (CN "test client"), both in client-both.pem
#   wrongname.pem / .key         a leaf of the same CA for example.com only
#   other-ca.pem, stranger.pem / .key   another CA and a localhost leaf of it
#   mid.pem / mid.key            an intermediate CA under ca.pem
#   chained.pem / chained.key    a localhost leaf of mid (verifies only with mid.pem sent)
# Usage: make_certs.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"
ossl() { openssl "$@" 2>/dev/null; }

ca() {  # ca NAME CN
  ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=$2" -keyout "$1.key" -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

leaf() {  # leaf NAME CN SAN EKU CA
  ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
    -keyout "$1.key" -out "$1.csr"
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=%s\n' \
    "$3" "$4" >"$1.ext"
  ossl x509 -req -in "$1.csr" -CA "$5.pem" -CAkey "$5.key" -CAcreateserial -days 30 \
    -extfile "$1.ext" -out "$1.pem"
  rm -f "$1.csr" "$1.ext"
}

ca ca "twistedcpp test CA"
leaf server localhost "DNS:localhost,IP:127.0.0.1,IP:::1" serverAuth ca
cat server.pem server.key >server-both.pem
leaf client "test client" "DNS:client.test" clientAuth ca
cat client.pem client.key >client-both.pem
leaf wrongname example.com "DNS:example.com" serverAuth ca
ca other-ca "another CA"
leaf stranger localhost "DNS:localhost,IP:127.0.0.1" serverAuth other-ca
# An intermediate: a CA certificate signed by ca, issuing a leaf.
ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=twistedcpp test intermediate" \
  -keyout mid.key -out mid.csr
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >mid.ext
ossl x509 -req -in mid.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile mid.ext -out mid.pem
rm -f mid.csr mid.ext
leaf chained localhost "DNS:localhost,IP:127.0.0.1" serverAuth mid
openssl verify -CAfile ca.pem server.pem client.pem >/dev/null
openssl verify -CAfile ca.pem -untrusted mid.pem chained.pem >/dev/null
