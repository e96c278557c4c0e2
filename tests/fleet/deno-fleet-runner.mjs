// Runs the fleet inside Deno over a real Deno KV (`Deno.openKv(":memory:")`, one handle that
// every isolate's store shares: two handles on one local SQLite file fail with "database is
// locked", which Deno Deploy's database does not). Spawned by fleet.mjs.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { childSpec } from "./fleet-core.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function run(adapter, p) {
  const spec = JSON.stringify(childSpec(adapter, p));
  const deno = `${ROOT}node_modules/.bin/deno`;
  const args = ["run", "--quiet", "--unstable-kv", "--allow-net=127.0.0.1", `${ROOT}tests/fleet/deno-fleet.mjs`, spec];
  return new Promise((resolve, reject) => {
    const child = spawn(deno, args, { cwd: ROOT, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), p.lifetimeMs * p.lifetimes + 120_000);
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err = (err + d).slice(-4000)));
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      const line = out.split("\n").find((l) => l.startsWith("RESULT "));
      if (!line) return reject(new Error(`deno fleet: no result (exit ${code}): ${err}`));
      resolve(JSON.parse(line.slice(7)));
    });
  });
}
