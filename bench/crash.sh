#!/usr/bin/env bash
# Crash durability: "HTTP 201 from POST /v1/attestations means the attestation survives kill -9".
#
# Per backend: start a fresh cairn-server, drive it with cairn-loadgen (recording the id of every
# acknowledged upload), kill -9 the server KILL_AFTER seconds after loadgen starts sending, let
# loadgen run out (its remaining requests fail fast with connection refused; it stops after 200
# transport errors in a row), restart the server on the same data dir / database, then GET every
# recorded id: it must return 200 with a body whose sha256 is the id.
#
# Usage: bench/crash.sh
#   COUNT=20000 CONCURRENCY=32 KILL_AFTER=3 ALGORITHM=ecdsa-p256   (defaults shown)
#   CAIRN_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres
#       also run against PostgreSQL: a fresh database cairn_crash_<pid> is created on that server
#       (the database named in the URL is ignored) and dropped on exit.
#
# Always runs SQLite. Prints one line per backend on stdout:
#   <backend>: acknowledged=N present=M missing=K corrupt=C
# and exits 1 if any backend has missing or corrupt attestations, could not be checked, or
# acknowledged nothing before the kill (such a run proves nothing). Logs go to stderr; with
# KEEP=1 the temporary directory (server logs, ids, loadgen reports) is kept.
set -euo pipefail

COUNT=${COUNT:-20000}
CONCURRENCY=${CONCURRENCY:-32}
KILL_AFTER=${KILL_AFTER:-3}
ALGORITHM=${ALGORITHM:-ecdsa-p256}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

echo "building release binaries…" >&2
cargo build --release -p cairn-server -p cairn-loadgen >&2
server_bin=$root/target/release/cairn-server
loadgen_bin=$root/target/release/cairn-loadgen

# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/cairn-crash.XXXXXX")
server_pid=
loadgen_pid=
pg_admin_url=
pg_db=
failures=()


