#!/usr/bin/env bash
# Large-SBOM ingest and component search.
#
# Usage: bench/sbom-ingest.sh            (COMPONENTS=50000 RUNS=3)
#
# Generates a CycloneDX 1.6 JSON SBOM with COMPONENTS components (~30 MB at 50k), then in one run:
#   1. hyperfine: `cairn sbom validate` (parse + official-schema validation, offline) against a
#      baseline of merely parsing the same file as JSON (python3 json.load);
#   2. RUNS timed `POST /v1/sboms` of distinct documents of that size (validate + store + index every
#      component + log entry, acknowledged durably) to a fresh release server on SQLite;
#   3. wrk: `GET /v1/components?purl=…` (which images contain X) against `/healthz` on the same
#      server, same concurrency.
# Prints a summary on stdout; raw tool output goes to stderr.
set -euo pipefail

COMPONENTS=${COMPONENTS:-50000}
RUNS=${RUNS:-3}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
echo "building release binaries…" >&2
cargo build --release -p cairn-server -p cairn-cli >&2
server_bin=$root/target/release/cairn-server
cairn_bin=$root/target/release/cairn
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-sbom.XXXXXX")
server_pid=
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gen() { # gen FILE SERIAL
  python3 - "$1" "$2" "$COMPONENTS" <<'PY'
import json, sys, uuid
path, serial, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
comps = []
for i in range(n):
    comps.append({
        "type": "library", "bom-ref": f"c{i}", "group": f"org.example.g{i % 97}",
        "name": f"artifact-{i}", "version": f"{i % 13}.{i % 7}.{i % 5}",
        "purl": f"pkg:maven/org.example.g{i % 97}/artifact-{i}@{i % 13}.{i % 7}.{i % 5}",
        "licenses": [{"license": {"id": "Apache-2.0"}}],
        "hashes": [{"alg": "SHA-256", "content": f"{i:064x}"}],
        "description": "synthetic component for the ingest benchmark " * 8,
    })
comps.append({"type": "library", "name": "log4j-core", "group": "org.apache.logging.log4j",
              "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"})
doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
       "serialNumber": f"urn:uuid:{uuid.UUID(int=int(serial))}",
       "metadata": {"timestamp": "2026-11-23T10:00:00Z"}, "components": comps}
json.dump(doc, open(path, "w"))
PY
}

gen "$work/big-0.json" 0
size=$(stat -c %s "$work/big-0.json")
echo "SBOM: $COMPONENTS components, $size bytes" >&2

echo "== offline: cairn sbom validate vs json.load baseline" >&2
hyperfine --warmup 1 --runs 5 --export-json "$work/validate.json" \
  -n json.load "python3 -c 'import json,sys; json.load(open(sys.argv[1]))' $work/big-0.json" \
  -n "cairn sbom validate" "$cairn_bin sbom validate $work/big-0.json" >&2

data=$work/data
mkdir -p "$data"
start_server sbom "$data" "$work/server.log" --max-db-connections 8
token=$(tr -d '[:space:]' <"$data/admin.token")

echo "== POST /v1/sboms" >&2
times=()
for i in $(seq 1 "$RUNS"); do
  gen "$work/big-$i.json" "$i"
  digest=$(printf 'image %s' "$i" | sha256sum | cut -d' ' -f1)
  t=$(curl -s -o "$work/post-$i.json" -w '%{time_total}' -X POST \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/vnd.cyclonedx+json' \
    --data-binary "@$work/big-$i.json" \
    "$base/v1/sboms?subject=registry.example/acme/app-$i@sha256:$digest")
  grep -q '"created":true' "$work/post-$i.json" || { cat "$work/post-$i.json" >&2; exit 1; }
  echo "run $i: ${t}s" >&2
  times+=("$t")
done

echo "== GET /v1/components vs /healthz (wrk, 5 s, 16 connections)" >&2
search="$base/v1/components?purl=pkg:maven/org.apache.logging.log4j/log4j-core&versions=vers:maven/%3E%3D2.0.0%7C%3C2.17.1"
baseline=$(wrk -t2 -c16 -d5s "$base/healthz" | awk '/^Requests\/sec/ {print $2}')
searched=$(wrk -t2 -c16 -d5s -H "Authorization: Bearer $token" "$search" | tee /dev/stderr | awk '/^Requests\/sec/ {print $2}')
hits=$(curl -s -H "Authorization: Bearer $token" "$search" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
stop_server

python3 - "$work/validate.json" "$size" "$COMPONENTS" "$baseline" "$searched" "$hits" "${times[@]}" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))["results"]
size, n, base, search, hits = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
posts = [float(t) for t in sys.argv[7:]]
m = {r["command"]: r["mean"] for r in v}
print(f"SBOM {n} components, {size/1e6:.1f} MB")
print(f"json.load baseline {m['json.load']:.2f} s; cairn sbom validate {m['cairn sbom validate']:.2f} s "
      f"({m['cairn sbom validate']/m['json.load']:.2f}x the baseline)")
print(f"POST /v1/sboms (validate+store+index+log): " + ", ".join(f"{t:.2f} s" for t in posts)
      + f"; {n/ (sum(posts)/len(posts)):.0f} components/s")
print(f"GET /v1/components (log4j range, {hits} hits): {search:.0f} req/s vs /healthz {base:.0f} req/s "
      f"({search/base:.2f}x)")
PY
