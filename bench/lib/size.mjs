// Size figures: tms-edge's .wasm and JS glue from pkg/ (raw and gzip -9), the vendor SDK bundled
// with esbuild (node platform, minified, gzip -9), and twiggy's top items of a names build.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { BENCH_DIR, OUT_DIR, PKG_DIR, ROOT } from "./paths.mjs";

const run = promisify(execFile);
const gz = (buf) => gzipSync(buf, { level: 9 }).length;

async function fileSize(path) {
  const buf = await readFile(path);
  return { raw: buf.length, gzip: gz(buf) };
}

/**
 * The .wasm, glue and Node entry of the package: by default the installed copy that the run
 * measured (bench/out/consumer/node_modules/tms-edge, packed from pkg/), so that a rebuild of
 * pkg/ during a run cannot mix figures of two builds.
 */
export async function packageSizes(dir = PKG_DIR) {
  const wasm = await fileSize(join(dir, "tms_edge_bg.wasm"));
  const glue = await fileSize(join(dir, "tms_edge.js"));
  const entry = await fileSize(join(dir, "node.js"));
  return { wasm, glue, entry, total: { raw: wasm.raw + glue.raw, gzip: wasm.gzip + glue.gzip } };
}

/** The hand-written baseline (bench/clients/baseline.mjs), minified with esbuild. */
export async function baselineSize() {
  try {
    const esbuild = await import("esbuild");
    const built = await esbuild.build({
      entryPoints: [join(BENCH_DIR, "clients/baseline.mjs")], bundle: true, platform: "neutral", format: "esm",
      minify: true, write: false, logLevel: "silent",
    });
    const buf = Buffer.from(built.outputFiles[0].contents);
    return { raw: buf.length, gzip: gz(buf) };
  } catch (err) {
    return { unavailable: String(err.message ?? err).split("\n")[0] };
  }
}

/**
 * The SDK bundled as a user's bundler would: `import { TokenManagerAuth } from "<sdk>"` (the
 * package entry, which pulls the whole SDK) and a deep import of the one class's file (the least
 * a careful user can get). esbuild comes from the repository's dev dependencies.
 */
export async function sdkBundleSizes() {
  const sdkDir = join(BENCH_DIR, "node_modules/@mindconnect/mindconnect-nodejs");
  if (!existsSync(join(sdkDir, "package.json"))) return { unavailable: "SDK not installed (cd bench && npm ci)" };
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch (err) {
    return { unavailable: `esbuild not found (npm install at the repository root): ${err.code ?? err.message}` };
  }
  const version = JSON.parse(await readFile(join(sdkDir, "package.json"), "utf8")).version;
  const variants = {
    entry: `export { TokenManagerAuth } from "@mindconnect/mindconnect-nodejs";`,
    deepImport: `export { TokenManagerAuth } from "@mindconnect/mindconnect-nodejs/dist/src/api/tokenmanager-auth.js";`,
  };
  const result = { version };
  for (const [key, contents] of Object.entries(variants)) {
    try {
      const built = await esbuild.build({
        stdin: { contents, resolveDir: BENCH_DIR, loader: "js" },
        bundle: true, platform: "node", format: "esm", minify: true, write: false, logLevel: "silent",
        target: "node20",
      });
      const buf = Buffer.from(built.outputFiles[0].contents);
      result[key] = { raw: buf.length, gzip: gz(buf) };
    } catch (err) {
      result[key] = { error: String(err.message ?? err).split("\n").slice(0, 3).join(" ") };
    }
  }
  return result;
}