cleanup() {
  if [[ -n $loadgen_pid ]]; then
    kill "$loadgen_pid" 2>/dev/null || true
    wait "$loadgen_pid" 2>/dev/null || true
  fi
  stop_server
  if [[ -n $pg_db ]]; then
    psql "$pg_admin_url" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $pg_db" >&2 || true
  fi
  if [[ ${KEEP:-0} == 1 ]]; then
    echo "kept $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM




# verify IDS_FILE BASE TOKEN: GET every id; prints "acknowledged=N present=M missing=K corrupt=C"
# on stdout and details of every bad id on stderr; exit status 2 if some id could not be checked.
verify() {
  python3 - "$@" <<'EOF'
import hashlib, http.client, sys, time, urllib.parse

ids_file, base, token = sys.argv[1], sys.argv[2], sys.argv[3]
with open(ids_file) as f:
    ids = [line.strip() for line in f if line.strip()]
u = urllib.parse.urlsplit(base)
headers = {"Authorization": f"Bearer {token}"} if token else {}
conn = None

def get(path):
    """(status, body); reconnects and retries a few times on transport errors."""
    global conn
    for attempt in range(5):
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            return r.status, r.read()
        except (OSError, http.client.HTTPException) as e:
            if conn is not None:
                conn.close()
            conn = None
            last = e
            time.sleep(0.2 * (attempt + 1))
    return None, repr(last).encode()

present = missing = corrupt = unchecked = 0
shown = 0
def show(msg):
    global shown
    if shown < 20:
        print(msg, file=sys.stderr)
    shown += 1

for id_ in ids:
    status, body = get("/v1/attestations/" + urllib.parse.quote(id_, safe=":"))
    if status == 200:
        actual = "sha256:" + hashlib.sha256(body).hexdigest()
        if actual == id_:
            present += 1
        else:
            corrupt += 1
            show(f"corrupt: {id_}: body ({len(body)} bytes) hashes to {actual}")
    elif status == 404:
        missing += 1
        show(f"missing: {id_}: 404 {body[:200]!r}")
    else:
        unchecked += 1
        show(f"unchecked: {id_}: status {status}: {body[:200]!r}")
if shown > 20:
    print(f"… and {shown - 20} more", file=sys.stderr)
print(f"acknowledged={len(ids)} present={present} missing={missing} corrupt={corrupt}")
if unchecked:
    print(f"{unchecked} ids could not be checked (neither 200 nor 404)", file=sys.stderr)
    sys.exit(2)
EOF
}

# run_backend NAME [extra server flags…]
run_backend() {
  local name=$1
  shift
  local data=$work/$name log=$work/$name-server.log ids=$work/$name-ids.txt
  local report=$work/$name-loadgen.json errlog=$work/$name-loadgen.err
  mkdir -p "$data"
  start_server "$name" "$data" "$log" "$@"
  local first_base=$base

  # On first start the server may write an admin token into the data dir.
  local token=
  local token_args=()
  if [[ -f $data/admin.token ]]; then
    token=$(tr -d '[:space:]' <"$data/admin.token")
    token_args=(--token "$token")
  fi

  env -u CAIRN_TOKEN "$loadgen_bin" --server "$first_base" --count "$COUNT" \
    --concurrency "$CONCURRENCY" --algorithm "$ALGORITHM" --record-ids "$ids" \
    --tolerate-errors --output json "${token_args[@]}" >"$report" 2>"$errlog" &
  loadgen_pid=$!

  # Count KILL_AFTER from when loadgen starts sending (key registration and pre-signing come first).
  local waited=0
  until grep -q '^cairn-loadgen: sending' "$errlog"; do
    if ! kill -0 "$loadgen_pid" 2>/dev/null; then
      echo "$name: cairn-loadgen exited before sending; its stderr:" >&2
      cat "$errlog" >&2
      loadgen_pid=
      exit 1
    fi
    if ((waited >= 6000)); then
      echo "$name: cairn-loadgen did not start sending within 600 s" >&2
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  sleep "$KILL_AFTER"

  local finished_early=0
  kill -0 "$loadgen_pid" 2>/dev/null || finished_early=1
  echo "$name: kill -9 cairn-server (pid $server_pid) ${KILL_AFTER}s after loadgen started sending" >&2
  kill -9 "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=

  local rc=0
  wait "$loadgen_pid" || rc=$?
  loadgen_pid=
  echo "$name: loadgen report: $(cat "$report")" >&2
  grep -v '^cairn-loadgen: sending' "$errlog" | sed "s/^/$name: loadgen: /" >&2 || true
  if ((rc != 0)); then
    echo "$name: cairn-loadgen exited with status $rc" >&2
    exit 1
  fi
  if ((finished_early)); then
    echo "$name: WARNING: loadgen had finished before the kill; raise COUNT or lower KILL_AFTER" \
      "so that the kill hits in-flight uploads" >&2
  fi

  echo "--- restart after kill -9 ---" >>"$log"
  start_server "$name" "$data" "$log" "$@"

  local summary vrc=0
  summary=$(verify "$ids" "$base" "$token") || vrc=$?
  stop_server
  echo "$name: $summary"

  local acknowledged missing corrupt
  acknowledged=$(sed -n 's/.*acknowledged=\([0-9]*\).*/\1/p' <<<"$summary")
  missing=$(sed -n 's/.*missing=\([0-9]*\).*/\1/p' <<<"$summary")
  corrupt=$(sed -n 's/.*corrupt=\([0-9]*\).*/\1/p' <<<"$summary")
  if ((vrc != 0)); then
    echo "$name: FAIL: some acknowledged ids could not be checked" >&2
    failures+=("$name")
  elif ((${acknowledged:-0} == 0)); then
    echo "$name: FAIL: nothing was acknowledged before the kill, so this run proves nothing" \
      "(raise KILL_AFTER or COUNT)" >&2
    failures+=("$name")
  elif ((missing + corrupt > 0)); then
    echo "$name: FAIL: $missing acknowledged attestations missing and $corrupt corrupt after kill -9" >&2
    failures+=("$name")
  fi
}

run_backend sqlite

if [[ -n ${CAIRN_BENCH_DATABASE_URL:-} ]]; then
  pg_db=cairn_crash_$$
  pg_admin_url=$(with_database "$CAIRN_BENCH_DATABASE_URL" postgres)
  psql "$pg_admin_url" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $pg_db" >&2
  run_backend postgres --database-url "$(with_database "$CAIRN_BENCH_DATABASE_URL" "$pg_db")"
fi

if ((${#failures[@]} > 0)); then
  echo "crash test failed: ${failures[*]}" >&2
  exit 1
fi
