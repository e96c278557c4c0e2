// Installs the built package (../pkg) the way a user gets it — `npm pack`, then `npm install` of
// the tarball into a consumer project — under bench/out/consumer (gitignored). The benchmark
// keeps its own consumer so that a test run reinstalling tests/out/consumer cannot pull the
// package out from under a measurement.
//
// Skips pack and install when the files of pkg/ are unchanged since the last install (a
// content hash), so that the smoke run costs no npm time in the common case.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { OUT_DIR, PKG_DIR } from "./paths.mjs";

const run = promisify(execFile);
const CONSUMER = join(OUT_DIR, "consumer");
const PACK = join(OUT_DIR, "pack");
const STAMP = join(CONSUMER, ".installed.json");

async function hashDir(dir, h = createHash("sha256"), rel = "") {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await hashDir(p, h, `${rel}${e.name}/`);
    else {
      h.update(`${rel}${e.name}\0`);
      h.update(await readFile(p));
    }
  }
  return h;
}

async function npm(args, cwd) {
  try {
    return await run("npm", args, {
      cwd,
      maxBuffer: 16 << 20,
      env: { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false", npm_config_progress: "false" },
    });
  } catch (err) {
    throw new Error(`npm ${args.join(" ")} failed in ${cwd}: ${err.message}\n${err.stderr ?? ""}`);
  }
}

/** @returns {Promise<{entry, dir, packageDir, hash, reinstalled}>} entry: file URL to import; packageDir: the installed tms-edge */
export async function installPackage() {
  if (!existsSync(join(PKG_DIR, "package.json"))) {
    throw new Error(`${PKG_DIR}/package.json is missing: build the package first (make build)`);
  }
  const hash = (await hashDir(PKG_DIR)).digest("hex");
  const entry = pathToFileURL(join(CONSUMER, "index.mjs")).href;
  const stamp = await readFile(STAMP, "utf8").then(JSON.parse, () => null);
  if (stamp?.hash === hash && existsSync(join(CONSUMER, "node_modules/tms-edge/package.json"))) {
    return { entry, dir: CONSUMER, packageDir: join(CONSUMER, "node_modules/tms-edge"), hash, reinstalled: false };
  }
  await rm(PACK, { recursive: true, force: true });
  await mkdir(PACK, { recursive: true });
  const { stdout } = await npm(["pack", PKG_DIR, "--pack-destination", PACK, "--json", "--ignore-scripts"], OUT_DIR);
  const tarball = join(PACK, JSON.parse(stdout)[0].filename);
  await rm(CONSUMER, { recursive: true, force: true });
  await mkdir(CONSUMER, { recursive: true });
  await writeFile(join(CONSUMER, "package.json"), JSON.stringify({
    name: "tms-edge-bench-consumer", private: true, type: "module",
    dependencies: { "tms-edge": `file:${tarball}` },
  }, null, 2) + "\n");
  // What a Node user writes; importing this file resolves the bare specifier (the "node" entry).
  await writeFile(join(CONSUMER, "index.mjs"), `export * from "tms-edge";\n`);
  await npm(["install", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", "--loglevel=error"], CONSUMER);
  await writeFile(STAMP, JSON.stringify({ hash, at: new Date().toISOString() }) + "\n");
  return { entry, dir: CONSUMER, packageDir: join(CONSUMER, "node_modules/tms-edge"), hash, reinstalled: true };
}
