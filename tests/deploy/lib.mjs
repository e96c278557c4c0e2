// Shared by the deploy-tool tests: where the pinned tools are, a user's project directory with
// the packed package installed by `npm install <tarball>`, child processes in a process group of their own (wrangler and
// next start workerd and workers: stopping the group stops them all), and free ports.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, packPackage } from "../runtimes/lib/setup.mjs";

export const TOOLS = join(ROOT, "tests/deploy/node_modules/.bin");

/** The path of a pinned tool; throws with the fix when setup has not installed it. */
export function tool(name) {
  const file = join(TOOLS, name);
  if (!existsSync(file)) throw new Error(`${file} is missing: run scripts/setup.sh (it installs tests/deploy/)`);
  return file;
}

/**
 * `npm install <tarball>` of the packed package in `dir` (created if need be; it gets a
 * package.json when it has none), as the npm README tells users to install it. Offline: a local
 * tarball without dependencies. Returns `dir`.
 */
export async function installTarball(dir) {
  const tgz = packPackage();
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "tms-user-project", private: true, type: "module" }, null, 2));
  const r = await runToEnd("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error", tgz], {
    cwd: dir,
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  if (r.code !== 0) throw new Error(`npm install ${tgz} failed in ${dir}:\n${r.out}`);
  return dir;
}

/** A new project directory under the system temp dir with the tarball installed. */
export { freePort } from "../shared/net.mjs";

export async function userProject(prefix) {
  return installTarball(mkdtempSync(join(tmpdir(), prefix)));
}


/**
 * Starts `cmd args` in a process group of its own. Returns { child, output(), waitFor(re, ms),
 * exited, stop() }; stop() sends SIGTERM to the group, then SIGKILL after 5 s.
 */
export function startGroup(cmd, args, opts) {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const waiters = new Set();
  const onData = (d) => {
    out += d;
    for (const w of waiters) w();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const kill = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // the group is gone already
    }
  };
  const cleanup = () => kill("SIGKILL");
  process.once("exit", cleanup);
  return {
    child,
    output: () => out,
    exited,
    waitFor(re, ms) {
      return new Promise((resolve, reject) => {
        const done = (fn, v) => {
          clearTimeout(timer);
          waiters.delete(check);
          fn(v);
        };
        const check = () => {
          const m = re.exec(out);
          if (m) done(resolve, m);
        };
        const timer = setTimeout(() => done(reject, new Error(`${cmd} ${args.join(" ")}: no ${re} in ${ms} ms:\n${out.slice(-4000)}`)), ms);
        waiters.add(check);
        exited.then(({ code, signal }) => done(reject, new Error(`${cmd} exited (${code ?? signal}):\n${out.slice(-4000)}`)));
        check();
      });
    },
    async stop() {
      kill("SIGTERM");
      const timer = setTimeout(() => kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      kill("SIGKILL"); // whatever of the group outlived its leader
      process.off("exit", cleanup);
    },
  };
}

/** Runs a command to its end: { code, out }. */
export async function runToEnd(cmd, args, opts, ms = 300_000) {
  const g = startGroup(cmd, args, opts);
  const timer = setTimeout(() => g.stop(), ms);
  const { code, signal } = await g.exited;
  clearTimeout(timer);
  return { code: code ?? signal, out: g.output() };
}
