#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz, libFuzzer, nightly) of every parser of untrusted
# input. `scripts/fuzz.sh [SECONDS]` runs each target that long (default 300: `make fuzz`);
# `make test` runs a short smoke. Prints "fuzz: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
seconds=${1:-300}
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly' || ! command -v cargo-fuzz >/dev/null; then
  echo "fuzz: skipped (needs the nightly toolchain and cargo-fuzz; tests/robustness.rs covers the same parsers on stable)"
  exit 0
fi
pass=0 fail=0
for target in jwt responses retry_after options; do
  mkdir -p "fuzz/corpus/$target"
  if cargo +nightly fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 >"fuzz/$target.log" 2>&1; then
    pass=$((pass + 1))
    echo "fuzz $target: ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/$target.log" | grep -o '[0-9]*$') runs in ${seconds}s"
  else
    fail=$((fail + 1))
    echo "fuzz $target: FAILED (see fuzz/$target.log and fuzz/artifacts/$target/)"
    tail -n 30 "fuzz/$target.log"
  fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" = 0 ]
