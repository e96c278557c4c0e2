// What every runtime runner needs: the packed package installed in a consumer directory, an
// emulator in a child process, the suites to run, and node:test subtests from their results.
//
// The shared helpers (tests/shared/install-pkg.mjs, emulator-process.mjs, suite-*.mjs) are used
// when they exist; otherwise small local fallbacks stand in, so this directory works alone.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const SHARED = join(ROOT, "tests/shared");
export const HERE = fileURLToPath(new URL("../", import.meta.url));
export const OUT = join(ROOT, "tests/out/runtimes");
export const BIN = join(ROOT, "node_modules/.bin");

const quiet = { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" };

/** Packs pkg/ (the tarball users get) once per process. Returns the .tgz path. */
let packed;
export function packPackage() {
  if (packed && existsSync(packed)) return packed;
  if (!existsSync(join(ROOT, "pkg/package.json"))) throw new Error("pkg/ is missing: run `bash scripts/build.sh` first");
  const dest = join(OUT, "pack");
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const out = execFileSync("npm", ["pack", join(ROOT, "pkg"), "--pack-destination", dest, "--json"], quiet);
  packed = join(dest, JSON.parse(out)[0].filename);
  return packed;
}

/**
 * The package as a user installs it: the shared install-pkg.mjs when it exists (tests/out/consumer/),
 * else `npm pack` + `npm install <tgz>` into tests/out/runtimes/<name>/consumer. Returns { dir }:
 * the consumer directory, with node_modules/tms-edge in it.
 */
export async function installPackage(name) {
  const shared = join(SHARED, "install-pkg.mjs");
  if (existsSync(shared) && !process.env.TMS_RUNTIMES_OWN_INSTALL) {
    const m = await import(pathToFileURL(shared));
    const fn = m.installPkg ?? m.installPackage ?? m.install ?? m.default;
    if (typeof fn === "function") {
      const r = await fn();
      const dir = typeof r === "string" ? r : r.dir;
      if (dir && existsSync(join(dir, "node_modules/tms-edge/package.json"))) return { dir };
    }
  }
  const tgz = packPackage();
  const dir = join(OUT, name, "consumer");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `consumer-${name}`, private: true, type: "module" }, null, 2));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", tgz], { ...quiet, cwd: dir });
  return { dir };
}

/**
 * Starts the emulator as a child process: { url, credentials, stop() }. `options` as
 * emulator-process.mjs takes them: { tenants, batchLimit, pageSize, lifetime, latency }.
 */
export async function startEmulator(options = {}) {
  const shared = join(SHARED, "emulator-process.mjs");
  if (existsSync(shared) && !process.env.TMS_RUNTIMES_OWN_EMULATOR) {
    const m = await import(pathToFileURL(shared));
    const fn = m.startEmulatorProcess ?? m.startEmulator ?? m.emulatorProcess ?? m.start ?? m.default;
    if (typeof fn === "function") return fn(options);
  }
  const flags = { tenants: "--tenants", batchLimit: "--batch-limit", pageSize: "--page-size", lifetime: "--lifetime", latency: "--latency" };
  const args = Object.entries(flags).flatMap(([k, f]) => (options[k] === undefined ? [] : [f, String(options[k])]));
  const child = spawn(process.execPath, [join(ROOT, "emulator/server.mjs"), "--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let buf = "";
  const info = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("emulator did not start in 10 s")), 10_000);
    child.once("exit", (code) => reject(new Error(`emulator exited (${code})`)));
    child.stdout.on("data", (d) => {
      buf += d;
      const url = /listening on (\S+)/.exec(buf)?.[1];
      const cred = /credentials: (\{.*\})\n/.exec(buf)?.[1];
      if (url && cred) {
        clearTimeout(timer);
        resolve({ url, credentials: JSON.parse(cred) });
      }
    });
  });
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { ...info, stop, pid: child.pid };
}

