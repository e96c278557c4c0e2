#!/usr/bin/env bash
# Builds the npm package into pkg/: wasm-pack's output (target web) merged with pkg-template/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

rm -rf pkg
# --mode no-install: use the wasm-bindgen on PATH (setup.sh installs the pinned one) and
# never try to download anything. wasm-opt comes from npm's binaryen on PATH.
wasm_run wasm-pack --quiet build --release --target web --out-dir pkg --out-name tms_edge --mode no-install . >/dev/null
rm -f pkg/package.json pkg/.gitignore pkg/README.md
cp pkg-template/*.js pkg-template/index.d.ts pkg-template/README.md pkg/
cp -R pkg-template/stores pkg/ # the store adapters (subpath exports tms-edge/redis, ...)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
sed "s/@VERSION@/$version/" pkg-template/package.json > pkg/package.json
wasm=$(wc -c < pkg/tms_edge_bg.wasm); glue=$(wc -c < pkg/tms_edge.js)
wasm_gz=$(gzip -9c pkg/tms_edge_bg.wasm | wc -c); glue_gz=$(gzip -9c pkg/tms_edge.js | wc -c)
echo "build: pkg/ tms-edge $version: wasm $wasm B ($wasm_gz gz), glue $glue B ($glue_gz gz)"
