// Starts the TMS emulator in its own process (so that its CPU work — RS256 signing — does not
// share an event loop with the client being measured) and drives its control plane.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const MAIN = fileURLToPath(new URL("./emulator-main.mjs", import.meta.url));

/** @returns {Promise<{url, credentials, tenants, pid, reset, setLatency, requests, stop}>} */
export function startBenchEmulator({ tenants, latencyMs = 0 }, env) {
  const ids = Array.from({ length: tenants }, (_, i) => `bt${String(i + 1).padStart(4, "0")}`);
  const child = spawn(process.execPath, [MAIN, JSON.stringify({ tenants: ids, latencyMs })], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((r) => child.once("exit", r));

  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`emulator did not start in 20 s: ${stderr}`)); }, 20_000);
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`emulator exited (${code}): ${stderr}`)); });
    child.stdout.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      const info = JSON.parse(buf.slice(0, nl));
      if (new URL(info.url).hostname !== "127.0.0.1") { child.kill("SIGKILL"); return reject(new Error(`emulator not on 127.0.0.1: ${info.url}`)); }
      const control = async (path, body) => {
        const res = await fetch(`${info.url}/_emulator/${path}`, body === undefined ? {} : {
          method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
        });
        if (!res.ok) throw new Error(`emulator ${path}: HTTP ${res.status} ${await res.text()}`);
        return res.json();
      };
      resolve({
        ...info,
        pid: child.pid,
        /** Clears the counters (and config back to the start options). */
        reset: () => control("reset", {}),
        setLatency: (latencyMs) => control("config", { latencyMs }),
        /** {token, batch, userTenants, tokenKeys, kpi} since the last reset. */
        requests: async () => (await control("stats")).requests,
        async stop() {
          if (child.exitCode !== null) return;
          child.kill("SIGTERM");
          const t = setTimeout(() => child.kill("SIGKILL"), 5000);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}
