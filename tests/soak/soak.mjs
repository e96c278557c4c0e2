// Soak test: many token() / tokens() calls over many tenants against an emulator (a child
// process on 127.0.0.1) that injects random faults the whole time. Bounded: it stops by
// itself after --seconds plus a grace period, whatever happens.
//
//   node tests/soak/soak.mjs --calls 10000 --tenants 500 --seconds 60
//   node tests/soak/soak.mjs --calls 1500 --tenants 100 --seconds 10 --json
//
// Checked for every call: a returned token belongs to the requested tenant (object and JWT
// `ten` claim), is not expired at return time (expiresAt and JWT exp), and every call settles
// within a bound (a call still pending past it counts as a hang). Errors must be TmsErrors.
// Memory (heapUsed, rss, wasm linear memory) is sampled after a forced GC and must stay
// flat after warm-up. Exit code 0 when every check holds, 1 otherwise.
//
// Options: --calls N  --tenants N  --seconds S  --timeout MS (per request, default 500)
//          --retries N (default 2)  --lifetime S (token lifetime, default seconds/3, 4..60)
//          --seed N  --json (print the summary as JSON too)  --quiet
//          --verify (check every token's signature)  --store (a shared in-memory TokenStore
//          that fails now and then)  --isolates N (managers sharing it, default 1; each call
//          picks one at random)
// The package comes from pkg/node.js, or the file named by TMS_EDGE_MODULE.
import { spawn } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import os from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import vm from "node:vm";

import { prng } from "../shared/harness.mjs";

const HERE = new URL(".", import.meta.url);
const EMULATOR = fileURLToPath(new URL("../../emulator/server.mjs", HERE));
const MB = 1024 * 1024;

// --- small tools ------------------------------------------------------------------------------


const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function forcedGc() {
  if (typeof globalThis.gc === "function") return globalThis.gc;
  try {
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc");
  } catch {
    return null;
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const mb = (bytes) => (bytes / MB).toFixed(1);

// --- the emulator, as a child process -----------------------------------------------------------

/** Starts `node emulator/server.mjs` on a free port; resolves with { url, credentials, stop }. */
export function startEmulatorProcess({ tenants, lifetime }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EMULATOR, "--port", "0", "--tenants", String(tenants), "--lifetime", String(lifetime)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => fail(new Error(`emulator did not start in 15 s: ${err}`)), 15_000);
    const stop = () =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
        setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 3000).unref();
      });
    function fail(e) {
      clearTimeout(timer);
      stop().then(() => reject(e));
    }
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`emulator exited (${code}): ${err}`)));
    child.stdout.on("data", (d) => {
      out += d;
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const creds = /credentials: (\{.*\})\n/.exec(out)?.[1];
      if (url && creds) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve({ url, credentials: JSON.parse(creds), stop, pid: child.pid });
      }
    });
  });
}

