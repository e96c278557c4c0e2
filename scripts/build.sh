#!/usr/bin/env bash
# Builds the npm package into pkg/: wasm-pack's output (target web) merged with pkg-template/,
# the LICENSE and the emulator (pkg/emulator/: the `tms-emulator` bin and "tms-edge/emulator").
#   scripts/build.sh --pack   also packs pkg/ into dist/tms-edge-<version>.tgz (`make pack`)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

rm -rf pkg
# --mode no-install: use the wasm-bindgen on PATH (setup.sh installs the pinned one) and
# never try to download anything. wasm-opt comes from npm's binaryen on PATH.
wasm_run wasm-pack --quiet build --release --target web --out-dir pkg --out-name tms_edge --mode no-install . >/dev/null
rm -f pkg/package.json pkg/.gitignore pkg/README.md
cp pkg-template/*.js pkg-template/index.d.ts pkg-template/README.md LICENSE pkg/
# One module instead of five: wasm-bindgen's glue, its three JS snippets and manager.js are
# bundled and minified into pkg/tms_edge.js (esbuild), which the entries import. Node loads
# each ES module with its own resolve, read and parse: one module takes ~5 ms off the import
# (BENCHMARKS.md, cold start). --keep-names: functions and classes keep their `name` (the
# glue's class and manager.js's are both TokenManager).
bundle_in=pkg/.bundle-entry.js
printf '%s\n' 'export { TokenManager, sharePendingCalls } from "./manager.js";' \
  'export { default, initSync, decodeJwt, __tmsErrorClass } from "./tms_edge.js";' > "$bundle_in"
node_modules/.bin/esbuild "$bundle_in" --bundle --minify --format=esm --platform=neutral --keep-names \
  --legal-comments=none --log-level=warning --outfile=pkg/tms_edge.bundle.js
mv pkg/tms_edge.bundle.js pkg/tms_edge.js
rm -rf "$bundle_in" pkg/manager.js pkg/snippets pkg/tms_edge.d.ts pkg/tms_edge_bg.wasm.d.ts
# Node (and Bun) go further: their entry is bundled with that module, so importing the package
# loads one file of JS (~1 ms less again). The other entries share tms_edge.js.
node_modules/.bin/esbuild pkg/node.js --bundle --minify --format=esm --platform=node --keep-names \
  --legal-comments=none --log-level=warning --allow-overwrite --outfile=pkg/node.js
cp -R pkg-template/stores pkg/ # the store adapters (subpath exports tms-edge/redis, ...)

# The emulator ships in the package so that users can develop against it before they have
# credentials (the `tms-emulator` bin and the `tms-edge/emulator` export): its own files only.
mkdir -p pkg/emulator
cp emulator/*.mjs emulator/index.d.ts emulator/README.md pkg/emulator/
chmod +x pkg/emulator/cli.mjs

# Metadata from Cargo.toml, so that the crate and the npm package cannot disagree.
cargo_field() { sed -n "s/^$1 = \"\(.*\)\"/\1/p" Cargo.toml | head -1; }
version=$(cargo_field version)
repository=$(cargo_field repository)
homepage=$(cargo_field homepage); homepage=${homepage:-$repository#readme}
sed -e "s|@VERSION@|$version|" -e "s|@REPOSITORY@|git+$repository.git|" -e "s|@HOMEPAGE@|$homepage|" \
  pkg-template/package.json > pkg/package.json
wasm=$(wc -c < pkg/tms_edge_bg.wasm); glue=$(wc -c < pkg/tms_edge.js)
wasm_gz=$(gzip -9c pkg/tms_edge_bg.wasm | wc -c); glue_gz=$(gzip -9c pkg/tms_edge.js | wc -c)
echo "build: pkg/ tms-edge $version: wasm $wasm B ($wasm_gz gz), glue $glue B ($glue_gz gz)"

# The tarball users install until the package is published: `npm install ./dist/tms-edge-<v>.tgz`.
if [ "${1:-}" = --pack ]; then
  mkdir -p dist
  rm -f "dist/tms-edge-$version.tgz"
  npm pack ./pkg --pack-destination dist --ignore-scripts --loglevel=error >/dev/null
  echo "pack: dist/tms-edge-$version.tgz ($(wc -c < "dist/tms-edge-$version.tgz") B): npm install $PWD/dist/tms-edge-$version.tgz"
fi
