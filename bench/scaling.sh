#!/usr/bin/env bash
# How cost grows: Gatehouse and nginx side by side, one worker each, access
# logs on, nginx as the origin, wrk -t2 keep-alive. One dimension varies at a
# time from the base case (64 connections, 1 route, wrk's few headers, a
# 100-byte body):
#   connections 64, 1000, 10000 | routes 1, 1000 | request headers 10, 60 |
#   response body 100 B, 64 KiB, 1 MiB
#   bench/scaling.sh [seconds=5]      (ONLY=regex runs the matching rows)
# Prints one table: req/s and p99 of each, and the ratio Gatehouse/nginx.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
source bench/common.sh
need_tools nginx wrk python3
need_release_binary
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

bench_workdir scaling
chmod 755 "$work"  # nginx workers (www-data) read the bodies from here
UP=$(free_port)

# The origin: bodies of each size from files, one worker.
mkdir -p "$work/www"
head -c 100 /dev/zero | tr '\0' 'x' > "$work/www/small"
head -c 65536 /dev/zero | tr '\0' 'x' > "$work/www/64k"
head -c 1048576 /dev/zero | tr '\0' 'x' > "$work/www/1m"
cat > "$work/upstream.conf" <<CONF
worker_processes 1; daemon off; pid $work/upstream.pid; error_log $work/upstream.err;
worker_rlimit_nofile 65536;
events { worker_connections 30000; }
http { access_log off; keepalive_requests 1000000; default_type application/json;
  server { listen 127.0.0.1:$UP; root $work/www;
    location / { rewrite ^.*/(small|64k|1m)$ /\$1 break; } } }
CONF
nginx -c "$work/upstream.conf" & pids+=($!)

# Starts nginx and Gatehouse as proxies with `routes` routes (/svcN/ each,
# plus a catch-all); sets NG and GH to their ports.
start_proxies() {
  local routes=$1
  NG=$(free_port); GH=$(free_port)
  {
    echo "worker_processes 1; daemon off; pid $work/nginx.pid; error_log $work/nginx.err; worker_rlimit_nofile 65536;"
    echo "events { worker_connections 30000; }"
    echo "http { access_log $work/nginx-access.log; keepalive_requests 1000000;"
    # The same number of idle upstream connections kept by each proxy.
    echo "  upstream backend { server 127.0.0.1:$UP; keepalive 256; }"
    echo "  server { listen 127.0.0.1:$NG;"
    for ((i = 1; i < routes; i++)); do
      echo "    location /svc$i/ { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; }"
    done
    echo "    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; } } }"
  } > "$work/nginx.conf"
  nginx -c "$work/nginx.conf" & NG_PID=$!
  {
    echo "GATEHOUSE_ROUTE_ALL_PATH=/"
    echo "GATEHOUSE_ROUTE_ALL_UPSTREAM=http://127.0.0.1:$UP"
    for ((i = 1; i < routes; i++)); do
      echo "GATEHOUSE_ROUTE_SVC${i}_PATH=/svc$i"
      echo "GATEHOUSE_ROUTE_SVC${i}_UPSTREAM=http://127.0.0.1:$UP"
    done
  } > "$work/routes.env"
  (cd "$work" && exec env -i PATH="$PATH" GATEHOUSE_PORT=$GH GATEHOUSE_BIND=127.0.0.1 GATEHOUSE_WORKERS=1 GATEHOUSE_ADMIN_PORT=off GATEHOUSE_POOL_MAX_IDLE=256 \
    $(cat "$work/routes.env") "$OLDPWD/build/release/gatehouse") > "$work/gatehouse-access.log" 2> "$work/gatehouse.err" & GH_PID=$!
  for _ in $(seq 50); do
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$GH/small" && curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$NG/small" && return 0
    sleep 0.1
  done
  echo "proxies did not start"; cat "$work"/*.err; exit 1
}
stop_proxies() { kill "$NG_PID" "$GH_PID" 2>/dev/null || true; wait "$NG_PID" "$GH_PID" 2>/dev/null || true; }

# wrk with `conns` connections and `headers` request headers in all; prints "rps p99_ms".
measure() {
  local port=$1 path=$2 conns=$3 headers=$4 hargs=()
  for ((h = 3; h < headers; h++)); do hargs+=(-H "X-Bench-Header-$h: value-$h-abcdefghijklmnop"); done
  wrk -t2 -c"$conns" -d"${SECS}s" --timeout 10s --latency "${hargs[@]}" "http://127.0.0.1:$port$path" > "$work/wrk.out" 2>&1 || true
  python3 - "$work/wrk.out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v, u): return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]
m = re.search(r"Requests/sec:\s+([\d.]+)", text)
p = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", text, re.M)
print(f"{float(m.group(1)) if m else 0:.0f} {ms(*p.groups()) if p else 0:.2f}")
PY
}

printf "%-22s %9s %12s %10s %12s %10s %9s %9s\n" "case" "body B" "nginx req/s" "p99 ms" "gatehouse" "p99 ms" "ratio" "p99 ratio"
row() {  # label routes path conns headers
  local label=$1 routes=$2 path=$3 conns=$4 headers=$5
  [[ $label =~ ${ONLY:-.} ]] || return 0
  [[ ${CURRENT_ROUTES:-} == "$routes" ]] || { [[ -n ${CURRENT_ROUTES:-} ]] && stop_proxies; start_proxies "$routes"; CURRENT_ROUTES=$routes; }
  # Both must answer the path in full, or the row would measure an error page.
  local gsize nsize
  gsize=$(curl -s -o /dev/null -w "%{http_code}:%{size_download}" "http://127.0.0.1:$GH$path")
  nsize=$(curl -s -o /dev/null -w "%{http_code}:%{size_download}" "http://127.0.0.1:$NG$path")
  [[ $gsize == "$nsize" && $gsize == 200:* ]] || { echo "$label: nginx answered $nsize, gatehouse $gsize"; return 0; }
  read -r nr np < <(measure "$NG" "$path" "$conns" "$headers")
  read -r gr gp < <(measure "$GH" "$path" "$conns" "$headers")
  printf "%-22s %9s %12s %10s %12s %10s %9s %9s\n" "$label" "${gsize#200:}" "$nr" "$np" "$gr" "$gp" \
    "$(python3 -c "print(f'{$gr/max($nr,1):.2f}x')")" "$(python3 -c "print(f'{$gp/max($np,0.001):.2f}x')")"
}
row "64 connections"      1    /small 64    3
row "1000 connections"    1    /small 1000  3
row "10000 connections"   1    /small 10000 3
row "10 request headers"  1    /small 64    10
row "60 request headers"  1    /small 64    60
row "64 KiB body"         1    /64k   64    3
row "1 MiB body"          1    /1m    64    3
row "1000 routes"         1000 /svc500/small 64 3
stop_proxies
echo "(1 route is the first row; one worker each, access logs on, $(date -u +%Y-%m-%d))"
