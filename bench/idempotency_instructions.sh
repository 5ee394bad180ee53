#!/usr/bin/env bash
# User-space instructions per PUT through Gatehouse, unkeyed and keyed with
# the in-memory store, counted by callgrind: a count, steady where the
# machine's noise moves bench/idempotency.sh's times. Each case is a fresh
# gateway (one worker, access log on) in front of the same nginx upstream;
# every keyed PUT has a key of its own, into a store filled to its bound
# first (GATEHOUSE_IDEMPOTENCY_MEMORY_MAX_BYTES=4m here, so that filling it
# under callgrind is quick), so each claims, records, and pushes out the
# oldest key, as in a replica's full store. Cache misses are not counted:
# bench/idempotency.sh measures the whole.
#   bench/idempotency_instructions.sh [seconds=8]   (KEEP_PROFILES=DIR keeps the callgrind files)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN=${1:-8}

source bench/common.sh
need_tools nginx wrk valgrind python3
need_release_binary
bench_workdir idem-instr
UP=$(free_port); GH=$(free_port)
start_json_origin "$UP"

cat > "$work/put.lua" <<'LUA'
local keyed = os.getenv("KEYED") == "1"
local run = os.getenv("RUN") or "r"
local n = 0
local body = '{"status":"confirmed","seats":2}'
request = function()
  n = n + 1
  local headers = {["Content-Type"] = "application/json"}
  if keyed then headers["Idempotency-Key"] = run .. "-" .. n end
  return wrk.format("PUT", "/bookings/" .. (n % 100), headers, body)
end
LUA

binary=$PWD/build/release/gatehouse
cd "$work"
gateway=(env -i PATH="$PATH" GATEHOUSE_PORT="$GH" GATEHOUSE_BIND=127.0.0.1 GATEHOUSE_WORKERS=1 GATEHOUSE_ADMIN_PORT=off
  GATEHOUSE_ROUTE_API_PATH=/ GATEHOUSE_ROUTE_API_UPSTREAM="http://127.0.0.1:$UP" GATEHOUSE_IDEMPOTENCY_MEMORY_MAX_BYTES=4m)
declare -A lines ir
for c in unkeyed keyed; do
  keyed=$([[ $c == keyed ]] && echo 1 || echo 0)
  # Both fill first, so that both count the same steady state but the keys.
  warmup=(env KEYED="$keyed" RUN=fill wrk -t1 -c16 -d"${SECONDS_PER_RUN}s" -s "$work/put.lua" "http://127.0.0.1:$GH")
  load=(env KEYED="$keyed" RUN=count wrk -t1 -c16 -d"${SECONDS_PER_RUN}s" -s "$work/put.lua" "http://127.0.0.1:$GH")
  : > "$work/$c-access.log"
  read -r lines[$c] ir[$c] < <(measure "$c" "$GH" "$work/$c-access.log" "$work/$c-access.log" \
    "${gateway[@]}" "${callgrind[@]}" --callgrind-out-file="$work/$c.cg" "$binary")
  grep -q "idem=claimed" "$work/$c-access.log" || [[ $c == unkeyed ]] || { echo "keyed PUTs were not claimed"; exit 1; }
done
[[ -n ${KEEP_PROFILES:-} ]] && cp "$work"/*.cg "$KEEP_PROFILES"/  # for callgrind_annotate
print_instructions "user-space instructions per PUT through Gatehouse (callgrind, one worker, access log on)" \
  unkeyed "${lines[unkeyed]}" "${ir[unkeyed]}" "keyed (memory store)" "${lines[keyed]}" "${ir[keyed]}"
