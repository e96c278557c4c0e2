// Installs the built package (pkg/) the way a user gets it: `npm pack`, then `npm install` of
// the tarball into a throw-away consumer project under tests/out/consumer/ (gitignored).
// Node only. Shared by every runtime runner (Node, Deno, workerd, edge-runtime, Chromium).
//
//   import { installPackage } from "../shared/install-pkg.mjs";
//   const pkg = await installPackage();
//   const lib = await import(pkg.entry);   // resolves the bare "tms-edge" from the consumer
//
// Returns {
//   dir          absolute path of the consumer project (has node_modules/tms-edge)
//   packageDir   absolute path of the installed package (consumer/node_modules/tms-edge)
//   entry        file: URL of consumer/index.mjs, which does `export * from "tms-edge"`, so a
//                dynamic import of it resolves the package exactly as a Node consumer would
//                (bare specifier, package.json "exports", "node" condition)
//   resolved     file: URL of the file Node resolves "tms-edge" to (the "node" entry)
//   tarball      absolute path of the packed tarball (content-addressed name)
//   shasum       sha1 of the tarball (what `npm pack` reports)
//   version      the package version
//   reinstalled  whether this call (re)installed, false when the install was already current
// }
//
// Idempotent: the tarball is packed on every call (cheap), and the consumer is reinstalled only
// when the tarball's content differs from the installed one (so a rebuilt pkg/ is picked up).
// Within one process the work is done once; across processes a lock directory serialises it.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const PKG_DIR = join(ROOT, "pkg");
export const OUT_DIR = join(ROOT, "tests/out");
export const CONSUMER_DIR = join(OUT_DIR, "consumer");
const PACK_DIR = join(OUT_DIR, "pack");
const LOCK_DIR = join(OUT_DIR, ".install-pkg.lock");
const STAMP = join(CONSUMER_DIR, ".tms-edge-installed");
const NAME = "tms-edge";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function npm(args, cwd) {
  try {
    return await run("npm", args, {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
      // No update notifier, no progress bars, no telemetry-ish extras in a test run.
      env: { ...process.env, npm_config_update_notifier: "false", npm_config_progress: "false", npm_config_fund: "false", npm_config_audit: "false" },
    });
  } catch (err) {
    throw new Error(`npm ${args.join(" ")} failed (in ${cwd}): ${err.message}\n${err.stderr ?? ""}`);
  }
}

/** Serialises installs across processes (two runners started at once). */
async function withLock(fn) {
  await mkdir(OUT_DIR, { recursive: true });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      break;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      // A lock older than two minutes belongs to a process that died mid-install.
      const age = await stat(LOCK_DIR).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 120_000) await rm(LOCK_DIR, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`install-pkg: lock ${LOCK_DIR} held too long`);
      else await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK_DIR, { recursive: true, force: true });
  }
}

async function pack() {
  if (!existsSync(join(PKG_DIR, "package.json"))) {
    throw new Error(`install-pkg: ${PKG_DIR}/package.json is missing; build first (bash scripts/build.sh)`);
  }
  const tmp = join(PACK_DIR, `tmp-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  try {
    const { stdout } = await npm(["pack", PKG_DIR, "--pack-destination", tmp, "--json", "--ignore-scripts"], ROOT);
    const info = JSON.parse(stdout)[0];
    const data = await readFile(join(tmp, info.filename));
    const shasum = createHash("sha1").update(data).digest("hex");
    // Content-addressed name: npm never mistakes a rebuilt package for the one it installed.
    const tarball = join(PACK_DIR, `${NAME}-${info.version}-${shasum.slice(0, 12)}.tgz`);
    if (!existsSync(tarball)) await rename(join(tmp, info.filename), tarball);
    return { tarball, shasum, version: info.version };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function installed() {
  try {
    return JSON.parse(await readFile(STAMP, "utf8"));
  } catch {
    return null;
  }
}

async function install({ tarball, shasum, version }) {
  const current = await installed();
  const packageDir = join(CONSUMER_DIR, "node_modules", NAME);
  if (current?.shasum === shasum && existsSync(join(packageDir, "package.json"))) return false;

  await mkdir(CONSUMER_DIR, { recursive: true });
  await rm(join(CONSUMER_DIR, "node_modules"), { recursive: true, force: true });
  await rm(STAMP, { force: true });
  const rel = `file:${join("..", "pack", tarball.slice(PACK_DIR.length + 1))}`;
  await writeFile(join(CONSUMER_DIR, "package.json"), JSON.stringify({
    name: "tms-edge-consumer",
    private: true,
    type: "module",
    description: "Generated by tests/shared/install-pkg.mjs: a project that depends on the packed tms-edge.",
    dependencies: { [NAME]: rel },
  }, null, 2) + "\n");
  // The consumer's own module: importing it resolves the bare specifier like user code does.
  await writeFile(join(CONSUMER_DIR, "index.mjs"), `export * from "${NAME}";\n`);
  // A local tarball without dependencies installs without the network.
  await npm(["install", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", "--loglevel=error"], CONSUMER_DIR);
  const got = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8"));
  if (got.name !== NAME || got.version !== version) throw new Error(`install-pkg: installed ${got.name}@${got.version}, expected ${NAME}@${version}`);
  await writeFile(STAMP, JSON.stringify({ shasum, version, tarball, at: new Date().toISOString() }) + "\n");
  return true;
}

let once = null;

/** Packs pkg/ and installs it into tests/out/consumer (see the top of this file). */
export function installPackage() {
  once ??= withLock(async () => {
    const packed = await pack();
    const reinstalled = await install(packed);
    // Tarballs of earlier builds are of no further use.
    for (const f of await readdir(PACK_DIR)) {
      if (f.endsWith(".tgz") && join(PACK_DIR, f) !== packed.tarball) await rm(join(PACK_DIR, f), { force: true });
    }
    const packageDir = join(CONSUMER_DIR, "node_modules", NAME);
    const resolved = pathToFileURL(createRequire(join(CONSUMER_DIR, "package.json")).resolve(NAME)).href;
    return {
      dir: CONSUMER_DIR,
      packageDir,
      entry: pathToFileURL(join(CONSUMER_DIR, "index.mjs")).href,
      resolved,
      tarball: packed.tarball,
      shasum: packed.shasum,
      version: packed.version,
      reinstalled,
    };
  }).catch((err) => {
    once = null; // let a later call try again (e.g. after a rebuild)
    throw err;
  });
  return once;
}

// `node tests/shared/install-pkg.mjs` installs and prints the result.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await installPackage(), null, 2));
}
