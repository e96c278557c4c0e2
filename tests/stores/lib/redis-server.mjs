// Starts Debian's redis-server on 127.0.0.1 and a free port, in a temp dir, for one test file.
// No persistence (--save '' --appendonly no); stop() ends it by its PID and removes the dir.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { freePort } from "../../shared/net.mjs";

export { freePort };

/** Resolves once something accepts TCP connections on port (or rejects after timeoutMs). */
async function waitForPort(port, timeoutMs, child, output) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited ${child.exitCode}: ${output.join("").slice(-2000)}`);
    const ok = await new Promise((resolve) => {
      const sock = connect({ host: "127.0.0.1", port }, () => {
        sock.end();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms: ${output.join("").slice(-2000)}`);
}

export async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), "tms-redis-"));
  const port = await freePort();
  const output = [];
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir, "--logfile", ""],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout.on("data", (d) => output.push(String(d)));
  child.stderr.on("data", (d) => output.push(String(d)));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    await waitForPort(port, 10_000, child, output);
  } catch (e) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, "SIGTERM");
        const t = setTimeout(() => child.exitCode === null && process.kill(child.pid, "SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
