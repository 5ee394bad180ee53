#!/usr/bin/env bash
# WebSocket echo round trips, in one run: straight to the demo upstream's
# echo (/ws), through Gatehouse, and through nginx configured for WebSocket
# (proxy_http_version 1.1, Upgrade and Connection passed), as ratios. One
# worker each, rounds alternating; each round C connections each send a
# message and wait for its echo, again and again, for S seconds.
#   bench/websocket.sh [rounds=3] [seconds=5] [connections=64] [message_bytes=64]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; SECONDS_PER_RUN=${2:-5}; CONNS=${3:-64}; SIZE=${4:-64}

source bench/common.sh
need_tools nginx python3
[[ -x build/release/bench/gatehouse_websocket_echo && -x build/release/gatehouse-demo-upstream ]] ||
  { cmake --preset release >/dev/null && cmake --build --preset release --target gatehouse gatehouse-demo-upstream gatehouse_websocket_echo; }
need_release_binary
bench_workdir websocket
UP=$(free_port); GH=$(free_port); NG=$(free_port)
client=build/release/bench/gatehouse_websocket_echo

build/release/gatehouse-demo-upstream --port "$UP" > /dev/null &
pids+=($!)
# From the work folder: the repository's .env (the demo's routes) stays out of it.
(cd "$work" && exec env -i PATH="$PATH" GATEHOUSE_PORT="$GH" GATEHOUSE_BIND=127.0.0.1 GATEHOUSE_WORKERS=1 GATEHOUSE_ADMIN_PORT=off \
  GATEHOUSE_ROUTE_WS_PATH=/ GATEHOUSE_ROUTE_WS_UPSTREAM="http://127.0.0.1:$UP" "$OLDPWD/build/release/gatehouse") > "$work/access.log" 2> "$work/gatehouse.err" &
pids+=($!)
cat > "$work/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 4096; }
http { access_log off;
  map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
  server { listen 127.0.0.1:$NG;
    location / { proxy_pass http://127.0.0.1:$UP; proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade; proxy_set_header Connection \$connection_upgrade; proxy_read_timeout 1h; } } }
CONF
nginx -c "$work/nginx.conf" &
pids+=($!)
for port in "$UP" "$GH" "$NG"; do
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
done

declare -A rate p50 p99
for round in $(seq "$ROUNDS"); do
  for case in direct gatehouse nginx; do
    port=$UP; [[ $case == gatehouse ]] && port=$GH; [[ $case == nginx ]] && port=$NG
    read -r r a b < <("$client" "$port" "$CONNS" "$SECONDS_PER_RUN" "$SIZE")
    echo "  round $round $case: $r round trips/s, p50 $a us, p99 $b us"
    rate[$case]="${rate[$case]:-} $r"; p50[$case]="${p50[$case]:-} $a"; p99[$case]="${p99[$case]:-} $b"
  done
done
median() { tr ' ' '\n' <<< "$1" | grep -v '^$' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo
printf '%-12s %14s %10s %10s\n' case "round trips/s" "p50 us" "p99 us"
for case in direct gatehouse nginx; do
  printf '%-12s %14s %10s %10s\n' "$case" "$(median "${rate[$case]}")" "$(median "${p50[$case]}")" "$(median "${p99[$case]}")"
done
ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }
echo
echo "Gatehouse/direct: $(ratio "$(median "${rate[gatehouse]}")" "$(median "${rate[direct]}")") round trips/s"
echo "Gatehouse/nginx:  $(ratio "$(median "${rate[gatehouse]}")" "$(median "${rate[nginx]}")") round trips/s, p99 $(ratio "$(median "${p99[gatehouse]}")" "$(median "${p99[nginx]}")")"
echo "Gatehouse access lines (one per connection): $(wc -l < "$work/access.log")"