/** "tms_edge::wasm::manager::Inner::send::{{closure}}::h…" -> "tms_edge::wasm::manager"; "<dlmalloc[…]::…" -> "dlmalloc". */
export function groupOf(name) {
  if (/^data segment|^data\[/.test(name)) return "data segments (string constants, tables)";
  if (/\bshim\b/.test(name)) return "wasm-bindgen shims (externref, multivalue)";
  if (/^import /.test(name)) return "imports (JS functions the module calls)";
  if (/^(elem|table|type|global|export|memory)\b/.test(name)) return "tables, types, exports";
  const m = /^<?([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?(?:::([A-Za-z_][A-Za-z0-9_]*))?(?:::([A-Za-z_][A-Za-z0-9_]*))?/.exec(name);
  if (!m) return "other";
  const [, crate, a, b] = m;
  if (crate === "tms_edge") return ["tms_edge", a, b].filter(Boolean).join("::");
  if (["core", "alloc", "std"].includes(crate)) return a ? `${crate}::${a}` : crate;
  return crate;
}

/** The wasm-opt flags of the release build (Cargo.toml [package.metadata.wasm-pack.profile.release]). */
async function wasmOptFlags() {
  const toml = await readFile(join(ROOT, "Cargo.toml"), "utf8");
  const m = /^wasm-opt\s*=\s*\[([^\]]*)\]/m.exec(toml);
  return m ? [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]) : ["-Oz"];
}

/**
 * What costs bytes: a release build with names (in bench/out/target, so the lead's builds are
 * untouched), wasm-bindgen --keep-debug, then wasm-opt with the release flags plus -g (keeps the
 * names, so the code matches what ships), then twiggy top. Custom sections (the names themselves)
 * are left out of the figures.
 */
export async function twiggyTop({ top = 15 } = {}) {
  const bin = join(homedir(), ".cargo/bin");
  const env = { ...process.env, PATH: `${bin}:${join(ROOT, "node_modules/.bin")}:${process.env.PATH}`, CARGO_TARGET_DIR: join(OUT_DIR, "target") };
  // The Debian rustc-web fallback (scripts/env.sh) needs /usr/bin first.
  if (existsSync(join(ROOT, ".tools/debian-rust"))) env.PATH = `/usr/bin:${env.PATH}`;
  const have = async (cmd) => run(cmd, ["--version"], { env }).then(() => true, () => false);
  for (const cmd of ["cargo", "wasm-bindgen", "twiggy"]) {
    if (!(await have(cmd))) return { unavailable: `${cmd} not on PATH` };
  }
  try {
    await run("cargo", ["build", "--quiet", "--release", "--target", "wasm32-unknown-unknown", "--lib"], { cwd: ROOT, env, maxBuffer: 64 << 20 });
    const names = join(OUT_DIR, "names");
    await rm(names, { recursive: true, force: true });
    await mkdir(names, { recursive: true });
    const wasmIn = join(OUT_DIR, "target/wasm32-unknown-unknown/release/tms_edge.wasm");
    await run("wasm-bindgen", ["--target", "web", "--keep-debug", "--out-dir", names, wasmIn], { env, maxBuffer: 64 << 20 });
    let wasm = join(names, "tms_edge_bg.wasm");
    let note = "release build with names, before wasm-opt";
    if (await have("wasm-opt")) {
      const opt = join(names, "tms_edge_bg.opt.wasm");
      await run("wasm-opt", [...(await wasmOptFlags()), "-g", wasm, "-o", opt], { env, maxBuffer: 64 << 20 });
      wasm = opt;
      note = "release build with names, after wasm-opt with the release flags";
    }
    const { stdout } = await run("twiggy", ["top", "-n", "100000", "-f", "json", wasm], { env, maxBuffer: 64 << 20 });
    const items = JSON.parse(stdout).filter((i) => !/subsection|custom section|^\.debug|^name$|producers|target_features/.test(i.name));
    const codeBytes = items.reduce((s, i) => s + i.shallow_size, 0);
    const pct = (n) => (100 * n) / codeBytes;
    const groups = new Map();
    for (const i of items) {
      const g = groupOf(i.name);
      const e = groups.get(g) ?? { name: g, bytes: 0, items: 0 };
      e.bytes += i.shallow_size;
      e.items += 1;
      groups.set(g, e);
    }
    return {
      file: relative(ROOT, wasm),
      note,
      bytes: (await stat(wasm)).size,
      codeAndDataBytes: codeBytes,
      shippedBytes: await stat(join(PKG_DIR, "tms_edge_bg.wasm")).then((s) => s.size, () => null),
      top: items.slice(0, top).map((i) => ({ name: i.name, bytes: i.shallow_size, percent: pct(i.shallow_size) })),
      groups: [...groups.values()].sort((a, b) => b.bytes - a.bytes).slice(0, top).map((g) => ({ ...g, percent: pct(g.bytes) })),
    };
  } catch (err) {
    return { unavailable: `twiggy step failed: ${String(err.message ?? err).split("\n").slice(0, 4).join(" ")}` };
  }
}

// `node bench/lib/size.mjs [--twiggy]` prints the size figures alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const r = { pkg: await packageSizes(), sdk: await sdkBundleSizes() };
  if (process.argv.includes("--twiggy")) r.twiggy = await twiggyTop();
  await writeFile("/dev/stdout", JSON.stringify(r, null, 2) + "\n");
}
