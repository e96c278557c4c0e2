#!/usr/bin/env bash
# Runs every test suite and prints each one's counts, then one closing line
# "N passed, N failed". Suites: native core (cargo test), lints (clippy -D warnings,
# rustfmt), wasm-bindgen tests in Node and headless Chromium, and the JS tests (node --test).
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

out=$(mktemp -d)
# Chromium, Miniflare and Playwright leave directories in /tmp: remove the ones this run made.
leftovers() { ls -d /tmp/.org.chromium.* /tmp/org.chromium.* /tmp/miniflare-* /tmp/playwright-artifacts-* 2>/dev/null | sort; }
before=$(leftovers)
cleanup() {
  comm -13 <(echo "$before") <(leftovers) | xargs -r rm -rf
  rm -rf "$out"
}
trap cleanup EXIT

total_pass=0 total_fail=0
report=()
record() { # name pass fail
  report+=("$(printf '%-22s %5s passed, %s failed' "$1" "$2" "$3")")
  total_pass=$((total_pass + $2)); total_fail=$((total_fail + $3))
}
cargo_counts() { # log -> "pass fail"
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } } END { print p+0, f+0 }' "$1"
}
node_counts() { # a cancelled test (a timeout) counts as failed: it proved nothing
  awk '/^# pass / { p = $3 } /^# fail / { f = $3 } /^# cancelled / { c = $3 } END { print p+0, f+c }' "$1"
}
run() { # name log command...
  local name=$1 log=$2; shift 2
  echo "== $name"
  if "$@" >"$log" 2>&1; then status=0; else status=$?; fi
  tail -n 25 "$log"
  # Name every failure, wherever it is in the log (cargo "FAILED", node:test "not ok").
  grep -E '^\s*not ok |^test .* FAILED$|^---- .* stdout ----$' "$log" | grep -v '# SKIP' | sed 's/^/FAILED: /' | head -n 40
  return $status
}

lint_fail=0
run "rustfmt" "$out/fmt.log" cargo fmt --check || lint_fail=$((lint_fail + 1))
run "clippy (native)" "$out/clippy.log" cargo clippy --all-targets -- -D warnings || lint_fail=$((lint_fail + 1))
lints=2
if [ "$TMS_DEBIAN_RUST" = 1 ]; then
  echo "== clippy (wasm32): skipped, Debian rustc-web has no clippy (native clippy covers the core)"
else
  lints=3
  run "clippy (wasm32)" "$out/clippy-wasm.log" cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings || lint_fail=$((lint_fail + 1))
fi
record "lints" $((lints - lint_fail)) "$lint_fail"

run "native core tests" "$out/native.log" cargo test
read -r p f < <(cargo_counts "$out/native.log"); [ "$p$f" = 00 ] && f=1
record "native (cargo test)" "$p" "$f"

run "wasm-bindgen tests in Node" "$out/wasm-node.log" wasm_run cargo test --target wasm32-unknown-unknown --test wasm
read -r p f < <(cargo_counts "$out/wasm-node.log"); [ "$p$f" = 00 ] && f=1
record "wasm in Node" "$p" "$f"

if [ "${TMS_SKIP_CHROMIUM:-0}" != 1 ]; then
  WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=$(command -v chromedriver) \
    run "wasm-bindgen tests in headless Chromium" "$out/wasm-chromium.log" wasm_run cargo test --target wasm32-unknown-unknown --test wasm
  read -r p f < <(cargo_counts "$out/wasm-chromium.log"); [ "$p$f" = 00 ] && f=1
  record "wasm in Chromium" "$p" "$f"
fi

if [ "${TMS_SKIP_FUZZ:-0}" != 1 ]; then
  run "fuzz smoke (cargo-fuzz, ${TMS_FUZZ_SECONDS:-10} s per target)" "$out/fuzz.log" scripts/fuzz.sh "${TMS_FUZZ_SECONDS:-10}"
  read -r p f < <(awk '/^fuzz: [0-9]+ passed/ { print $2, $4 }' "$out/fuzz.log")
  [ -n "${p:-}" ] && record "fuzz smoke" "$p" "$f"
fi

run "bench smoke" "$out/bench.log" node bench/run.mjs --smoke
read -r p f < <(awk '/^bench smoke: / { print $3, $5 }' "$out/bench.log")
[ -z "${p:-}" ] && { p=0; f=1; }
record "bench smoke" "$p" "$f"

js_tests=$(ls tests/*/*.test.mjs 2>/dev/null | sort)
if [ -n "$js_tests" ]; then
  # A file is one test at the top level: the runtime files take minutes (their cases have their own
  # bounds). A cancelled test counts as failed (node_counts).
  # shellcheck disable=SC2086
  run "JS tests (node --test)" "$out/js.log" node --test --test-concurrency=1 --test-timeout=900000 $js_tests
  read -r p f < <(node_counts "$out/js.log"); [ "$p$f" = 00 ] && f=1
  record "JS (node --test)" "$p" "$f"
fi

echo
echo "== summary"
printf '%s\n' "${report[@]}"
echo "tests: $total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