/**
 * The suites to run: the shared tests/shared/suite-*.mjs files (or, without any, this
 * directory's smoke suite; TMS_SUITES=smoke runs it anyway).
 * Returns [{ name, file }] (absolute paths; each file exports `cases`, and may export
 * `emulatorOptions`: what its emulator must be started with). TMS_SUITES=a,b picks some.
 */
export function suiteFiles() {
  const files = existsSync(SHARED) ? readdirSync(SHARED).filter((f) => /^suite-.*\.mjs$/.test(f)).sort() : [];
  const shared = files.map((f) => ({ name: f.replace(/^suite-|\.mjs$/g, ""), file: join(SHARED, f) }));
  const all = [...shared, { name: "smoke", file: join(HERE, "lib/smoke-suite.mjs") }];
  if (process.env.TMS_SUITES) {
    const want = new Set(process.env.TMS_SUITES.split(","));
    return all.filter((s) => want.has(s.name));
  }
  // The local smoke suite only stands in while there are no shared suites.
  return shared.length > 0 ? shared : all;
}

/**
 * Turns the per-case results a runtime sent back into node:test subtests named
 * "<runtime>: <case>". `outcome` = { passed, failed, skipped, results } from runCases.
 */
export async function reportCases(t, runtime, outcome) {
  for (const r of outcome.results) {
    const name = `${runtime}: ${r.name}`;
    if (r.skipped) {
      await t.test(name, { skip: `not on ${runtime}` }, () => {});
      continue;
    }
    await t.test(name, () => {
      if (!r.ok) {
        const e = new Error(r.error ?? "failed");
        e.stack = r.error;
        throw e;
      }
    });
  }
}

/** The suite's `emulatorOptions` (read by importing it here, in Node), or {}. */
export async function suiteEmulatorOptions(suite) {
  const m = await import(pathToFileURL(suite.file).href);
  return m.emulatorOptions ?? {};
}

/** Runs `fn(emu)` with an emulator started with the suite's options, then stops it. */
export async function withSuiteEmulator(suite, fn) {
  const emu = await startEmulator(await suiteEmulatorOptions(suite));
  try {
    return await fn(emu);
  } finally {
    await emu.stop();
  }
}

/** A single-line summary for logs. */
export const summary = (runtime, suite, o) => `${runtime} ${suite}: ${o.passed} passed, ${o.failed} failed, ${o.skipped} skipped`;

/**
 * A throwaway npm registry on 127.0.0.1 that serves only the packed tms-edge (for Deno's
 * `npm:tms-edge` path, which never touches a node_modules directory). Returns { url, close() }.
 */
export async function localRegistry(tgz) {
  const buf = readFileSync(tgz);
  const pj = JSON.parse(execFileSync("tar", ["-xOzf", tgz, "package/package.json"], { encoding: "utf8" }));
  const server = createServer((req, res) => {
    const base = `http://127.0.0.1:${server.address().port}`;
    if (req.url === `/${pj.name}`) {
      const dist = {
        tarball: `${base}/${pj.name}/-/${pj.name}-${pj.version}.tgz`,
        shasum: createHash("sha1").update(buf).digest("hex"),
        integrity: `sha512-${createHash("sha512").update(buf).digest("base64")}`,
      };
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ name: pj.name, "dist-tags": { latest: pj.version }, versions: { [pj.version]: { ...pj, dist } } }));
    } else if (req.url === `/${pj.name}/-/${pj.name}-${pj.version}.tgz`) {
      res.end(buf);
    } else {
      res.statusCode = 404;
      res.end("{}");
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

export function ensureDir(p) {
  mkdirSync(p, { recursive: true });
  return p;
}


/** An ES module that imports every suite and passes { name: cases } to `factory` of `runner`. */
export function suitesEntry(runner, factory, suites) {
  const lines = suites.map((s, i) => `import { cases as s${i} } from ${JSON.stringify(s.file)};`);
  lines.push(`import { ${factory} } from ${JSON.stringify(runner)};`);
  lines.push(`export default ${factory}({ ${suites.map((s, i) => `${JSON.stringify(s.name)}: s${i}`).join(", ")} });`);
  return lines.join("\n") + "\n";
}
