#!/usr/bin/env bash
# Load comparison: the same wrk load through nginx, HAProxy and Gatehouse (and
# straight to the upstream), in one run, alternating the order over several
# rounds. Prints requests/s, p50/p99 latency, the proxy's CPU time per
# request and peak RSS, and the ratios Gatehouse/nginx (of the medians, and
# the median of each round's own ratio); then memory per idle keep-alive
# connection.
#   bench/compare.sh [rounds=3] [seconds=8] [connections=64]
# Loopback only; every server here is started and stopped by this script.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-8}
CONNS=${3:-64}
IDLE_CONNS=${IDLE_CONNS:-2000}
WORKERS=${WORKERS:-1}   # proxy workers each (the issue measures one)

source bench/common.sh
need_tools nginx haproxy wrk python3
need_release_binary
bench_workdir bench
UP=$(free_port); NG=$(free_port); HA=$(free_port); GH=$(free_port)

# The upstream: nginx answering a small JSON body from memory, one worker.
start_json_origin "$UP"

# nginx as the proxy: 2 workers (as Gatehouse), keep-alive to the upstream, access log on.
cat > "$work/nginx.conf" <<CONF
worker_processes $WORKERS; daemon off; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 8192; }
http {
  log_format main '\$remote_addr "\$request" \$status \$body_bytes_sent \$request_time \$upstream_response_time';
  access_log $work/nginx-access.log main;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$UP; keepalive 128; }
  server { listen 127.0.0.1:$NG reuseport; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
CONF
nginx -c "$work/nginx.conf" & pids+=($!)

# HAProxy: 2 threads, connection reuse, HTTP log to stdout.
cat > "$work/haproxy.cfg" <<CONF
global
  nbthread $WORKERS
  log stdout format raw local0
defaults
  mode http
  log global
  option httplog
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend fe
  bind 127.0.0.1:$HA
  default_backend be
backend be
  server up 127.0.0.1:$UP
CONF
haproxy -f "$work/haproxy.cfg" > "$work/haproxy-access.log" 2>&1 & pids+=($!)

# Gatehouse: 2 workers, access log on (stdout to a file).
# Started from the work directory, so that the repository's development .env is not read.
(cd "$work" && exec env -i PATH="$PATH" GATEHOUSE_PORT=$GH GATEHOUSE_BIND=127.0.0.1 GATEHOUSE_WORKERS=$WORKERS GATEHOUSE_ADMIN_PORT=0 \
  GATEHOUSE_ROUTE_API_PATH=/ GATEHOUSE_ROUTE_API_UPSTREAM=http://127.0.0.1:$UP \
  "$OLDPWD/build/release/gatehouse") > "$work/gatehouse-access.log" 2> "$work/gatehouse.err" & pids+=($!)
GH_PID=$!
sleep 1
for pair in "nginx upstream:$UP" "nginx:$NG" "haproxy:$HA" "gatehouse:$GH"; do
  port=${pair##*:}
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/" || { echo "${pair%%:*} on $port is not answering"; cat "$work"/*.err 2>/dev/null; exit 1; }
done

proxy_pids() {  # the processes whose memory counts for each contestant
  case $1 in
    nginx) pgrep -f "nginx: .*$work/nginx.conf" || true; pgrep -P "$(cat "$work/nginx.pid")" || true ;;
    haproxy) pgrep -f "haproxy -f $work/haproxy.cfg" || true ;;
    gatehouse) echo "$GH_PID" ;;
    direct) cat "$work/upstream.pid"; pgrep -P "$(cat "$work/upstream.pid")" || true ;;
  esac
}
rss_kib() {  # sum of VmRSS (or VmHWM with 'peak') over pids
  local field=${2:-VmRSS} total=0
  for p in $1; do v=$(awk -v f="$field:" '$1==f{print $2}' /proc/"$p"/status 2>/dev/null || echo 0); total=$((total + ${v:-0})); done
  echo $total
}
port_of() { case $1 in direct) echo $UP;; nginx) echo $NG;; haproxy) echo $HA;; gatehouse) echo $GH;; esac; }

