# Sourced by the scripts: tool paths for this project, nothing machine-specific.
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# rustup's cargo and the cargo-installed tools (wasm-pack, wasm-bindgen), then the project's
# npm tools (wasm-opt from binaryen, workerd, deno, tsc).
export PATH="$HOME/.cargo/bin:$_root/node_modules/.bin:$PATH"
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy

# wasm builds: with the Debian rustc-web fallback (setup.sh), /usr/bin's rustc and cargo
# must come first, because wasm-pack runs them from PATH and ignores $RUSTC (toolchain.md).
if [ -f "$_root/.tools/debian-rust" ]; then
  TMS_DEBIAN_RUST=1
  wasm_run() { PATH="/usr/bin:$PATH" "$@"; }
else
  TMS_DEBIAN_RUST=0
  wasm_run() { "$@"; }
fi
