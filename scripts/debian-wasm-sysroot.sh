#!/usr/bin/env bash
# The fallback for machines where `rustup target add wasm32-unknown-unknown` cannot
# download: Debian's rustc-web plus a wasm32 std built once from its sources and installed
# as a sysroot (toolchain.md). Idempotent: the sysroot is stamped with rustc's commit hash
# and rebuilt only when rustc changes (a mismatch fails with E0514).
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs="rustc-web cargo-web rust-web-src rust-web-llvm lld-22"
if ! dpkg -s $pkgs >/dev/null 2>&1; then
  echo "setup: installing $pkgs from Debian"
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi

rustc=/usr/bin/rustc
lib="$($rustc --print sysroot)/lib/rustlib/wasm32-unknown-unknown/lib"
hash=$($rustc -vV | sed -n 's/^commit-hash: //p')
if [ "$(cat "$lib/.tms-edge-stamp" 2>/dev/null)" != "$hash" ]; then
  echo "setup: building the wasm32 std for $($rustc --version) (about 40 s)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/src"
  printf '[package]\nname = "sysroot-seed"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "src/lib.rs"\n' > "$work/Cargo.toml"
  echo '#![no_std]' > "$work/src/lib.rs"
  (cd "$work" && RUSTC_BOOTSTRAP=1 RUSTC=$rustc RUSTFLAGS=-Cembed-bitcode=yes \
    /usr/bin/cargo build -q --release --target wasm32-unknown-unknown -Z build-std=std,panic_abort,test)
  mkdir -p "$lib"
  find "$work/target/wasm32-unknown-unknown/release/deps" \( -name 'lib*.rlib' -o -name 'lib*.rmeta' \) \
    ! -name 'libsysroot_seed*' -exec cp {} "$lib/" \;
  echo "$hash" > "$lib/.tms-edge-stamp"
fi
# Tells scripts/env.sh to build wasm with /usr/bin's rustc and cargo.
mkdir -p .tools && echo "$hash" > .tools/debian-rust
echo "setup: Debian rustc-web with a wasm32 sysroot ready"
