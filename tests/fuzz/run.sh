#!/usr/bin/env bash
# Builds the libFuzzer targets (preset fuzz: clang, ASan+UBSan) and runs each
# for a bounded time from its seed corpus in tests/fuzz/corpus/<target>/.
# New inputs go to a scratch copy, never into the repository. Fails on any
# crash, leak, sanitizer report or broken invariant, and prints how many
# executions each target ran clean.
#   tests/fuzz/run.sh [seconds per target = 60] [target ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_TARGET=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(framing response chunked target dotenv settings cache)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

scratch=$(mktemp -d /tmp/gatehouse-fuzz-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
status=0
summary=()
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  log="$scratch/$t.log"
  # A settings input of many lines builds many routes (pairwise checks):
  # shorter inputs give far more executions for the same coverage.
  max_len=4096
  [[ $t == settings ]] && max_len=1024
  echo "fuzz_$t: ${SECONDS_PER_TARGET}s"
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     "build/fuzz/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 \
       -artifact_prefix="$scratch/$t-" -max_len="$max_len" "$scratch/$t" "tests/fuzz/corpus/$t" > "$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    summary+=("fuzz_$t: $runs executions clean in ${SECONDS_PER_TARGET}s")
  else
    status=1
    summary+=("fuzz_$t: FAILED")
    tail -n 60 "$log"
    for a in "$scratch/$t"-*; do [[ -e "$a" ]] && { echo "crashing input ($a):"; od -c "$a" | head -20; }; done
  fi
done
printf '%s\n' "${summary[@]}"
exit $status
