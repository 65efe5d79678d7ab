#!/usr/bin/env bash
# Deploy-time verdict throughput: `GET /v1/artifacts/{digest}/verification?policy=production`
# served from the verdict cache, against `GET /healthz` of the same server in the same run (wrk,
# 5 s, 16 connections), plus the latency of uncached evaluations (curl, a write in between).
#
# Usage: bench/verdict.sh      (release build; SQLite in a temporary data dir)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
echo "building release binaries…" >&2
cargo build --release -p cairn-server -p cairn-cli >&2
server_bin=$root/target/release/cairn-server
cairn_bin=$root/target/release/cairn
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-verdict.XXXXXX")
server_pid=
cleanup() { stop_server; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server verdict "$work/data" "$work/server.log"
export CAIRN_SERVER=$base CAIRN_TOKEN
CAIRN_TOKEN=$(tr -d '[:space:]' <"$work/data/admin.token")
cd "$work"
for k in release ci platform; do
  "$cairn_bin" key generate --no-password --output-key-prefix "$k" >/dev/null 2>&1
  "$cairn_bin" key register --name "$k" "$k.pub" >/dev/null
done
export CAIRN_PASSWORD=
base_digest=sha256:$(printf base | sha256sum | cut -d' ' -f1)
web_digest=sha256:$(printf web | sha256sum | cut -d' ' -f1)
web=registry.example/acme/web@$web_digest
"$cairn_bin" sign --key platform.key "registry.example/base/debian@$base_digest" >/dev/null
"$cairn_bin" sign --key release.key "$web" >/dev/null
cat >prov.json <<JSON
{"buildDefinition": {"buildType": "https://actions.github.io/buildtypes/workflow/v1",
  "externalParameters": {"workflow": {"ref": "refs/heads/main", "repository": "https://github.com/acme/web"}},
  "resolvedDependencies": [{"uri": "oci://registry.example/base/debian", "digest": {"sha256": "${base_digest#sha256:}"}}]},
 "runDetails": {"builder": {"id": "https://github.com/acme/web/.github/workflows/release.yml@refs/heads/main"}}}
JSON
"$cairn_bin" attest --key ci.key --type slsaprovenance1 --predicate prov.json "$web" >/dev/null
cat >sbom.json <<JSON
{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
  {"type": "library", "name": "log4j-core", "version": "2.17.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"}]}
JSON
"$cairn_bin" sbom push --subject "$web" --key ci.key sbom.json >/dev/null 2>&1
cat >base.yaml <<'YAML'
name: base-images
rules:
  - name: signed
    signature: {signers: {anyOf: [{key: platform}]}}
YAML
cat >production.yaml <<'YAML'
name: production
rules:
  - name: signed
    signature: {signers: {anyOf: [{key: release}]}}
  - name: built-by-ci
    attestation:
      predicateType: https://slsa.dev/provenance/v1
      signers: {anyOf: [{key: ci}]}
      slsa: {builderIdPrefix: "https://github.com/acme/"}
  - name: trusted-base
    chain: {maxDepth: 8, requireAttested: true, policy: base-images}
  - name: sbom
    sbom:
      required: true
      deniedComponents: [{purl: "pkg:maven/org.apache.logging.log4j/log4j-core", versions: "vers:maven/>=2.0.0|<2.17.1"}]
YAML
"$cairn_bin" policy push base-images base.yaml >/dev/null
"$cairn_bin" policy push production production.yaml >/dev/null
"$cairn_bin" verify "$web" --policy production >&2

url="$base/v1/artifacts/$web_digest/verification?policy=production"
miss=()
for i in 1 2 3 4 5; do
  # A write about the image invalidates its cached verdict.
  "$cairn_bin" sign --key release.key "$web" >/dev/null
  miss+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $CAIRN_TOKEN" "$url")")
done
healthz=$(wrk -t2 -c16 -d5s "$base/healthz" | awk '/^Requests\/sec/ {print $2}')
cached=$(wrk -t2 -c16 -d5s -H "Authorization: Bearer $CAIRN_TOKEN" "$url" | tee /dev/stderr | awk '/^Requests\/sec/ {print $2}')
python3 - "$healthz" "$cached" "${miss[@]}" <<'PY'
import sys
h, c = float(sys.argv[1]), float(sys.argv[2])
m = [float(x) * 1000 for x in sys.argv[3:]]
print(f"cached verdicts: {c:.0f} req/s vs /healthz {h:.0f} req/s ({c/h:.2f}x)")
print("uncached evaluation (policy with signature, SLSA, chain to a base image, SBOM rules): "
      + ", ".join(f"{x:.1f} ms" for x in m))
PY
