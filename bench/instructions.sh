#!/usr/bin/env bash
# User-space instructions per proxied request, Gatehouse and nginx side by
# side, counted by callgrind: a count, not a time, so it does not move with
# the load of a shared machine. Each proxy runs one worker under callgrind in
# front of the same nginx upstream (a ~100-byte JSON body), access log on;
# counting starts after one warm-up request, wrk drives keep-alive load for
# a while, and the total is divided by the access lines written.
#   bench/instructions.sh [seconds=8]
# It does not count the kernel's share (system calls): bench/compare.sh
# measures the whole.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-8}

source bench/common.sh
need_tools nginx wrk valgrind python3
need_release_binary
bench_workdir instr
UP=$(free_port); NG=$(free_port); GH=$(free_port)

start_json_origin "$UP"

# nginx as the proxy, in one process (no master) so that callgrind sees the worker.
cat > "$work/nginx.conf" <<CONF
worker_processes 1; daemon off; master_process off; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 8192; }
http {
  log_format main '\$remote_addr "\$request" \$status \$body_bytes_sent \$request_time \$upstream_response_time';
  access_log $work/nginx-access.log main;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$UP; keepalive 128; }
  server { listen 127.0.0.1:$NG; location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
CONF

load=(wrk -t1 -c16 -d"${SECONDS_PER_RUN}s" "http://127.0.0.1:$NG/api/bookings/123")
: > "$work/nginx-access.log"
read -r n_lines n_ir < <(measure nginx "$NG" "$work/nginx-access.log" /dev/null \
  "${callgrind[@]}" --callgrind-out-file="$work/nginx.cg" nginx -c "$work/nginx.conf")
# Started from the work directory, so that the repository's development .env is not read.
binary=$PWD/build/release/gatehouse
cd "$work"
: > gatehouse-access.log
load=(wrk -t1 -c16 -d"${SECONDS_PER_RUN}s" "http://127.0.0.1:$GH/api/bookings/123")
read -r g_lines g_ir < <(measure gatehouse "$GH" "$work/gatehouse-access.log" "$work/gatehouse-access.log" \
  env -i PATH="$PATH" GATEHOUSE_PORT="$GH" GATEHOUSE_BIND=127.0.0.1 GATEHOUSE_WORKERS=1 GATEHOUSE_ADMIN_PORT=0 \
  GATEHOUSE_ROUTE_API_PATH=/ GATEHOUSE_ROUTE_API_UPSTREAM="http://127.0.0.1:$UP" \
  "${callgrind[@]}" --callgrind-out-file="$work/gatehouse.cg" "$binary")

print_instructions "user-space instructions per proxied request (callgrind, one worker, access log on)" \
  nginx "$n_lines" "$n_ir" gatehouse "$g_lines" "$g_ir"
