#!/usr/bin/env bash
# The cost of idempotency keys, in one run: a keyed PUT through Gatehouse
# with the memory store and with Redis, against an unkeyed PUT through the
# same gateway (and nginx proxying the same unkeyed PUT, for scale). Every
# keyed request has a key of its own: each is a claim, an upstream call and a
# recorded outcome, never a replay. One worker each, access logs on, wrk -t2
# keep-alive, rounds alternating. Also counts the Redis commands per keyed
# request (the aim: one round trip before the upstream call, one after).
#   bench/idempotency.sh [rounds=3] [seconds=8] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECS=${2:-8}
CONNS=${3:-64}
source bench/common.sh
need_tools nginx wrk python3 redis-server
need_release_binary
bench_workdir idempotency
UP=$(free_port); NG=$(free_port); MEM=$(free_port); RED=$(free_port); RP=$(free_port)
start_json_origin "$UP"

cat > "$work/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 8192; }
http { access_log $work/nginx-access.log; keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$UP; keepalive 128; }
  server { listen 127.0.0.1:$NG; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
nginx -c "$work/nginx.conf" & pids+=($!)

redis-server --port "$RP" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" > "$work/redis.log" 2>&1 & pids+=($!)

# The memory store runs at its default bound (64m), filled before the rounds
# (WARMUP seconds of keyed PUTs): a replica's store after a day of keys, where
# each new key pushes the oldest out. An empty store measures its growth
# instead (page faults and rehashing), which a replica pays once.
declare -A gateway_pid
gateway() {  # PORT STORE
  (cd "$work" && exec env -i PATH="$PATH" GATEHOUSE_PORT=$1 GATEHOUSE_BIND=127.0.0.1 GATEHOUSE_WORKERS=1 GATEHOUSE_ADMIN_PORT=off \
    GATEHOUSE_ROUTE_API_PATH=/ GATEHOUSE_ROUTE_API_UPSTREAM=http://127.0.0.1:$UP \
    GATEHOUSE_IDEMPOTENCY_STORE=$2 GATEHOUSE_REDIS_URL=redis://127.0.0.1:$RP \
    GATEHOUSE_ROUTE_API_IDEMPOTENCY_RETENTION=${RETENTION:-24h} \
    "$OLDPWD/build/release/gatehouse") > "$work/gatehouse-$2-access.log" 2> "$work/gatehouse-$2.err" &
  pids+=($!); gateway_pid[$2]=$!
}
gateway "$MEM" memory
gateway "$RED" redis
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$MEM/" && curl -s -o /dev/null "http://127.0.0.1:$RED/" && \
    curl -s -o /dev/null "http://127.0.0.1:$NG/" && redis-cli -p "$RP" ping >/dev/null 2>&1 && break
  sleep 0.1
done
[[ $(curl -s -X PUT -H 'Idempotency-Key: probe' -d '{}' -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RED/x") == 200 ]] || { echo "redis gateway not answering"; exit 1; }

cat > "$work/put.lua" <<'LUA'
local keyed = os.getenv("KEYED") == "1"
local run = os.getenv("RUN") or "r"
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
local body = '{"status":"confirmed","seats":2}'
request = function()
  n = n + 1
  local headers = {["Content-Type"] = "application/json"}
  if keyed then headers["Idempotency-Key"] = run .. "-" .. tid .. "-" .. n end
  return wrk.format("PUT", "/bookings/" .. (n % 100), headers, body)
end
LUA

run() {  # PORT KEYED RUNID: prints "rps p99_ms"
  KEYED=$2 RUN=$3 wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$work/put.lua" "http://127.0.0.1:$1" > "$work/wrk.out" 2>&1
  python3 - "$work/wrk.out" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)", t)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
if non2xx: print(f"warning: {non2xx.group(1)} non-2xx answers", file=sys.stderr)
print(f"{rps:.0f} {p99:.3f}")
PY
}

redis_calls() { redis-cli -p "$RP" info commandstats | python3 -c '
import sys, re
print(sum(int(m.group(1)) for m in re.finditer(r"cmdstat_(?:evalsha|eval):calls=(\d+)", sys.stdin.read())))'; }

# Fills the memory store to its bound (the eviction counter moves).
KEYED=1 RUN=w wrk -t2 -c"$CONNS" -d"${WARMUP:-10}s" -s "$work/put.lua" "http://127.0.0.1:$MEM" > /dev/null 2>&1

# CPU time per request is the steadier figure on a shared machine: the
# gateway's own user+system time, over the requests it served.
declare -A rps p99 cpu
calls_before=$(redis_calls)
nginx_pids() { pgrep -f "nginx: worker process" -P "$(cat "$work/nginx.pid")" || true; }
for ((r = 1; r <= ROUNDS; r++)); do
  for c in nginx_unkeyed gatehouse_unkeyed gatehouse_memory gatehouse_redis; do
    case $c in
      nginx_unkeyed) port=$NG keyed=0 who=$(nginx_pids) ;;
      gatehouse_unkeyed) port=$MEM keyed=0 who=${gateway_pid[memory]} ;;
      gatehouse_memory) port=$MEM keyed=1 who=${gateway_pid[memory]} ;;
      gatehouse_redis) port=$RED keyed=1 who=${gateway_pid[redis]} ;;
    esac
    t0=$(cpu_ticks "$who")
    out=$(run "$port" "$keyed" "$c$r")
    t1=$(cpu_ticks "$who")
    read -r a b <<< "$out"
    us=$(python3 -c "print(f'{($t1 - $t0) / $TICK * 1e6 / ($a * $SECS):.2f}')")
    rps[$c]+="$a "; p99[$c]+="$b "; cpu[$c]+="$us "
    echo "  round $r $c: $a req/s, p99 $b ms, cpu $us us/request"
  done
