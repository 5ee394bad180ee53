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

# cpu_ticks "PID...": user+system clock ticks (TICK a second) of the given pids.
TICK=$(getconf CLK_TCK)
cpu_ticks() {
  local total=0
  for p in $1; do t=$(awk '{print $14 + $15}' /proc/"$p"/stat 2>/dev/null || echo 0); total=$((total + t)); done
  echo $total
}

# print_instructions TITLE NAME_A REQUESTS_A INSTRUCTIONS_A NAME_B REQUESTS_B
# INSTRUCTIONS_B: instructions per request of two measured cases, and B/A.
print_instructions() {
  python3 - "$@" <<'PY'
import sys
title, name_a, lines_a, ir_a, name_b, lines_b, ir_b = sys.argv[1:8]
a, b = int(ir_a) / int(lines_a), int(ir_b) / int(lines_b)
width = max(len(name_a), len(name_b)) + 2
print(title)
print(f"  {name_a:<{width}}{a:8.0f}  ({lines_a} requests)")
print(f"  {name_b:<{width}}{b:8.0f}  ({lines_b} requests)")
print(f"{name_b}/{name_a}: {b / a:.2f}x ({b - a:+.0f} instructions a request; lower is better)")
PY
}

# measure NAME PORT ACCESS-LOG STDOUT-FILE COMMAND...: runs COMMAND (under
# "${callgrind[@]}", writing $work/NAME.cg), counts instructions while the
# "${load[@]}" command runs against it, and prints "requests instructions"
# (requests: the access lines written meanwhile). A "${warmup[@]}" command,
# if set, runs before counting starts.
callgrind=(valgrind --tool=callgrind --instr-atstart=no)
warmup=()
measure() {
  local name=$1 port=$2 log=$3 out=$4
  shift 4
  "$@" > "$out" 2> "$work/$name.err" &
  local pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && break; sleep 0.2; done
  [[ ${#warmup[@]} -gt 0 ]] && "${warmup[@]}" > /dev/null
  local warm
  warm=$(wc -l < "$log")
  callgrind_control -i on "$pid" >/dev/null
  "${load[@]}" > /dev/null
  callgrind_control -i off "$pid" >/dev/null
  local lines=$(( $(wc -l < "$log") - warm ))
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local ir
  ir=$(callgrind_annotate "$work/$name.cg" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done {gsub(",", "", $1); print $1; done = 1}')
  echo "$lines $ir"
}
