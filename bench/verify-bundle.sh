#!/usr/bin/env bash
# Wall time per `cairn verify-bundle` vs sigstore-python's `sigstore verify identity --offline` on
# the same bundles, in one hyperfine run. Needs: hyperfine (Debian), `pip install sigstore`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${CAIRN_TESTDATA:-$root/../shared/testdata}/sigstore-conformance/bundle-verify
cargo build --release -q -p cairn-cli --manifest-path "$root/Cargo.toml"
cairn=$root/target/release/cairn
identity="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
issuer=https://token.actions.githubusercontent.com
cd "$data"
commands=()
for case in happy-path-v0.3 happy-path-intoto-in-dsse-v3; do
  b=$case/bundle.sigstore.json
  commands+=("$cairn verify-bundle --bundle $b --certificate-identity $identity --certificate-oidc-issuer $issuer a.txt")
  commands+=("sigstore verify identity --offline --bundle $b --cert-identity $identity --cert-oidc-issuer $issuer a.txt")
done
hyperfine -N --warmup 2 --runs "${RUNS:-15}" --export-markdown "${OUT:-/dev/stdout}" "${commands[@]}"
