// Miniflare (workerd) set-up shared by the workerd runners.
import { Miniflare } from "miniflare";
import { dirname } from "node:path";

export const COMPAT_DATE = "2025-06-01";
// enable_request_signal: request.signal aborts when the client disconnects (the quick start
// passes it to token()). handle_cross_request_promise_resolution is on by default since
// 2024-10-14: a promise resolved from another request's context runs its continuations in its
// own context if that is still alive, else they are dropped with a warning.
export const COMPAT_FLAGS = ["enable_request_signal"];

/** The emulator's app credentials as the quick start's `env` (MDSP_* variables). */
export function envFor(emu) {
  const c = emu.credentials;
  return {
    MDSP_GATEWAY_URL: emu.url,
    MDSP_KEY_STORE_CLIENT_ID: c.clientId,
    MDSP_KEY_STORE_CLIENT_SECRET: c.clientSecret,
    MDSP_OS_VM_APP_NAME: c.appName,
    MDSP_OS_VM_APP_VERSION: c.appVersion,
    MDSP_HOST_TENANT: c.hostTenant,
  };
}

/**
 * Starts workerd with the bundled module worker at `script` (its directory is the modules root).
 * Everything workerd prints is kept in `output` (for warnings such as cross-request promises).
 */
export async function startWorkerd(script, { bindings = {}, flags = COMPAT_FLAGS, direct = false } = {}) {
  const output = [];
  const mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: dirname(script),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: COMPAT_DATE,
    compatibilityFlags: flags,
    bindings,
    host: "127.0.0.1",
    port: 0,
    // direct: a socket straight into the worker, without Miniflare's entry worker in front.
    ...(direct ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : {}),
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", (d) => output.push(String(d)));
      stderr.on("data", (d) => output.push(String(d)));
    },
  });
  let url = await ready(mf, output);
  if (direct) url = await mf.unsafeGetDirectURL();
  return { mf, url: String(url), output, dispose: () => mf.dispose() };
}

/**
 * Two workers in one workerd: `driver` (entry; a plain module script) with a service binding TMS
 * to `tms` (the bundled worker at `script`, with `bindings` and `flags`).
 */
export async function startWorkerdWithDriver(driver, script, { bindings = {}, flags = COMPAT_FLAGS } = {}) {
  const output = [];
  const rules = [
    { type: "ESModule", include: ["**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ];
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", (d) => output.push(String(d)));
      stderr.on("data", (d) => output.push(String(d)));
    },
    workers: [
      {
        name: "driver",
        modules: true,
        scriptPath: driver,
        modulesRoot: dirname(driver),
        modulesRules: rules,
        compatibilityDate: COMPAT_DATE,
        compatibilityFlags: flags,
        serviceBindings: { TMS: "tms" },
      },
      {
        name: "tms",
        modules: true,
        scriptPath: script,
        modulesRoot: dirname(script),
        modulesRules: rules,
        compatibilityDate: COMPAT_DATE,
        compatibilityFlags: flags,
        bindings,
      },
    ],
  });
  const url = await ready(mf, output);
  return { mf, url: String(url), output, dispose: () => mf.dispose() };
}

/** Waits for workerd to listen; on failure disposes it and reports its last output. */
async function ready(mf, output) {
  try {
    return await mf.ready;
  } catch (e) {
    await mf.dispose().catch(() => {});
    throw new Error(`workerd did not start: ${e.message}\n${output.join("").slice(-4000)}`);
  }
}