run_wrk() {  # prints: rps p50_ms p99_ms
  wrk -t2 -c"$CONNS" -d"${SECONDS_PER_RUN}s" --latency "http://127.0.0.1:$(port_of "$1")/api/bookings/123" > "$work/wrk.out" 2>&1
  python3 - "$work/wrk.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v, unit): return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
lat = {p: ms(v, u) for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", text, re.M)}
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {lat['50']:.3f} {lat['99']:.3f} {errors.group(1) if errors else 0}")
PY
}

names=(direct nginx haproxy gatehouse)
declare -A rps p50 p99 cpu ratio_rounds
echo "rounds=$ROUNDS seconds=$SECONDS_PER_RUN connections=$CONNS (wrk -t2), $WORKERS proxy worker(s) each, access logs on"
for ((r = 0; r < ROUNDS; r++)); do
  order=("${names[@]}")
  ((r % 2)) && order=(gatehouse haproxy nginx direct)   # alternate to spread the machine's noise
  declare -A round_rps=()
  for n in "${order[@]}"; do
    t0=$(cpu_ticks "$(proxy_pids "$n")")
    read -r a b c e < <(run_wrk "$n")
    t1=$(cpu_ticks "$(proxy_pids "$n")")
    [[ $e == 0 ]] || echo "warning: $n answered $e non-2xx"
    # The proxy's own CPU time (user + system) per request: what caps its
    # throughput when it has a core to itself, and far steadier than req/s
    # on a shared machine.
    us=$(python3 -c "print(f'{($t1 - $t0) / $TICK * 1e6 / ($a * $SECONDS_PER_RUN):.2f}')")
    rps[$n]+="$a "; p50[$n]+="$b "; p99[$n]+="$c "; cpu[$n]+="$us "; round_rps[$n]=$a
    printf "  round %d %-9s %8s req/s  p50 %6s ms  p99 %6s ms  cpu %6s us/request\n" $((r + 1)) "$n" "$a" "$b" "$c" "$us"
  done
  # Contestants of one round ran a few seconds apart: their ratio sees the least noise.
  ratio_rounds[nginx]+="$(python3 -c "print(${round_rps[gatehouse]} / ${round_rps[nginx]})") "
  ratio_rounds[haproxy]+="$(python3 -c "print(${round_rps[gatehouse]} / ${round_rps[haproxy]})") "
done

median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo
printf "%-10s %10s %9s %9s %12s %14s\n" "" "req/s" "p50 ms" "p99 ms" "peak RSS KiB" "cpu us/request"
for n in "${names[@]}"; do
  printf "%-10s %10s %9s %9s %12s %14s\n" "$n" "$(median "${rps[$n]}")" "$(median "${p50[$n]}")" "$(median "${p99[$n]}")" \
    "$(rss_kib "$(proxy_pids "$n")" VmHWM)" "$(median "${cpu[$n]}")"
done
ratio() { python3 -c "print(f'{float($1)/float($2):.2f}')"; }
echo
for other in nginx haproxy; do
  label=$([[ $other == nginx ]] && echo nginx || echo HAProxy)
  echo "Gatehouse/$label: throughput $(ratio "$(median "${rps[gatehouse]}")" "$(median "${rps[$other]}")")x" \
       "(median of the rounds' own ratios $(ratio "$(median "${ratio_rounds[$other]}")" 1)x)," \
       "p99 $(ratio "$(median "${p99[gatehouse]}")" "$(median "${p99[$other]}")")x," \
       "CPU per request $(ratio "$(median "${cpu[gatehouse]}")" "$(median "${cpu[$other]}")")x (lower is better)"
done
lines=$(wc -l < "$work/gatehouse-access.log")
echo "Gatehouse access lines written: $lines"

# Memory per idle keep-alive connection: open IDLE_CONNS connections, one request
# each, then hold them idle and compare RSS before and after.
echo
echo "idle keep-alive connections: $IDLE_CONNS"
for n in nginx haproxy gatehouse; do
  before=$(rss_kib "$(proxy_pids "$n")")
  python3 - "$(port_of "$n")" "$IDLE_CONNS" "$work/idle-$n.ready" <<'PY' &
import socket, sys, time
port, count, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /idle HTTP/1.1\r\nHost: bench\r\n\r\n")
    socks.append(s)
for s in socks:
    data = b""
    while b"\r\n\r\n" not in data: data += s.recv(4096)
open(ready, "w").close()
time.sleep(8)
PY
  holder=$!
  for _ in $(seq 100); do [[ -e "$work/idle-$n.ready" ]] && break; sleep 0.1; done
  sleep 0.5
  after=$(rss_kib "$(proxy_pids "$n")")
  kill $holder 2>/dev/null || true; wait $holder 2>/dev/null || true
  echo "  $n: $(python3 -c "print(f'{($after-$before)*1024/$IDLE_CONNS:.0f}')") bytes per idle connection (RSS $before -> $after KiB)"
done
