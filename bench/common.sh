# What the bench scripts share, sourced from the repository's root: their
# tools (installed from Debian when missing), the release binary, a work
# folder that goes away on exit with every server started into `pids`, and
# free loopback ports.

# need_tools COMMAND...: nginx comes from the nginx-light package.
need_tools() {
  local missing=() tool
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  ((${#missing[@]})) || return 0
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]/#nginx/nginx-light}" >/dev/null
}

need_release_binary() {
  [[ -x build/release/gatehouse ]] || { cmake --preset release >/dev/null && cmake --build --preset release --target gatehouse; }
}

# bench_workdir NAME: sets $work and an empty $pids, cleaned up on exit.
bench_workdir() {
  work=$(mktemp -d "/tmp/gatehouse-$1-XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}
bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  rm -rf "$work"
}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# start_json_origin PORT: nginx, one worker, answering every path with a
# small JSON body from memory (the upstream of compare and instructions).
start_json_origin() {
  cat > "$work/upstream.conf" <<CONF
worker_processes 1; daemon off; pid $work/upstream.pid; error_log $work/upstream.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$1; location / { default_type application/json; return 200 '{"id":123,"name":"booking","status":"confirmed"}'; } } }
CONF
  nginx -c "$work/upstream.conf" &
  pids+=($!)
}
