// Starts the TMS emulator for a test runner. Node only.
//
//   import { startEmulatorProcess } from "../shared/emulator-process.mjs";
//   const emu = await startEmulatorProcess({ tenants: 230 });
//   emu.url, emu.credentials, emu.pid; await emu.stop();
//
// startEmulatorProcess(options) runs `node emulator/server.mjs --port 0 ...` as a child process
// (what runners for Deno, workerd, edge-runtime and Chromium need: the code under test runs
// elsewhere) and reads the two lines it prints on stdout:
//   TMS emulator listening on http://127.0.0.1:PORT
//   credentials: {"clientId":…,"clientSecret":…,"appName":…,"appVersion":…,"hostTenant":…,"gateway":…}
// stop() sends SIGTERM to that PID and waits for the exit (SIGKILL after `killAfterMs`).
//
// startEmulatorInProcess(options) imports emulator/server.mjs and starts it in this process;
// same { url, credentials, stop() } shape (plus `emulator`, the startEmulator() result).
//
// options: { tenants, batchLimit, pageSize, lifetime (s), latency (ms), verbose,
//            startTimeoutMs = 15000, killAfterMs = 5000, node = process.execPath }
import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const SERVER = join(ROOT, "emulator/server.mjs");

const FLAGS = { tenants: "--tenants", batchLimit: "--batch-limit", pageSize: "--page-size", lifetime: "--lifetime", latency: "--latency" };

/** CLI arguments for `options` (the flags emulator/server.mjs understands). */
export function emulatorArgs(options = {}) {
  const args = ["--port", "0"];
  for (const [key, flag] of Object.entries(FLAGS)) {
    const v = options[key];
    if (v === undefined || v === null) continue;
    if (!Number.isInteger(v) || v < 0) throw new TypeError(`emulator option ${key} must be a non-negative integer`);
    args.push(flag, String(v));
  }
  if (options.verbose) args.push("--verbose");
  return args;
}

// Children still running when this process exits are killed, so a crashed runner leaves none.
const live = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

export function startEmulatorProcess(options = {}) {
  const { startTimeoutMs = 15_000, killAfterMs = 5_000, node = process.execPath } = options;
  const args = [SERVER, ...emulatorArgs(options)];
  const child = spawn(node, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  installExitHook();

  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-8192); // the tail is enough for a diagnosis
    if (options.verbose) process.stderr.write(chunk);
  });

  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });

  async function stop() {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    try {
      process.kill(child.pid, "SIGTERM");
    } catch {
      return exited;
    }
    let timer;
    const forced = new Promise((resolve) => {
      timer = setTimeout(() => {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // exited in between
        }
        resolve();
      }, killAfterMs);
    });
    await Promise.race([exited, forced]);
    clearTimeout(timer);
    return exited;
  }

  return new Promise((resolve, reject) => {
    let stdout = "";
    let url = null;
    let credentials = null;
    const fail = async (why) => {
      clearTimeout(timer);
      await stop();
      reject(new Error(`emulator did not start: ${why}\ncommand: ${node} ${args.join(" ")}\nstderr: ${stderr.trim()}`));
    };
    const timer = setTimeout(() => fail(`no startup lines within ${startTimeoutMs} ms`), startTimeoutMs);
    child.once("error", (err) => fail(err.message));
    exited.then(({ code, signal }) => {
      if (!credentials) fail(`exited early (code ${code}, signal ${signal})`);
    });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      if (credentials) return;
      stdout += chunk;
      let nl;
      while ((nl = stdout.indexOf("\n")) >= 0) {
        const line = stdout.slice(0, nl).trim();
        stdout = stdout.slice(nl + 1);
        const listening = /^TMS emulator listening on (http:\/\/\S+)$/.exec(line);
        if (listening) url = listening[1];
        const creds = /^credentials: (\{.*\})$/.exec(line);
        if (creds) {
          try {
            credentials = JSON.parse(creds[1]);
          } catch {
            return fail(`unreadable credentials line: ${line}`);
          }
        }
        if (url && credentials) {
          clearTimeout(timer);
          const host = new URL(url).hostname;
          if (host !== "127.0.0.1") return fail(`emulator listens on ${host}, expected 127.0.0.1`);
          return resolve({ url, credentials, pid: child.pid, child, stop, exited, stderr: () => stderr });
        }
      }
    });
  });
}

export async function startEmulatorInProcess(options = {}) {
  const { startEmulator } = await import(pathToFileURL(SERVER).href);
  const emulator = await startEmulator({
    tenants: options.tenants,
    batchLimit: options.batchLimit,
    pageSize: options.pageSize,
    lifetimeSec: options.lifetime,
    latencyMs: options.latency,
    quiet: !options.verbose,
  });
  return { url: emulator.url, credentials: emulator.credentials, pid: process.pid, emulator, stop: () => emulator.close() };
}
