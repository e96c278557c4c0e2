#!/usr/bin/env bash
# Installs what `make build` / `make test` need, idempotently: a second run costs seconds.
# Every step checks before it installs. Only package registries are used.
#   TMS_FORCE_DEBIAN_RUST=1  skip rustup and take the Debian rustc-web fallback (testing it)
#   TMS_SKIP_CHROMIUM=1      do not install Chromium (no browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -1)
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "setup: cannot read the pinned wasm-bindgen version from Cargo.toml" >&2; exit 1; }

log() { printf 'setup: %s\n' "$*"; }

# Profile: TMS_SETUP=build (`make demo`, `make pack`) installs only what building the package and
# running the demo need: the wasm build tools and the root's JS tools (wasm-opt, workerd); no
# Chromium, cargo-fuzz, benchmark SDK or deploy tools.
profile=${TMS_SETUP:-full}
case "$profile" in full|build) ;; *) echo "setup: TMS_SETUP must be full or build" >&2; exit 2 ;; esac
export PATH="$HOME/.cargo/bin:$PATH"

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# 1. The wasm32 target: rustup first (the path users take), Debian's rustc-web as fallback.
if [ "${TMS_FORCE_DEBIAN_RUST:-0}" != 1 ] && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "rustup wasm32 target present"
elif [ "${TMS_FORCE_DEBIAN_RUST:-0}" != 1 ] && rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
  log "rustup wasm32 target installed"
else
  log "using the Debian rustc-web fallback"
  scripts/debian-wasm-sysroot.sh
fi

# 2. wasm-bindgen-cli matching the pinned crate exactly.
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 min)"
  cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# 3. wasm-pack (the npm package downloads a binary from elsewhere; the crate builds here).
if ! command -v wasm-pack >/dev/null; then
  log "installing wasm-pack (about 1.5 min)"
  cargo install -q wasm-pack
fi

# 3b. cargo-fuzz, where the machine has a nightly toolchain (libFuzzer needs it). Without
# nightly the fuzz smoke is skipped; tests/robustness.rs covers the parsers on stable.
if [ "$profile" = full ] && rustup toolchain list 2>/dev/null | grep -q '^nightly' && ! command -v cargo-fuzz >/dev/null; then
  log "installing cargo-fuzz (about 1 min)"
  cargo install -q cargo-fuzz
fi

# 4. Headless Chromium and its driver for wasm-bindgen-test and Playwright.
if [ "$profile" = full ] && [ "${TMS_SKIP_CHROMIUM:-0}" != 1 ] && ! { command -v chromium >/dev/null && command -v chromedriver >/dev/null; }; then
  log "installing chromium and chromium-driver from Debian"
  apt_install chromium chromium-driver
fi

# 4b. Redis for the store adapter tests (tests/stores/ start it on 127.0.0.1 themselves).
if ! command -v redis-server >/dev/null; then
  log "installing redis-server from Debian"
  apt_install redis-server
fi

# 5. JS dev tools (binaryen's wasm-opt, runtimes, test drivers) from the lockfile.
# `npm install`, not `npm ci`: the lockfile cannot list every platform's optional binary
# package of deno (not all are on the registry this machine reaches), and `npm ci` refuses
# such a lockfile. Skipped when node_modules already matches package.json.
if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm install"
  npm install --no-audit --no-fund --loglevel=error
  touch node_modules/.package-lock.json
fi
# 6. The benchmark's own dev dependency (the vendor SDK it compares against; bench/ only).
if [ "$profile" = full ] && { [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; }; then
  log "npm install in bench/ (the vendor SDK the benchmark compares against)"
  (cd bench && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json) \
    || log "bench/ dependencies not installed: the benchmark marks the SDK n/a"
fi
# 7. The tools users build, deploy and check the package with (tests/deploy/package.json,
# pinned; why each one: README.md, "Release and deploy tools"): wrangler, Bun, Next.js, publint,
# attw. Their own directory and lockfile, so that the root's dev tools stay small. Not for the
# build profile.
if [ "$profile" = full ] && { [ ! -f tests/deploy/node_modules/.package-lock.json ] \
   || [ tests/deploy/package.json -nt tests/deploy/node_modules/.package-lock.json ] \
   || [ tests/deploy/package-lock.json -nt tests/deploy/node_modules/.package-lock.json ]; }; then
  log "npm install in tests/deploy/ (wrangler, bun, next, publint, attw; about 40 s)"
  (cd tests/deploy && npm install --no-audit --no-fund --loglevel=error && touch node_modules/.package-lock.json)
fi
log "ready"
