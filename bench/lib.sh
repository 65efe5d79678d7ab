# Shared by the bench/*.sh scripts: start/stop a cairn-server on a free port, PostgreSQL URLs.
# Callers set server_bin and declare server_pid and base.
# shellcheck shell=bash

stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Replace the database of a postgres:// URL (keeping credentials, host and query).
with_database() {
  python3 - "$1" "$2" <<'EOF'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(u._replace(path="/" + sys.argv[2])))
EOF
}

# start_server NAME DATA_DIR LOG [extra server flags…]: start on a free port, wait for /healthz;
# sets server_pid and base.
start_server() {
  local name=$1 data=$2 log=$3
  shift 3
  local port
  port=$(free_port)
  base=http://127.0.0.1:$port
  "$server_bin" --listen "127.0.0.1:$port" --data-dir "$data" "$@" >>"$log" 2>&1 &
  server_pid=$!
  local waited=0
  until [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/healthz" || true) == 200 ]]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "$name: cairn-server exited before becoming healthy; its log:" >&2
      cat "$log" >&2
      server_pid=
      exit 1
    fi
    if ((waited >= 300)); then
      echo "$name: GET $base/healthz did not return 200 within 30 s; server log:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}
