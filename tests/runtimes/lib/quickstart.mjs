// Helpers for running the README quick starts as written: the local-development settings
// files (quickstart/dev.env, quickstart/dev.vars, shown verbatim in the npm README) filled in
// for a test emulator, the command in a quick start's first line, and waiting for a server.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const QS = fileURLToPath(new URL("../quickstart/", import.meta.url));
// What the README's settings assume: `npx tms-emulator --port 8787 --secret dev-secret`.
export const README_GATEWAY = "http://127.0.0.1:8787";
export const README_SECRET = "dev-secret";

/**
 * A README settings file (`dev.env` or `dev.vars`) for the emulator `emu` of a test: the same
 * lines, with the test emulator's URL (its port is a free one) and secret (a fresh one per
 * start) instead of the README's, plus `extra` lines.
 */
export function settingsFor(file, emu, extra = {}) {
  let text = readFileSync(join(QS, file), "utf8");
  text = text.replaceAll(README_GATEWAY, emu.url).replaceAll(`=${README_SECRET}\n`, `=${emu.credentials.clientSecret}\n`);
  // The README's names must be the emulator's defaults, or the test would hide a wrong README.
  const c = emu.credentials;
  for (const [name, value] of [["MDSP_KEY_STORE_CLIENT_ID", c.clientId], ["MDSP_OS_VM_APP_NAME", c.appName], ["MDSP_OS_VM_APP_VERSION", c.appVersion], ["MDSP_HOST_TENANT", c.hostTenant]]) {
    const m = new RegExp(`^${name}=(.*)$`, "m").exec(text);
    if (m && m[1] !== value) throw new Error(`quickstart/${file}: ${name}=${m[1]}, but the emulator's default is ${value}`);
  }
  for (const [k, v] of Object.entries(extra)) text += `${k}=${v}\n`;
  return text;
}
export const dotEnvFor = (emu, extra) => settingsFor("dev.env", emu, extra);

/** The command a quick start names in its first line ("// Bun: server.js — bun server.js"). */
export function readmeCommand(file) {
  const first = readFileSync(file, "utf8").split("\n")[0];
  const m = /—\s*(.+)$/.exec(first);
  if (!m) throw new Error(`${file}: no command in its first line`);
  return m[1].replace(/\(.*\)\s*$/, "").trim().split(/\s+/);
}

/**
 * Waits until `child` prints "Listening on http://…" (Deno.serve's line, and the Bun quick
 * start's). Returns { url, output() } (output: all it printed so far, stdout and stderr).
 */
export function waitForListening(child, ms) {
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not listen in ${ms} ms:\n${out}`)), ms);
    const check = () => {
      const m = /Listening on (http:\/\/\S+?)\/?(\s|$)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1].replace("localhost", "127.0.0.1"), output: () => out });
      }
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before listening:\n${out}`));
    });
  });
}
