// The shared test harness: runs in Node, Deno, workerd, Vercel edge-runtime and browsers,
// so it uses web-standard APIs only (fetch, AbortController, setTimeout, Map, JSON).
//
// A suite file exports `cases`: [{ name, fn(ctx), only?: ["node", ...] }]. A runner (one per
// runtime) loads the package under test, points `ctx.emu` at a running emulator, and calls
// `runCases`. Each case starts from a reset emulator.
//
// ctx = {
//   lib:  { TokenManager, decodeJwt, TmsError }   the package under test
//   emu:  emulator client (below)
//   runtime: "node" | "deno" | "workerd" | "edge-runtime" | "browser" | ...
//   options(overrides): TokenManager options for the emulator's app (gateway + credentials)
// }

export class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = "AssertionError";
  }
}

const show = (v) => {
  try {
    return typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
};

export const assert = {
  ok(value, message = "expected a truthy value") {
    if (!value) throw new AssertionError(message);
  },
  equal(actual, expected, message = "") {
    if (!Object.is(actual, expected)) throw new AssertionError(`${message} expected ${show(expected)}, got ${show(actual)}`.trim());
  },
  notEqual(actual, expected, message = "") {
    if (Object.is(actual, expected)) throw new AssertionError(`${message} expected something other than ${show(expected)}`.trim());
  },
  deepEqual(actual, expected, message = "") {
    if (show(actual) !== show(expected)) throw new AssertionError(`${message} expected ${show(expected)}, got ${show(actual)}`.trim());
  },
  match(text, re, message = "") {
    if (!re.test(String(text))) throw new AssertionError(`${message} ${show(text)} does not match ${re}`.trim());
  },
  /** Awaits `promiseOrFn` and checks it rejects with a TmsError of `code` (returned). */
  async rejects(promiseOrFn, code, message = "") {
    let err;
    try {
      await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
    } catch (e) {
      err = e;
    }
    if (!err) throw new AssertionError(`${message} expected a rejection with ${code}`.trim());
    if (code && err.code !== code) throw new AssertionError(`${message} expected ${code}, got ${err.code}: ${err.message}`.trim());
    return err;
  },
  throws(fn, code, message = "") {
    try {
      fn();
    } catch (e) {
      if (code && e.code !== code) throw new AssertionError(`${message} expected ${code}, got ${e.code}: ${e.message}`.trim());
      return e;
    }
    throw new AssertionError(`${message} expected a throw with ${code}`.trim());
  },
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Awaits `promise`, which must reject with a TmsError of `code`; returns the error. */
export async function rejects(promise, code, what) {
  try {
    await promise;
  } catch (e) {
    assert.equal(e?.code, code, `${what}: ${e?.message}`);
    return e;
  }
  throw new AssertionError(`${what}: expected ${code}, got a result`);
}

/** mulberry32: a seeded PRNG, so that a schedule of calls and faults can be repeated. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A client for the emulator's control plane (see emulator/control.mjs). */
export function emulatorClient(url, credentials) {
  const call = async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator ${method} ${path}: HTTP ${res.status}`);
    return res.json();
  };
  return {
    url,
    credentials,
    stats: () => call("GET", "/_emulator/stats"),
    /** Request counters per endpoint: { token, batch, userTenants, tokenKeys, kpi }. */
    counts: async () => (await call("GET", "/_emulator/stats")).requests,
    log: async () => (await call("GET", "/_emulator/stats")).log,
    reset: () => call("POST", "/_emulator/reset"),
    config: (c) => call("POST", "/_emulator/config", c),
    faults: (faults) => call("POST", "/_emulator/faults", { faults }),
    clearFaults: () => call("DELETE", "/_emulator/faults"),
    /** [{ clientId, clientSecret, tenant, subTenants, gateway }]: tenant service credentials. */
    tenantCredentials: async () => (await call("GET", "/_emulator/tenant-credentials")).tenantCredentials,
    /** { open, tms, inFlight }: connections the TMS side holds. */
    sockets: () => call("GET", "/_emulator/sockets"),
    rotateKeys: (o = {}) => call("POST", "/_emulator/keys/rotate", o),
    publishKeys: () => call("POST", "/_emulator/keys/publish"),
  };
}

/** TokenManager options for the emulator's development app. */
export function optionsFor(emu, overrides = {}) {
  const c = emu.credentials;
  return {
    gateway: emu.url,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    appName: c.appName,
    appVersion: c.appVersion,
    hostTenant: c.hostTenant,
    ...overrides,
  };
}

/**
 * Runs `cases` one after another, each after an emulator reset. `report(result)` gets
 * { name, ok, ms, error? } per case. Returns { passed, failed, skipped, results }.
 */
export async function runCases(cases, { lib, emu, runtime, report = () => {}, filter = () => true, retries = 0 }) {
  const results = [];
  for (const c of cases) {
    if (!filter(c) || (c.only && !c.only.includes(runtime))) {
      results.push({ name: c.name, ok: true, skipped: true, ms: 0 });
      continue;
    }
    let result;
    const failures = [];
    // `retries` (only where a runtime is known to be flaky, and said so in its runner) runs
    // a failed case again from a reset emulator; the first failure stays in the result.
    for (let attempt = 0; attempt <= retries; attempt++) {
      await emu.reset();
      const started = Date.now();
      const ctx = { lib, emu, runtime, options: (o) => optionsFor(emu, o) };
      try {
        await c.fn(ctx);
        result = { name: c.name, ok: true, ms: Date.now() - started };
        if (failures.length) result.retriedAfter = failures;
        break;
      } catch (e) {
        failures.push(`${e?.name}: ${e?.message}`);
        result = { name: c.name, ok: false, ms: Date.now() - started, error: `${e?.name}: ${e?.message}\n${e?.stack ?? ""}` };
      }
    }
    results.push(result);
    report(result);
  }
  const passed = results.filter((r) => r.ok && !r.skipped).length;
  const skipped = results.filter((r) => r.skipped).length;
  return { passed, failed: results.length - passed - skipped, skipped, results };
}