done
calls=$(( $(redis_calls) - calls_before ))
sleep 0.5  # the access log's last batch
redis_requests=$(grep -c "idem=claimed" "$work/gatehouse-redis-access.log" || true)
median() { tr ' ' '\n' <<< "$1" | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo
printf '%-20s %10s %10s %15s\n' case req/s "p99 ms" "cpu us/request"
for c in nginx_unkeyed gatehouse_unkeyed gatehouse_memory gatehouse_redis; do
  printf '%-20s %10s %10s %15s\n' "$c" "$(median "${rps[$c]}")" "$(median "${p99[$c]}")" "$(median "${cpu[$c]}")"
done
python3 - "$(median "${rps[gatehouse_memory]}")" "$(median "${rps[gatehouse_redis]}")" "$(median "${rps[gatehouse_unkeyed]}")" "$(median "${rps[nginx_unkeyed]}")" "$calls" "$redis_requests" \
  "$(median "${cpu[gatehouse_memory]}")" "$(median "${cpu[gatehouse_redis]}")" "$(median "${cpu[gatehouse_unkeyed]}")" <<'PY'
import sys
mem, red, plain, ng = map(float, sys.argv[1:5])
calls, keyed = int(sys.argv[5]), int(sys.argv[6])
cpu_mem, cpu_red, cpu_plain = map(float, sys.argv[7:10])
print(f"\nkeyed PUT, memory store / unkeyed PUT: {mem/plain:.2f}x throughput, {cpu_mem/cpu_plain:.2f}x CPU per request (aim: within 5%)")
print(f"keyed PUT, Redis store / unkeyed PUT: {red/plain:.2f}x throughput, {cpu_red/cpu_plain:.2f}x CPU per request")
print(f"unkeyed PUT, Gatehouse / nginx: {plain/ng:.2f}x throughput")
if keyed: print(f"Redis scripts per keyed request: {calls/keyed:.2f} ({calls} for {keyed}; aim: 2, a claim before the upstream call and a finish after)")
PY
