#!/usr/bin/env bash
# Attestation ingest throughput: start a fresh cairn-server, drive it with cairn-loadgen, stop it.
#
# Usage: bench/ingest.sh
#   COUNT=20000 CONCURRENCY=32 ALGORITHM=ecdsa-p256   (defaults shown)
#   SERVER_BIN=…/cairn-server   benchmark another build of the server (same load generator)
#   CAIRN_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cairn_bench
#       also run against PostgreSQL: a fresh database cairn_bench_<pid> is created on that server
#       (the database named in the URL is ignored) and dropped on exit.
#
# Always runs SQLite (the default database under a fresh data dir). Prints one markdown table row per
# backend on stdout (the columns of docs/benchmarks.md); the full loadgen JSON and server logs go
# to stderr / the temporary directory.
set -euo pipefail

COUNT=${COUNT:-20000}
CONCURRENCY=${CONCURRENCY:-32}
ALGORITHM=${ALGORITHM:-ecdsa-p256}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

echo "building release binaries…" >&2
cargo build --release -p cairn-server -p cairn-loadgen >&2
# SERVER_BIN=/path/to/another/cairn-server compares another build (e.g. an older commit) with the
# same load generator.
server_bin=${SERVER_BIN:-$root/target/release/cairn-server}
loadgen_bin=$root/target/release/cairn-loadgen

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-ingest.XXXXXX")
server_pid=
pg_admin_url=
pg_db=


cleanup() {
  stop_server
  if [[ -n $pg_db ]]; then
    psql "$pg_admin_url" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $pg_db" >&2 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM



# run_backend NAME [extra server flags…]
run_backend() {
  local name=$1
  shift
  local data=$work/$name log=$work/$name-server.log
  mkdir -p "$data"
  start_server "$name" "$data" "$log" "$@"

  # On first start the server writes an admin token into the data dir.
  local token_args=()
  if [[ -f $data/admin.token ]]; then
    token_args=(--token "$(tr -d '[:space:]' <"$data/admin.token")")
  fi

  # Same-run baseline: a trivial endpoint of the same server at the same concurrency.
  local baseline=0
  if command -v wrk >/dev/null; then
    baseline=$(wrk -t2 -c"$CONCURRENCY" -d5s "$base/healthz" | awk '/^Requests\/sec/ {print $2}')
  else
    echo "wrk not installed (apt-get install wrk): no baseline" >&2
  fi

  local result
  if ! result=$(env -u CAIRN_TOKEN "$loadgen_bin" --server "$base" --count "$COUNT" \
    --concurrency "$CONCURRENCY" --algorithm "$ALGORITHM" --output json "${token_args[@]}"); then
    echo "$name: loadgen failed; report: $result" >&2
    echo "$name: server log tail:" >&2
    tail -n 50 "$log" >&2
    return 1
  fi
  stop_server

  echo "$name: $result" >&2
  jq -r --arg backend "$name" --argjson baseline "${baseline:-0}" \
    '"| \($backend) | \(.total) | \(.concurrency) | \(.attestationsPerSecond * 10 | round / 10) | \(.p50Ms) | \(.p99Ms) | \($baseline | round) | \(if $baseline > 0 then (.attestationsPerSecond / $baseline * 1000 | round / 1000) else "n/a" end) |"' \
    <<<"$result"
}

echo "| backend | count | concurrency | attestations/s | p50 ms | p99 ms | GET /healthz req/s (wrk) | ratio |"
echo "|---|---|---|---|---|---|---|---|"

run_backend sqlite

if [[ -n ${CAIRN_BENCH_DATABASE_URL:-} ]]; then
  pg_db=cairn_bench_$$
  pg_admin_url=$(with_database "$CAIRN_BENCH_DATABASE_URL" postgres)
  psql "$pg_admin_url" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $pg_db" >&2
  run_backend postgres --database-url "$(with_database "$CAIRN_BENCH_DATABASE_URL" "$pg_db")"
fi
