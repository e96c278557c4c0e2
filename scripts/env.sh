# Sourced by the scripts: tool paths for this project, nothing machine-specific.
# rustup's cargo first (setup.sh may have put the Debian fallback in /usr/bin instead),
# then the project's npm tools (wasm-opt from binaryen, workerd, deno, tsc).
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -f "$_root/.tools/debian-rust" ]; then
  # The Debian rustc-web fallback: its rustc/cargo must win over rustup's (toolchain.md).
  export PATH="/usr/bin:$HOME/.cargo/bin:$PATH"
else
  export PATH="$HOME/.cargo/bin:$PATH"
fi
export PATH="$_root/node_modules/.bin:$PATH"
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy
