#!/usr/bin/env bash
# Regenerates the envelope signature vectors with openssl (see README.md). Run from anywhere.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p keys
for name in current previous other; do
  openssl genpkey -algorithm ed25519 -out "$work/$name.pem"
  # The DER SubjectPublicKeyInfo of an Ed25519 key ends with the raw 32-byte key.
  openssl pkey -in "$work/$name.pem" -pubout -outform DER | tail -c 32 | base64 -w0 > "keys/$name.pub"
done

substitute() {
  sed -e "s|@CURRENT_PUB@|$(cat keys/current.pub)|g" \
      -e "s|@PREVIOUS_PUB@|$(cat keys/previous.pub)|g" \
      -e "s|@OTHER_PUB@|$(cat keys/other.pub)|g" "$@"
}

for dir in */; do
  vector=${dir%/}
  [[ -f "$vector/canonical.txt" ]] || continue
  key=$(cat "$vector/signed-with")
  # $(...) drops the file's trailing newline, which is not part of the canonical bytes.
  printf '%s' "$(substitute "$vector/canonical.txt")" > "$vector/canonical.bin"
  openssl pkeyutl -sign -rawin -inkey "$work/$key.pem" -in "$vector/canonical.bin" -out "$work/sig.bin"
  openssl pkeyutl -verify -rawin -inkey "$work/$key.pem" -in "$vector/canonical.bin" -sigfile "$work/sig.bin" >/dev/null
  base64 -w0 "$work/sig.bin" > "$vector/signature.b64"
  substitute "$vector/envelope.template.json" | sed -e "s|@SIGNATURE@|$(cat "$vector/signature.b64")|" > "$vector/envelope.json"
done

# Tampered copies of the basic vector: "pol-1" -> "pol-0" flips the lowest bit of one payload byte.
sed -e 's/"pol-1"/"pol-0"/' basic/envelope.json > flipped-payload.json
sed -e 's|"signature":"[^"]*"|"signature":"not*base64!"|' basic/envelope.json > bad-base64.json
echo "vectors written"
