#!/usr/bin/env bash
# The cache under load, in one run: cache hits through Gatehouse against
# nginx's proxy_cache hits on the same 100 URLs, and Gatehouse's miss path
# (a cached route whose responses say no-store) against its plain proxy path.
# Also hits served from the shared Redis backend (GATEHOUSE_CACHE_STORE=redis,
# a local redis-server): what a replica pays for a response another stored.
# One worker each, access logs on, wrk -t2 keep-alive, rounds alternating.
#   bench/cache.sh [rounds=3] [seconds=8] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECS=${2:-8}
CONNS=${3:-64}
source bench/common.sh
need_tools nginx wrk python3 redis-server
need_release_binary
bench_workdir cache
UP=$(free_port); NG=$(free_port); GH=$(free_port); SH=$(free_port); RP=$(free_port)

# The origin: small JSON, cacheable under /items/, no-store under /nostore/.
cat > "$work/upstream.conf" <<CONF
worker_processes 1; daemon off; pid $work/upstream.pid; error_log $work/upstream.err;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000; default_type application/json;
  server { listen 127.0.0.1:$UP;
    location /items/ { add_header Cache-Control "max-age=3600" always; return 200 '{"id":123,"name":"booking","status":"confirmed"}'; }
    location /nostore/ { add_header Cache-Control "no-store" always; return 200 '{"id":123,"name":"booking","status":"confirmed"}'; } } }
CONF
nginx -c "$work/upstream.conf" & pids+=($!)

mkdir -p "$work/ngcache"
cat > "$work/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 8192; }
http {
  access_log $work/nginx-access.log;
  keepalive_requests 1000000;
  proxy_cache_path $work/ngcache levels=1:2 keys_zone=bench:10m max_size=64m;
  upstream backend { server 127.0.0.1:$UP; keepalive 128; }
  server { listen 127.0.0.1:$NG;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_cache bench; } }
}
CONF
nginx -c "$work/nginx.conf" & pids+=($!)

(cd "$work" && exec env -i PATH="$PATH" GATEHOUSE_PORT=$GH GATEHOUSE_BIND=127.0.0.1 GATEHOUSE_WORKERS=1 GATEHOUSE_ADMIN_PORT=off \
  GATEHOUSE_ROUTE_CACHED_PATH=/ GATEHOUSE_ROUTE_CACHED_UPSTREAM=http://127.0.0.1:$UP GATEHOUSE_ROUTE_CACHED_CACHE=true \
  GATEHOUSE_ROUTE_PLAIN_PATH=/plain GATEHOUSE_ROUTE_PLAIN_STRIP_PREFIX=true GATEHOUSE_ROUTE_PLAIN_UPSTREAM=http://127.0.0.1:$UP \
  "$OLDPWD/build/release/gatehouse") > "$work/gatehouse-access.log" 2> "$work/gatehouse.err" & pids+=($!)

redis-server --port "$RP" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" > "$work/redis.log" 2>&1 & pids+=($!)
(cd "$work" && exec env -i PATH="$PATH" GATEHOUSE_PORT=$SH GATEHOUSE_BIND=127.0.0.1 GATEHOUSE_WORKERS=1 GATEHOUSE_ADMIN_PORT=off \
  GATEHOUSE_ROUTE_CACHED_PATH=/ GATEHOUSE_ROUTE_CACHED_UPSTREAM=http://127.0.0.1:$UP GATEHOUSE_ROUTE_CACHED_CACHE=true \
  GATEHOUSE_CACHE_STORE=redis GATEHOUSE_REDIS_URL=redis://127.0.0.1:$RP \
  "$OLDPWD/build/release/gatehouse") > "$work/gatehouse-shared-access.log" 2> "$work/gatehouse-shared.err" & pids+=($!)

for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$GH/items/1" && curl -s -o /dev/null "http://127.0.0.1:$NG/items/1" && \
    redis-cli -p "$RP" ping > /dev/null 2>&1 && curl -s -o /dev/null "http://127.0.0.1:$SH/items/1" && break
  sleep 0.1
done
# Warm both caches with the 100 URLs.
for i in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$GH/items/$i" "http://127.0.0.1:$NG/items/$i" "http://127.0.0.1:$SH/items/$i"; done
sleep 0.2  # the shared store's writes, a round trip after their answers
[[ $(curl -s -D - -o /dev/null "http://127.0.0.1:$GH/items/7" | grep -c "Cache-Status: Gatehouse; hit") == 1 ]] || { echo "gatehouse is not hitting"; exit 1; }
[[ $(curl -s -D - -o /dev/null "http://127.0.0.1:$SH/items/7" | grep -c "Cache-Status: Gatehouse; hit") == 1 ]] || { echo "the shared cache is not hitting"; exit 1; }

cat > "$work/urls.lua" <<'LUA'
local prefix = os.getenv("PREFIX") or "/items/"
local n = 0
request = function() n = n % 100 + 1; return wrk.format("GET", prefix .. n) end
LUA

# run PORT PREFIX: prints "rps p99_ms"
run() {
  PREFIX=$2 wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$work/urls.lua" "http://127.0.0.1:$1" > "$work/wrk.out" 2>&1
  python3 - "$work/wrk.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
print(f"{rps:.0f} {p99:.3f}")
PY
}

declare -A rps p99
for ((r = 1; r <= ROUNDS; r++)); do
  for c in nginx_hit gatehouse_hit gatehouse_shared_hit gatehouse_miss gatehouse_plain; do
    case $c in
      nginx_hit) out=$(run "$NG" /items/) ;;
      gatehouse_hit) out=$(run "$GH" /items/) ;;
      gatehouse_shared_hit) out=$(run "$SH" /items/) ;;
      gatehouse_miss) out=$(run "$GH" /nostore/) ;;
      gatehouse_plain) out=$(run "$GH" /plain/nostore/) ;;
    esac
    read -r a b <<< "$out"
    rps[$c]+="$a "; p99[$c]+="$b "
    echo "  round $r $c: $a req/s, p99 $b ms"
  done
done
median() { tr ' ' '\n' <<< "$1" | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo
printf '%-22s %10s %10s\n' case req/s "p99 ms"
for c in nginx_hit gatehouse_hit gatehouse_shared_hit gatehouse_miss gatehouse_plain; do printf '%-22s %10s %10s\n' "$c" "$(median "${rps[$c]}")" "$(median "${p99[$c]}")"; done
python3 - "$(median "${rps[gatehouse_hit]}")" "$(median "${rps[nginx_hit]}")" "$(median "${rps[gatehouse_miss]}")" "$(median "${rps[gatehouse_plain]}")" "$(median "${rps[gatehouse_shared_hit]}")" <<'PY'
import sys
gh, ng, miss, plain, shared = map(float, sys.argv[1:])
print(f"\nGatehouse hits / nginx proxy_cache hits: {gh/ng:.2f}x throughput (aim: at least 1.5x)")
print(f"Gatehouse hits from the shared Redis / nginx proxy_cache hits: {shared/ng:.2f}x throughput")
print(f"Gatehouse miss path / uncached route: {miss/plain:.2f}x throughput (aim: within 5%)")
PY
