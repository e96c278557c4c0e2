// Bundling as the platforms' own tools do it, with the esbuild in node_modules:
// - workerd: what wrangler does (conditions workerd/worker/browser; a `.wasm` import stays a
//   separate module that workerd compiles at load: Miniflare's CompiledWasm rule);
// - Vercel edge: conditions edge-light; `import wasm from "./x.wasm?module"` gives a
//   WebAssembly.Module (Vercel compiles it at deploy time; here it is compiled from bytes
//   embedded in the bundle, inside the edge-runtime VM, since edge-runtime wants bytes from its
//   own realm rather than a host-compiled module).
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve as resolvePath } from "node:path";

const nodeBuiltins = {
  name: "node-builtins-external",
  setup(b) {
    // Suites may import node: modules for Node-only cases; they stay external (and unused).
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** wrangler-style bundle of `entry` into `outdir/worker.js`; .wasm files copied next to it. */
export async function bundleWorkerd(entry, outdir, consumerDir) {
  mkdirSync(outdir, { recursive: true });
  const wasmModules = {
    name: "wasm-modules",
    setup(b) {
      b.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => {
        const file = resolvePath(args.resolveDir, args.path.replace(/\?module$/, ""));
        const name = basename(file);
        copyFileSync(file, join(outdir, name));
        return { path: `./${name}`, external: true };
      });
    },
  };
  await build({
    entryPoints: [entry],
    outfile: join(outdir, "worker.js"),
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    nodePaths: [join(consumerDir, "node_modules")],
    plugins: [wasmModules, nodeBuiltins],
    logLevel: "error",
  });
  return join(outdir, "worker.js");
}

/** Vercel-edge-style bundle (conditions edge-light), as one script for edge-runtime. */
export async function bundleEdge(entry, outfile, consumerDir) {
  mkdirSync(dirname(outfile), { recursive: true });
  const wasmModule = {
    name: "wasm-module-query",
    setup(b) {
      b.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({
        path: resolvePath(args.resolveDir, args.path.replace(/\?module$/, "")),
        namespace: "wasm-module",
      }));
      b.onLoad({ filter: /.*/, namespace: "wasm-module" }, (args) => ({
        contents: `const b64 = ${JSON.stringify(readFileSync(args.path).toString("base64"))};
const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
export default new WebAssembly.Module(bytes);`,
        loader: "js",
      }));
    },
  };
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "iife",
    platform: "neutral",
    target: "es2022",
    conditions: ["edge-light", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    nodePaths: [join(consumerDir, "node_modules")],
    plugins: [wasmModule, nodeBuiltins],
    logLevel: "error",
  });
  return outfile;
}