function control(url) {
  const call = async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`emulator ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    stats: () => call("GET", "/_emulator/stats"),
    config: (c) => call("POST", "/_emulator/config", c),
    faults: (faults) => call("POST", "/_emulator/faults", { faults }),
    listFaults: () => call("GET", "/_emulator/faults"),
    clearFaults: () => call("DELETE", "/_emulator/faults"),
  };
}

// --- fault injection ------------------------------------------------------------------------------

const FAULT_MENU = [
  // [weight, make(rand, tenantList)]
  [4, (r) => ({ endpoint: pick(r, ["token", "batch", "*"]), kind: 429, retryAfter: r() < 0.5 ? 0 : 1 })],
  [2, (r) => ({ endpoint: pick(r, ["token", "batch", "*"]), kind: 429 })],
  [3, (r) => ({ endpoint: pick(r, ["token", "batch", "*"]), kind: 500 })],
  [3, (r) => ({ endpoint: pick(r, ["token", "batch", "*"]), kind: 503 })],
  [1, (r) => ({ endpoint: pick(r, ["token", "batch"]), kind: 502 })],
  [3, (r) => ({ endpoint: pick(r, ["token", "batch", "*"]), kind: "reset" })],
  [2, (r) => ({ endpoint: pick(r, ["token", "batch"]), kind: "hang" })],
  [1, (r) => ({ endpoint: pick(r, ["token", "batch"]), kind: pick(r, ["truncated", "malformed"]) })],
  [1, (r) => ({ endpoint: pick(r, ["token", "batch"]), kind: pick(r, ["notjwt", "expired"]) })],
  [2, () => ({ endpoint: "batch", kind: "wrongTenant" })],
  [1, (r) => ({ endpoint: "batch", kind: pick(r, ["omitTenant", "extraTenant"]) })],
];
const FAULT_WEIGHT = FAULT_MENU.reduce((s, [w]) => s + w, 0);

function pick(r, list) {
  return list[Math.floor(r() * list.length)];
}

function randomFault(r, tenants) {
  let x = r() * FAULT_WEIGHT;
  let make = FAULT_MENU[0][1];
  for (const [w, m] of FAULT_MENU) {
    if ((x -= w) < 0) {
      make = m;
      break;
    }
  }
  const fault = make(r);
  fault.count = 1 + Math.floor(r() * 4);
  // A third of the faults hit one tenant only (whatever requests name it).
  if (r() < 0.33) fault.tenant = pick(r, tenants);
  return fault;
}

/**
 * A TokenStore over a Map with a lease, shared by the soak's managers, that misbehaves now and
 * then: 2% of calls throw, 1% take 300 ms (over the managers' storeTimeout), 1% of reads
 * return garbage. The engine must serve every call regardless.
 */
function flakyStore(rand) {
  const values = new Map();
  const leases = new Map();
  const counts = { calls: 0, failures: 0 };
  const misbehave = async () => {
    counts.calls++;
    const r = rand();
    if (r < 0.02) {
      counts.failures++;
      throw new Error("store down");
    }
    if (r < 0.03) await sleep(300);
    return r < 0.04;
  };
  return {
    counts,
    size: () => values.size,
    async get(key) {
      if (await misbehave()) return "v1.garbage";
      const e = values.get(key);
      return e && e.until > Date.now() ? e.value : null;
    },
    async set(key, value, ttlMs) {
      await misbehave();
      values.set(key, { value, until: Date.now() + ttlMs });
      for (const [k, e] of values) if (e.until <= Date.now()) values.delete(k);
    },
    async lease(key, ttlMs) {
      await misbehave();
      const until = leases.get(key);
      if (until && until > Date.now()) return null;
      leases.set(key, Date.now() + ttlMs);
      return async () => leases.delete(key);
    },
  };
}

// --- the soak ------------------------------------------------------------------------------------

export async function runSoak(opts = {}) {
  const o = {
    calls: 10_000,
    tenants: 500,
    seconds: 60,
    timeout: 500,
    retries: 2,
    seed: Date.now() % 1_000_000,
    quiet: false,
    ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
  };
  o.lifetime ??= Math.min(60, Math.max(4, Math.round(o.seconds / 3)));
  const log = o.quiet ? () => {} : (...a) => console.log(...a);
  const rand = prng(o.seed);

  // The package's library module, set up as its node entry does (node.js bundles its own copy
  // of it, out of reach), so that the soak can watch its wasm memory. TMS_EDGE_MODULE: another
  // build's entry, whose wasm memory is watched when its glue is a module of its own.
  let lib;
  let wasmMemory = null;
  if (process.env.TMS_EDGE_MODULE) {
    const modulePath = pathToFileURL(process.env.TMS_EDGE_MODULE).href;
    lib = await import(modulePath);
    try {
      const glue = await import(new URL("./tms_edge.js", modulePath).href);
      wasmMemory = glue.initSync?.()?.memory ?? null;
    } catch {
      wasmMemory = null;
    }
  } else {
    const pkg = new URL("../../pkg/", HERE);
    const glue = await import(new URL("tms_edge.js", pkg).href);
    wasmMemory = glue.initSync({ module: readFileSync(new URL("tms_edge_bg.wasm", pkg)) }).memory;
    glue.sharePendingCalls();
    lib = { TokenManager: glue.TokenManager, TmsError: glue.__tmsErrorClass(), decodeJwt: glue.decodeJwt };
  }
  const { TokenManager, TmsError, decodeJwt } = lib;

  const gc = forcedGc();
  const emu = await startEmulatorProcess({ tenants: o.tenants, lifetime: o.lifetime });
  const ctl = control(emu.url);
  const tenantIds = Array.from({ length: o.tenants }, (_, i) => `tenant${String(i + 1).padStart(Math.max(3, String(o.tenants).length), "0")}`);

  const eventCounts = {};
  const store = o.store ? flakyStore(rand) : undefined;
  const managers = Array.from({ length: Math.max(1, o.isolates ?? 1) }, () =>
    new TokenManager({
      ...emu.credentials,
      gateway: emu.url,
      timeout: o.timeout,
      retries: o.retries,
      refreshBeforeExpiry: Math.max(1, Math.floor(o.lifetime / 3)),
      verify: Boolean(o.verify),
      ...(store ? { store, storeTimeout: 200 } : {}),
      onEvent: (e) => {
        eventCounts[e.type] = (eventCounts[e.type] ?? 0) + 1;
      },
    }),
  );
  // Each call goes to one of the managers (isolates sharing the store), at random.
  const isolate = () => managers[Math.floor(rand() * managers.length)];
  const tm = managers[0];

  // Longest a call may take: every attempt timing out (with the largest injected latency),
  // every wait at its longest (Retry-After 1 s or backoff), twice (a follower that finds its
  // flight gone leads one of its own), plus slack.
  const MAX_LATENCY = 40;
  const single = (o.timeout + MAX_LATENCY) * (o.retries + 1) + o.retries * 1000;
  const callBound = 2 * single + 2000;

  const r = {
    calls: 0,
    tokenCalls: 0,
    batchCalls: 0,
    tokens: 0,
    errors: {},
    unexpectedErrors: [],
    abortedWithoutSignal: 0,
    wrongTenant: 0,
    expired: 0,
    badShape: 0,
    hangs: 0,
    hangsByKind: { token: 0, tokens: 0 },
    maxSettleByKind: { token: 0, tokens: 0 },
    maxSettleMs: 0,
    settleMs: [],
    samples: [],
    faultsInjected: 0,
  };
  const problems = [];
  const note = (what) => {
    if (problems.length < 20) problems.push(what);
  };

  function checkToken(token, tenant, where) {
    const now = Date.now();
    if (!token || typeof token.accessToken !== "string" || token.userTenant !== tenant) {
      r.badShape++;
      note(`${where}: token object for ${token?.userTenant} instead of ${tenant}`);
      return;
    }
    let claims;
    try {
      claims = decodeJwt(token.accessToken).claims;
    } catch (e) {
      r.badShape++;
      note(`${where}: undecodable token (${e.code})`);
      return;
    }
    if (claims.ten !== tenant) {
      r.wrongTenant++;
      note(`${where}: JWT ten ${claims.ten} for ${tenant}`);
    }
    if (!(token.expiresAt > now) || !(claims.exp * 1000 > now)) {
      r.expired++;
      note(`${where}: expired token (expiresAt ${token.expiresAt - now} ms, exp ${claims.exp * 1000 - now} ms from now)`);
    }
    r.tokens++;
  }

  function countError(e, withSignal, where) {
    if (e instanceof TmsError && typeof e.code === "string") {
      r.errors[e.code] = (r.errors[e.code] ?? 0) + 1;
      if (e.code === "TMS_ABORTED" && !withSignal) {
        r.abortedWithoutSignal++;
        note(`${where}: TMS_ABORTED without a signal (${e.message})`);
      }
    } else {
      r.unexpectedErrors.push(String(e?.stack ?? e).slice(0, 300));
      note(`${where}: not a TmsError: ${String(e).slice(0, 200)}`);
    }
  }

  const inflight = new Map(); // id -> { started, hung }
  let nextId = 0;

  function launch() {
    const id = nextId++;
    const x = rand();
    const started = performance.now();
    const entry = { started, hung: false, kind: "token" };
    inflight.set(id, entry);
    r.calls++;
    let promise;
    let withSignal = false;
    let check;
    if (x < 0.88 || o.tenants < 2) {
      // token(), sometimes forced, sometimes with a signal that aborts
      const tenant = pick(rand, tenantIds);
      const opts = {};
      if (x < 0.01) opts.forceRefresh = true;
      if (x >= 0.01 && x < 0.03) {
        withSignal = true;
        const ac = new AbortController();
        setTimeout(() => ac.abort(), Math.floor(rand() * 400));
        opts.signal = ac.signal;
      }
      r.tokenCalls++;
      promise = isolate().token(tenant, opts);
      check = (token) => checkToken(token, tenant, `token(${tenant})`);
    } else {
      const n = 2 + Math.floor(rand() * 6);
      const list = [...new Set(Array.from({ length: n }, () => pick(rand, tenantIds)))];
      r.batchCalls++;
      entry.kind = "tokens";
      promise = isolate().tokens(list);
      check = (result) => {
        const keys = new Set([...result.tokens.keys(), ...result.errors.keys()]);
        if (keys.size !== list.length || !list.every((t) => keys.has(t)) || [...result.tokens.keys()].some((t) => result.errors.has(t))) {
          r.badShape++;
          note(`tokens(${list.length}): result keys do not match the request`);
        }
        for (const [t, token] of result.tokens) checkToken(token, t, `tokens()[${t}]`);
        for (const [t, e] of result.errors) countError(e, false, `tokens()[${t}]`);
      };
    }
    return promise.then(
      (v) => {
        check(v);
      },
      (e) => countError(e, withSignal, "call"),
    ).finally(() => {
      const ms = performance.now() - started;
      r.settleMs.push(ms);
      if (ms > r.maxSettleMs) r.maxSettleMs = ms;
      if (ms > r.maxSettleByKind[entry.kind]) r.maxSettleByKind[entry.kind] = ms;
      if (ms > callBound && !entry.hung) {
        entry.hung = true;
        r.hangs++;
        r.hangsByKind[entry.kind]++;
        note(`a call settled after ${Math.round(ms)} ms (bound ${callBound} ms)`);
      }
      inflight.delete(id);
    });
  }

  const loopDelayTotal = monitorEventLoopDelay({ resolution: 20 });
  loopDelayTotal.enable();
  const loopDelay = monitorEventLoopDelay({ resolution: 20 }); // per sample interval
  loopDelay.enable();
  const loadBefore = os.loadavg()[0];
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;

  let lastCpu = process.cpuUsage();
  let lastCpuAt = performance.now();
  function sample(label) {
    // Event-loop delay and CPU share of this process since the previous sample (before the GC).
    const eldMaxMs = Math.round(loopDelay.max / 1e6);
    loopDelay.reset();
    const cpu = process.cpuUsage(lastCpu);
    const now = performance.now();
    const cpuPct = Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, now - lastCpuAt)) * 100);
    lastCpu = process.cpuUsage();
    lastCpuAt = now;
    if (gc) gc();
    const m = process.memoryUsage();
    const s = {
      t: Math.round(elapsed() * 10) / 10,
      heapUsed: m.heapUsed,
      rss: m.rss,
      wasm: wasmMemory ? wasmMemory.buffer.byteLength : null,
      entries: managers.reduce((n, m) => n + m.stats().entries, 0),
      inflight: inflight.size,
      eldMaxMs,
      cpuPct,
      label,
    };
    r.samples.push(s);
    return s;
  }

  sample("start");
  const durationMs = o.seconds * 1000;
  const sampleEvery = Math.max(500, durationMs / 20);
  const hardDeadline = durationMs + callBound + 5000;

  // Fault injector: every 150 ms a new random set of faults (sometimes none) and a random
  // latency. Before replacing a set, it works out how often each fault was applied: a fault
  // gone from the list was used up (applied `count` times), one still there reports `applied`.
  const applied = {};
  let registered = []; // [{ id, kind, count }]
  const account = (current) => {
    const left = new Map(current.map((f) => [f.id, f]));
    for (const f of registered) {
      const n = left.has(f.id) ? left.get(f.id).applied : f.count;
      if (n > 0) applied[f.kind] = (applied[f.kind] ?? 0) + n;
    }
    registered = [];
  };
  let injecting = true;
  const injector = (async () => {
    while (injecting) {
      try {
        account((await ctl.listFaults()).faults);
        await ctl.clearFaults();
        const n = rand() < 0.2 ? 0 : 1 + Math.floor(rand() * 4);
        const list = Array.from({ length: n }, () => randomFault(rand, tenantIds));
        if (list.length) {
          const { faults } = await ctl.faults(list);
          registered = faults.slice(-list.length).map((f) => ({ id: f.id, kind: f.kind, count: f.count }));
        }
        r.faultsInjected += list.length;
        await ctl.config({ latencyMs: rand() < 0.5 ? 0 : Math.floor(rand() * MAX_LATENCY) });
      } catch (e) {
        note(`fault injector: ${e.message}`);
      }
      await sleep(150);
    }
  })();

  // Scheduler: calls spread evenly over the duration, started in small bursts every 10 ms.
  let nextSample = sampleEvery;

  // A call pending past its bound is a hang, counted once.
  const checkHangs = () => {
    for (const e of inflight.values()) {
      if (!e.hung && performance.now() - e.started > callBound) {
        e.hung = true;
        r.hangs++;
        r.hangsByKind[e.kind]++;
        note(`a call pending for more than ${callBound} ms`);
      }
    }
  };
  while (r.calls < o.calls) {
    const now = performance.now() - t0;
    const due = Math.min(o.calls, Math.floor((now / durationMs) * o.calls) + 1);
    while (r.calls < due) launch();
    if (now >= nextSample) {
      sample();
      nextSample += sampleEvery;
    }
    checkHangs();
    await sleep(10);
  }

  // Let every call settle (bounded), still watching for hangs.
  while (inflight.size > 0 && performance.now() - t0 < hardDeadline) {
    checkHangs();
    await sleep(50);
  }
  const stillPending = inflight.size;
  injecting = false;
  await injector;
  // What was left registered at the end was never needed: count only what was applied.
  account((await ctl.stats()).faults);
  await ctl.clearFaults();
  await ctl.config({ latencyMs: 0 });
  const soakSeconds = elapsed();
  loopDelayTotal.disable();
  const loadAfter = os.loadavg()[0];
  sample("end of calls");

  // Recovery: with the faults gone, every tenant gets a valid token (no poisoned state).
  const sweepStart = performance.now();
  const sweep = await tm.tokens(tenantIds);
  const sweepMs = performance.now() - sweepStart;
  let sweepErrors = sweep.errors.size;
  for (const [t, token] of sweep.tokens) {
    const before = r.wrongTenant + r.expired + r.badShape;
    checkToken(token, t, `sweep ${t}`);
    r.tokens--; // the sweep is not part of the soak's token count
    if (r.wrongTenant + r.expired + r.badShape !== before) sweepErrors++;
  }
  const sweepCodes = {};
  for (const e of sweep.errors.values()) sweepCodes[e.code] = (sweepCodes[e.code] ?? 0) + 1;

  const emuStats = await ctl.stats();
  await emu.stop();
  const end = sample("end");

  // Memory: flat after warm-up (the first 30% of the run, while the cache fills).
  const during = r.samples.filter((s) => s.label !== "start" && s.label !== "end");
  const warm = during.filter((s) => s.t >= 0.3 * o.seconds);
  const head = warm.slice(0, 3);
  const tail = r.samples.slice(-3);
  const memory = {
    gcForced: Boolean(gc),
    start: r.samples[0],
    afterWarmup: head[0] ?? null,
    end,
    heapGrowthAfterWarmup: median(tail.map((s) => s.heapUsed)) - median(head.map((s) => s.heapUsed)),
    rssGrowthAfterWarmup: median(tail.map((s) => s.rss)) - median(head.map((s) => s.rss)),
    wasmGrowthAfterWarmup: wasmMemory ? end.wasm - (head[0]?.wasm ?? end.wasm) : null,
  };

  const settle = [...r.settleMs].sort((a, b) => a - b);
  const summary = {
    seed: o.seed,
    options: { calls: o.calls, tenants: o.tenants, seconds: o.seconds, timeout: o.timeout, retries: o.retries, lifetime: o.lifetime, verify: Boolean(o.verify), store: Boolean(o.store), isolates: managers.length },
    durationSeconds: Math.round(soakSeconds * 10) / 10,
    calls: r.calls,
    tokenCalls: r.tokenCalls,
    batchCalls: r.batchCalls,
    tokens: r.tokens,
    errors: r.errors,
    unexpectedErrors: r.unexpectedErrors.length,
    abortedWithoutSignal: r.abortedWithoutSignal,
    wrongTenant: r.wrongTenant,
    expired: r.expired,
    badShape: r.badShape,
    hangs: r.hangs,
    hangsByKind: r.hangsByKind,
    stillPending,
    callBoundMs: callBound,
    maxSettleMsByKind: { token: Math.round(r.maxSettleByKind.token), tokens: Math.round(r.maxSettleByKind.tokens) },
    eventLoopDelayMs: { p99: Math.round(loopDelayTotal.percentile(99) / 1e6), max: Math.round(loopDelayTotal.max / 1e6) },
    machine: { cpus: os.cpus().length, loadavg1Before: +loadBefore.toFixed(2), loadavg1After: +loadAfter.toFixed(2) },
    settleMs: { p50: Math.round(settle[Math.floor(settle.length * 0.5)] ?? 0), p99: Math.round(settle[Math.floor(settle.length * 0.99)] ?? 0), max: Math.round(r.maxSettleMs) },
    faultsInjected: r.faultsInjected,
    faultsApplied: applied,
    upstream: { client: managers.reduce((n, m) => n + m.stats().upstreamRequests, 0), emulator: emuStats.requests },
    isolates: managers.length,
    verify: Boolean(o.verify),
    store: store ? { ...store.counts, entries: store.size() } : null,
    tokenRequestsPerTenant: Math.round(((emuStats.requests.token + emuStats.requests.batch) / o.tenants) * 100) / 100,
    clientStats: tm.stats(),
    events: eventCounts,
    sweep: { tenants: tenantIds.length, tokens: sweep.tokens.size, errors: sweepErrors, codes: sweepCodes, ms: Math.round(sweepMs) },
    memory,
    samples: r.samples.map((s) => ({ t: s.t, heapMB: +mb(s.heapUsed), rssMB: +mb(s.rss), wasmMB: s.wasm === null ? null : +mb(s.wasm), entries: s.entries, inflight: s.inflight, eldMaxMs: s.eldMaxMs, cpuPct: s.cpuPct })),
    problems,
  };
  summary.ok = isOk(summary);
  log(formatSummary(summary));
  return summary;
}

/** Memory limits after warm-up: a leak of ~1 KB per call over 10 000 calls would exceed them. */
export const MEMORY_LIMITS = { heapGrowth: 8 * MB, rssGrowth: 48 * MB, wasmGrowth: 4 * MB };

export function isOk(s) {
  return (
    s.wrongTenant === 0 &&
    s.expired === 0 &&
    s.hangs === 0 &&
    s.stillPending === 0 &&
    s.unexpectedErrors === 0 &&
    s.abortedWithoutSignal === 0 &&
    s.badShape === 0 &&
    s.sweep.errors === 0 &&
    s.tokens > 0 &&
    s.memory.heapGrowthAfterWarmup < MEMORY_LIMITS.heapGrowth &&
    s.memory.rssGrowthAfterWarmup < MEMORY_LIMITS.rssGrowth &&
    (s.memory.wasmGrowthAfterWarmup ?? 0) < MEMORY_LIMITS.wasmGrowth
  );
}

export function formatSummary(s) {
  const m = s.memory;
  const errors = Object.entries(s.errors).sort().map(([k, v]) => `${k}:${v}`).join(",") || "none";
  const em = s.upstream.emulator;
  const lines = [
    `soak ${s.ok ? "OK" : "FAILED"}: calls=${s.calls} (token ${s.tokenCalls}, tokens ${s.batchCalls}) in ${s.durationSeconds}s, tenants=${s.options.tenants}, seed=${s.seed}` +
      ` | tokens=${s.tokens} errors={${errors}} | upstream client=${s.upstream.client} emulator token=${em.token} batch=${em.batch}` +
      ` | wrong-tenant=${s.wrongTenant} expired=${s.expired} hangs=${s.hangs} pending=${s.stillPending} unexpected=${s.unexpectedErrors} aborted-without-signal=${s.abortedWithoutSignal} bad-shape=${s.badShape}` +
      ` | settle p50=${s.settleMs.p50}ms p99=${s.settleMs.p99}ms max=${s.settleMs.max}ms (token ${s.maxSettleMsByKind.token}, tokens ${s.maxSettleMsByKind.tokens}; bound ${s.callBoundMs}ms)` +
      ` | heap ${mb(m.start.heapUsed)}→${mb(m.end.heapUsed)} MB (after warm-up ${m.afterWarmup ? mb(m.afterWarmup.heapUsed) : "?"}, growth ${mb(m.heapGrowthAfterWarmup)} MB)` +
      ` rss ${mb(m.start.rss)}→${mb(m.end.rss)} MB (growth ${mb(m.rssGrowthAfterWarmup)} MB)` +
      (m.end.wasm !== null ? ` wasm ${mb(m.start.wasm)}→${mb(m.end.wasm)} MB` : "") +
      ` gc=${m.gcForced ? "forced" : "no"}`,
    `  hangs by kind ${JSON.stringify(s.hangsByKind)}, event-loop delay p99=${s.eventLoopDelayMs.p99}ms max=${s.eventLoopDelayMs.max}ms, load average ${s.machine.loadavg1Before}→${s.machine.loadavg1After} on ${s.machine.cpus} CPUs\n` +
      `  faults registered=${s.faultsInjected} applied=${JSON.stringify(s.faultsApplied)} events=${JSON.stringify(s.events)} stats=${JSON.stringify(s.clientStats)}`,
    `  isolates=${s.isolates} verify=${s.verify} store=${s.store ? JSON.stringify(s.store) : "none"}: token requests per tenant ${s.tokenRequestsPerTenant}\n` +
    `  recovery sweep: ${s.sweep.tokens}/${s.sweep.tenants} tokens, ${s.sweep.errors} errors ${JSON.stringify(s.sweep.codes)} in ${s.sweep.ms} ms`,
    `  samples (t s: heap/rss/wasm MB, cache entries, in flight, max event-loop delay ms, client CPU %): ` +
      s.samples.map((x) => `${x.t}:${x.heapMB}/${x.rssMB}/${x.wasmMB ?? "-"},${x.entries},${x.inflight},${x.eldMaxMs},${x.cpuPct}%`).join(" "),
  ];
  if (s.problems.length) lines.push(`  problems: ${s.problems.join("; ")}`);
  return lines.join("\n");
}

// --- command line ----------------------------------------------------------------------------------

function invokedDirectly() {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  const { values } = parseArgs({
    options: {
      calls: { type: "string", default: "10000" },
      tenants: { type: "string", default: "500" },
      seconds: { type: "string", default: "60" },
      timeout: { type: "string", default: "500" },
      retries: { type: "string", default: "2" },
      lifetime: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      verify: { type: "boolean", default: false },
      store: { type: "boolean", default: false },
      isolates: { type: "string", default: "1" },
    },
    strict: true,
  });
  const int = (name, v, min, max) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      console.error(`--${name} must be an integer from ${min} to ${max}`);
      process.exit(2);
    }
    return n;
  };
  const summary = await runSoak({
    calls: int("calls", values.calls, 1, 10_000_000),
    tenants: int("tenants", values.tenants, 1, 100_000),
    seconds: int("seconds", values.seconds, 1, 86_400),
    timeout: int("timeout", values.timeout, 10, 600_000),
    retries: int("retries", values.retries, 0, 10),
    lifetime: values.lifetime === undefined ? undefined : int("lifetime", values.lifetime, 2, 86_400),
    seed: values.seed === undefined ? undefined : int("seed", values.seed, 0, 2 ** 31),
    quiet: values.quiet,
    verify: values.verify,
    store: values.store,
    isolates: int("isolates", values.isolates, 1, 1000),
  });
  if (values.json) console.log(JSON.stringify(summary));
  process.exit(summary.ok ? 0 : 1);
}
