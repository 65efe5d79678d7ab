#!/usr/bin/env bash
# Regenerates the key fixtures in this directory with tools independent of Cairn:
# OpenSSL for keys and signatures, Python (hashlib.scrypt + PyNaCl) for a cosign-format
# encrypted key. Needs: openssl, python3, `pip install pynacl`. Test keys only.
set -euo pipefail
cd "$(dirname "$0")"
printf 'cairn test message\n' > message.txt

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out /tmp/rsa2048.pem 2>/dev/null
openssl pkey -in /tmp/rsa2048.pem -pubout -out rsa2048.pub.pem
openssl dgst -sha256 -sign /tmp/rsa2048.pem -out rsa2048-pkcs1-sha256.sig message.txt
openssl dgst -sha384 -sign /tmp/rsa2048.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest \
  -out rsa2048-pss-sha384.sig message.txt

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out /tmp/rsa1024.pem 2>/dev/null
openssl pkey -in /tmp/rsa1024.pem -pubout -out rsa1024.pub.pem

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out /tmp/p384.pem
openssl pkey -in /tmp/p384.pem -pubout -out p384.pub.pem
openssl dgst -sha384 -sign /tmp/p384.pem -out p384-sha384-der.sig message.txt

openssl genpkey -algorithm ED25519 -out /tmp/ed25519.pem
openssl pkey -in /tmp/ed25519.pem -pubout -out ed25519.pub.pem
openssl pkeyutl -sign -rawin -inkey /tmp/ed25519.pem -in message.txt -out ed25519.sig

# A P-256 key in cosign's encrypted format (password "cairn-test"), written by Python.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out /tmp/p256.pem
openssl pkey -in /tmp/p256.pem -pubout -out cosign-format.pub.pem
openssl pkcs8 -topk8 -nocrypt -in /tmp/p256.pem -outform DER -out /tmp/p256.pk8
python3 - <<'PY'
import base64, hashlib, json, os, nacl.secret
pk8 = open("/tmp/p256.pk8", "rb").read()
salt, nonce = os.urandom(32), os.urandom(24)
key = hashlib.scrypt(b"cairn-test", salt=salt, n=32768, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32)
ct = nacl.secret.SecretBox(key).encrypt(pk8, nonce).ciphertext
doc = {"kdf": {"name": "scrypt", "params": {"N": 32768, "r": 8, "p": 1}, "salt": base64.b64encode(salt).decode()},
       "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
       "ciphertext": base64.b64encode(ct).decode()}
body = base64.b64encode(json.dumps(doc).encode()).decode()
lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
open("cosign-format.key", "w").write(
    "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n" + lines + "\n-----END ENCRYPTED COSIGN PRIVATE KEY-----\n")
PY
rm -f /tmp/rsa2048.pem /tmp/rsa1024.pem /tmp/p384.pem /tmp/ed25519.pem /tmp/p256.pem /tmp/p256.pk8
