// tms-edge benchmark: tms-edge, a hand-written JS cache (baseline) and the vendor SDK
// (@mindconnect/mindconnect-nodejs TokenManagerAuth), side by side against the local TMS
// emulator on 127.0.0.1. See BENCHMARKS.md for what each row means.
//
//   node bench/run.mjs            full run (a few minutes): prints the table, writes bench/results.json
//   node bench/run.mjs --smoke    ~10 s: tiny counts, checks that every scenario completes and the
//                                 upstream request counts are right; "bench smoke: N passed, N failed"
// Options: --runs N (runs per scenario, median reported; default 7 hit/cold start, 5 burst,
//          3 fan-out/memory), --only hit,burst,fanout,cold,memory (a subset; size is always measured),
//          --no-twiggy (skip the names build), --no-sdk (skip the vendor SDK),
//          --concurrency N (baseline/SDK fan-out, default 4 = tms-edge's parallel requests),
//          --out FILE (results JSON; default bench/results.json, smoke: bench/out/smoke.json),
//          --update-doc (replace the generated section of BENCHMARKS.md with this run's table)
//
// Every measurement runs in a fresh Node process (bench/child.mjs); the emulator runs in its
// own process too. Needs pkg/ built (make build) and, for the SDK, `npm ci` in bench/.
import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startBenchEmulator } from "./lib/emulator.mjs";
import { installPackage } from "./lib/pkg.mjs";
import { BENCH_DIR, OUT_DIR, ROOT } from "./lib/paths.mjs";
import { baselineSize, packageSizes, sdkBundleSizes, twiggyTop } from "./lib/size.mjs";

const usage = (msg) => {
  process.stderr.write(`bench: ${msg}\nusage: node bench/run.mjs [--smoke] [--runs N] [--only hit,burst,fanout,cold,memory] [--no-sdk] [--no-twiggy] [--concurrency N] [--out FILE] [--update-doc]\n`);
  process.exit(2);
};
let opt;
try {
  ({ values: opt } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    runs: { type: "string" },
    "no-twiggy": { type: "boolean", default: false },
    "no-sdk": { type: "boolean", default: false },
    concurrency: { type: "string", default: "4" },
    out: { type: "string" },
    only: { type: "string" },
    "update-doc": { type: "boolean", default: false },
  },
  strict: true,
}));
} catch (err) {
  usage(err.message);
}

const SMOKE = opt.smoke;
const SCENARIOS = ["hit", "burst", "fanout", "cold", "memory"];
const ONLY = opt.only ? new Set(opt.only.split(",")) : null;
for (const s of ONLY ?? []) if (!SCENARIOS.includes(s)) usage(`--only: unknown scenario ${s} (${SCENARIOS.join(", ")})`);
const want = (s) => !ONLY || ONLY.has(s);
if (opt["update-doc"] && (ONLY || opt.smoke)) usage("--update-doc takes a full run (no --only, no --smoke)");
const RUNS = opt.runs ? Number(opt.runs) : null;
const CONCURRENCY = Number(opt.concurrency);
if (RUNS !== null && !(Number.isInteger(RUNS) && RUNS >= 1)) usage("--runs must be a positive integer");
if (!(Number.isInteger(CONCURRENCY) && CONCURRENCY >= 1)) usage("--concurrency must be a positive integer");
const CLIENTS = ["tms-edge", "baseline", "sdk"];
const LABEL = { "tms-edge": "tms-edge", baseline: "baseline", sdk: "SDK" };
const PAGE_SIZE = 100; // tms-edge's default pageSize and the emulator's
const BATCH_SIZE = 5; // tms-edge's default batchSize and the emulator's batch limit
const PARALLEL = 4; // tms-edge's requests in flight per call (PARALLEL_REQUESTS in src/wasm/batch.rs)
const SIZE_TARGET = 90 * 1024; // bytes, .wasm + glue gzipped (the engine issue's budget)

const CFG = SMOKE
  ? {
      hit: { runs: RUNS ?? 1, n: 2000, warmup: 200, sdkN: 20, sdkWarmup: 5 },
      burst: { runs: RUNS ?? 1, n: 50, latencyMs: 20 },
      fanout: { runs: RUNS ?? 1, tenants: [12], latencyMs: 20 },
      cold: { runs: RUNS ?? 1 },
      memory: { runs: RUNS ?? 1, tenants: 12 },
      emulators: [12],
    }
  : {
      hit: { runs: RUNS ?? 7, n: 1_000_000, warmup: 100_000, sdkN: 2000, sdkWarmup: 200 },
      burst: { runs: RUNS ?? 5, n: 1000, latencyMs: 20 },
      fanout: { runs: RUNS ?? 3, tenants: [100, 1000], latencyMs: 20 },
      cold: { runs: RUNS ?? 7 },
      memory: { runs: RUNS ?? 3, tenants: 10_000 },
      emulators: [100, 1000, 10_000],
    };

// Children inherit no proxy settings: the SDK would route 127.0.0.1 through a proxy agent.
const CHILD_ENV = { ...process.env };
for (const k of ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NODE_OPTIONS"]) delete CHILD_ENV[k];
for (const k of ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"]) delete process.env[k];

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const expectedFanout = (t) => 1 + Math.ceil(t / PAGE_SIZE) + Math.ceil(t / BATCH_SIZE);
const tmsRequests = (r) => r.token + r.batch + r.userTenants;

// --- child processes ------------------------------------------------------------------------------

/** Runs bench/child.mjs with `spec`; resolves {result, spawnToResultMs}. */
function runChild(spec, { nodeArgs = [], timeoutMs = SMOKE ? 30_000 : 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // A spec too long for one argument (10 000 tenant names) goes through stdin ("-").
    const json = JSON.stringify(spec);
    const viaStdin = json.length > 64 * 1024;
    const child = spawn(process.execPath, [...nodeArgs, join(BENCH_DIR, "child.mjs"), viaStdin ? "-" : json], {
      cwd: ROOT, env: CHILD_ENV, stdio: [viaStdin ? "pipe" : "ignore", "pipe", "pipe"],
    });
    if (viaStdin) child.stdin.end(json);
    let stdout = "", stderr = "", tResult = null;
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => {
      if (tResult === null && String(d).includes("RESULT ")) tResult = performance.now();
      stdout += d;
    });
    child.stderr.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
      if (!line) return reject(new Error(`${spec.mode}/${spec.client}: no result (exit ${code ?? signal}) ${stderr.trim().slice(-800)}`));
      const result = JSON.parse(line.slice(7));
      if (result.error) return reject(new Error(`${spec.mode}/${spec.client}: ${result.error.split("\n").slice(0, 3).join(" | ")}`));
      resolve({ result, spawnToResultMs: tResult - t0 });
    });
  });
}

// --- the run ------------------------------------------------------------------------------------

const results = {
  meta: {
    date: new Date().toISOString(),
    mode: SMOKE ? "smoke" : "full",
    node: process.version,
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? "?"}`,
    loadavgStart: loadavg().map((x) => +x.toFixed(2)),
    config: { ...CFG, concurrency: CONCURRENCY, pageSize: PAGE_SIZE, batchSize: BATCH_SIZE },
  },
  unavailable: {},
  errors: [],
};
const checks = []; // {name, ok, detail}
const check = (name, ok, detail = "") => checks.push({ name, ok: Boolean(ok), detail });
const say = (s) => process.stderr.write(`[${((performance.now() - T0) / 1000).toFixed(1)} s] ${s}\n`);
const T0 = performance.now();

const sdkOff = opt["no-sdk"] ? "--no-sdk given" : null;
if (sdkOff) results.unavailable.sdk = sdkOff;
const active = () => CLIENTS.filter((c) => !results.unavailable[c]);

/** One child run of `client`, marking the SDK unavailable (not failed) when it cannot load. */
async function measure(client, spec, options) {
  if (results.unavailable[client]) return null;
  try {
    const r = await runChild({ ...spec, client }, options);
    if (r.result.unavailable) {
      results.unavailable[client] = r.result.unavailable;
      say(`  ${client}: n/a (${r.result.unavailable})`);
      return null;
    }
    return r;
  } catch (err) {
    if (client === "sdk") {
      // The vendor SDK is a yardstick, not the thing under test: if it cannot run here it is
      // reported as n/a with the reason, and the rest of the run goes on.
      results.unavailable.sdk = `failed to run: ${String(err.message).slice(0, 300)}`;
      say(`  sdk: n/a (${results.unavailable.sdk})`);
      return null;
    }
    results.errors.push(String(err.message));
    say(`  ERROR ${err.message}`);
    return undefined;
  }
}

const tStart = performance.now();
let pkg;
try {
  pkg = await installPackage();
} catch (err) {
  say(`bench: cannot install the package: ${err.message}`);
  if (SMOKE) console.log("bench smoke: 0 passed, 1 failed");
  process.exit(1);
}
results.meta.pkgHash = pkg.hash.slice(0, 16);
say(`bench: ${SMOKE ? "smoke" : "full"} run; package ${pkg.reinstalled ? "reinstalled" : "unchanged"} (${relative(ROOT, pkg.dir)}); load ${results.meta.loadavgStart.join(" ")}`);

const emulators = {};
try {
  for (const t of CFG.emulators) emulators[t] = await startBenchEmulator({ tenants: t }, CHILD_ENV);
} catch (err) {
  say(`bench: emulator: ${err.message}`);
  for (const e of Object.values(emulators)) await e.stop();
  if (SMOKE) console.log("bench smoke: 0 passed, 1 failed");
  process.exit(1);
}
const big = emulators[Math.max(...CFG.emulators)];
const base = (emu) => ({ url: emu.url, credentials: emu.credentials, pkgEntry: pkg.entry });
const order = (r) => CLIENTS.map((_, i) => CLIENTS[(i + r) % CLIENTS.length]); // rotate who goes first
// Scenarios whose figures need no per-client request counts: one client after the other in a
// full run (nothing else competes for the CPU), all at once in the smoke run (its figures mean
// nothing; it only proves every path still works, and must stay near 10 s).
// The smoke run must stay near 10 s on 2 shared cores, and each child process costs Node's start:
// it takes every client through burst and fan-out (the request-count checks), and only tms-edge
// (and for the hit, the baseline) through the rest, whose code paths are the same for every client.
const SMOKE_CLIENTS = { hit: ["tms-edge", "baseline"], cold: ["tms-edge"], memory: ["tms-edge"] };
const inSmoke = (scenario, c) => !SMOKE || !SMOKE_CLIENTS[scenario] || SMOKE_CLIENTS[scenario].includes(c);
const eachClient = async (r, fn) => {
  if (SMOKE) await Promise.all(order(r).map(fn));
  else for (const c of order(r)) await fn(c);
};

try {
  // 1. Cache hit: ns per `await token()` on a warm cache; then `await token(tenant)` cycling
  //    through a cache of the small emulator's tenants (100; 12 in the smoke run).
  const small = emulators[Math.min(...CFG.emulators)];
  say(`hit: ns per await token() on a warm cache; then token(tenant) over ${small.tenants.length} cached tenants`);
  results.hit = Object.fromEntries(CLIENTS.map((c) => [c, { runs: [] }]));
  results.hitMulti = Object.fromEntries(CLIENTS.map((c) => [c, { runs: [] }]));
  results.hitMulti.tenants = small.tenants.length;
  for (let r = 0; r < (want("hit") ? CFG.hit.runs : 0); r++) {
    await big.reset();
    await small.reset();
    await eachClient(r, async (c) => {
      const sdk = c === "sdk";
      const spec = { mode: "hit", n: sdk ? CFG.hit.sdkN : CFG.hit.n, warmup: sdk ? CFG.hit.sdkWarmup : CFG.hit.warmup, tenants: small.tenants, concurrency: CONCURRENCY };
      if (SMOKE) {
        // One process for both variants (the smoke run's figures mean nothing; its time does).
        if (!inSmoke("hit", c)) return;
        const m = await measure(c, { ...base(small), ...spec, variants: ["default", "multi"] });
        if (m) results.hit[c].runs[r] = m.result.default.nsPerCall;
        if (m?.result.multi) results.hitMulti[c].runs[r] = m.result.multi.nsPerCall;
        return;
      }
      // A full run measures each variant in its own fresh process (no shared JIT profile).
      const m = await measure(c, { ...base(big), ...spec, variants: ["default"] });
      if (m) {
        results.hit[c].runs[r] = m.result.default.nsPerCall;
        (results.hit[c].bestSegmentNs ??= [])[r] = m.result.default.bestSegmentNs;
      }
      const mm = await measure(c, { ...base(small), ...spec, variants: ["multi"] });
      if (mm) {
        results.hitMulti[c].runs[r] = mm.result.multi.nsPerCall;
        (results.hitMulti[c].bestSegmentNs ??= [])[r] = mm.result.multi.bestSegmentNs;
      }
    });
  }
  for (const key of ["hit", "hitMulti"]) {
    const h = results[key];
    for (const c of CLIENTS) {
      h[c].calls = c === "sdk" ? CFG.hit.sdkN : CFG.hit.n;
      h[c].medianNs = median(h[c].runs);
    }
    const hitNs = (c) => h[c].medianNs;
    // Ratios from the same run (run r of each client ran back to back), then their median;
    // the ratio of the medians is kept too.
    const perRun = (a, b) => h[a].runs.map((x, r) => (x > 0 && h[b].runs[r] > 0 ? x / h[b].runs[r] : null));
    h.ratioToBaselinePerRun = perRun("tms-edge", "baseline");
    h.sdkOverEdgePerRun = perRun("sdk", "tms-edge");
    h.ratioToBaseline = median(h.ratioToBaselinePerRun);
    h.sdkOverEdge = median(h.sdkOverEdgePerRun);
    h.ratioOfMedians = { toBaseline: hitNs("tms-edge") && hitNs("baseline") ? hitNs("tms-edge") / hitNs("baseline") : null, sdkOverEdge: hitNs("sdk") && hitNs("tms-edge") ? hitNs("sdk") / hitNs("tms-edge") : null };
    for (const c of want("hit") ? active().filter((c) => inSmoke("hit", c)) : []) check(`${key} ${c} completes`, Number.isFinite(hitNs(c)) && hitNs(c) > 0, `${hitNs(c)?.toFixed(0)} ns`);
  }

  // 2. Burst: N concurrent calls on a cold cache, 20 ms latency.
  say(`burst: ${CFG.burst.n} concurrent calls, cold cache, ${CFG.burst.latencyMs} ms latency`);
  results.burst = Object.fromEntries(CLIENTS.map((c) => [c, { runs: [] }]));
  for (let r = 0; r < (want("burst") ? CFG.burst.runs : 0); r++) {
    for (const c of order(r)) {
      await big.reset();
      await big.setLatency(CFG.burst.latencyMs);
      const m = await measure(c, { ...base(big), mode: "burst", n: CFG.burst.n });
      if (m) results.burst[c].runs.push({ wallMs: m.result.wallMs, cpuMs: m.result.cpuMs, distinctTokens: m.result.distinctTokens, requests: await big.requests() });
    }
  }
  for (const c of CLIENTS) {
    const runs = results.burst[c].runs;
    if (!runs.length) continue;
    results.burst[c].medianWallMs = median(runs.map((x) => x.wallMs));
    results.burst[c].medianCpuMs = median(runs.map((x) => x.cpuMs));
    results.burst[c].upstream = Math.max(...runs.map((x) => tmsRequests(x.requests)));
    results.burst[c].tokenKeys = Math.max(...runs.map((x) => x.requests.tokenKeys));
  }
  for (const c of ["tms-edge", "baseline"]) {
    if (results.burst[c].runs.length) check(`burst ${c}: 1 upstream request for ${CFG.burst.n} calls`, results.burst[c].runs.every((x) => tmsRequests(x.requests) === 1), `${results.burst[c].upstream}`);
  }
  if (results.burst.sdk.runs.length) check("burst SDK completes", results.burst.sdk.upstream >= 1, `${results.burst.sdk.upstream} requests`);

  // 3. Fan-out: tokens for T tenants, 20 ms latency.
  results.fanout = {};
  for (const t of CFG.fanout.tenants) {
    const emu = emulators[t];
    say(`fan-out: ${t} tenants, ${CFG.fanout.latencyMs} ms latency (expected tms-edge upstream ${expectedFanout(t)})`);
    const f = (results.fanout[t] = Object.fromEntries(CLIENTS.map((c) => [c, { runs: [] }])));
    f.expected = expectedFanout(t);
    for (let r = 0; r < (want("fanout") ? CFG.fanout.runs : 0); r++) {
      for (const c of order(r)) {
        await emu.reset();
        await emu.setLatency(CFG.fanout.latencyMs);
        const m = await measure(c, { ...base(emu), mode: "fanout", tenants: emu.tenants, concurrency: CONCURRENCY });
        if (m) f[c].runs.push({ wallMs: m.result.wallMs, cpuMs: m.result.cpuMs, ok: m.result.ok, failed: m.result.failed, requests: await emu.requests() });
      }
    }
    for (const c of CLIENTS) {
      const runs = f[c].runs;
      if (!runs.length) continue;
      f[c].medianWallMs = median(runs.map((x) => x.wallMs));
      f[c].medianCpuMs = median(runs.map((x) => x.cpuMs));
      f[c].upstream = Math.max(...runs.map((x) => tmsRequests(x.requests)));
      f[c].tokenKeys = Math.max(...runs.map((x) => x.requests.tokenKeys));
      check(`fan-out ${t} ${c}: a token for every tenant`, runs.every((x) => x.ok === t && x.failed === 0), runs.map((x) => `${x.ok} ok/${x.failed} failed`).join(", "));
    }
    if (f["tms-edge"].runs.length) check(`fan-out ${t} tms-edge: ${f.expected} upstream requests`, f["tms-edge"].runs.every((x) => tmsRequests(x.requests) === f.expected), `${f["tms-edge"].upstream}`);
    if (f.baseline.runs.length) check(`fan-out ${t} baseline: ${t} upstream requests`, f.baseline.runs.every((x) => tmsRequests(x.requests) === t), `${f.baseline.upstream}`);
    if (f.sdk.runs.length) check(`fan-out ${t} SDK: ${t} token requests`, f.sdk.runs.every((x) => x.requests.token === t), `${f.sdk.upstream}`);
  }

  // 4. Cold start: process start to first token; import (wasm compile + instantiate) time.
  say("cold start: fresh process to first token");
  results.cold = Object.fromEntries(CLIENTS.map((c) => [c, { runs: [] }]));
  await big.reset();
  for (let r = 0; r < (want("cold") ? CFG.cold.runs : 0); r++) {
    await eachClient(r, async (c) => {
      if (!inSmoke("cold", c)) return;
      const m = await measure(c, { ...base(big), mode: "cold" });
      if (m) results.cold[c].runs.push({ spawnToTokenMs: m.spawnToResultMs, ...m.result });
    });
  }
  for (const c of CLIENTS) {
    const runs = results.cold[c].runs;
    if (!runs.length) continue;
    results.cold[c].spawnToTokenMs = median(runs.map((x) => x.spawnToTokenMs));
    results.cold[c].firstTokenMs = median(runs.map((x) => x.firstTokenMs));
    results.cold[c].importMs = median(runs.map((x) => x.importMs));
    results.cold[c].tokenMs = median(runs.map((x) => x.tokenMs));
    check(`cold start ${c} completes`, Number.isFinite(results.cold[c].spawnToTokenMs), `${results.cold[c].spawnToTokenMs?.toFixed(0)} ms`);
  }

  // 5. Memory: peak RSS of a process holding tokens for T tenants.
  const memT = CFG.memory.tenants;
  say(`memory: peak RSS with ${memT} tenants cached`);
  results.memory = Object.fromEntries(CLIENTS.map((c) => [c, { runs: [] }]));
  results.memory.tenants = memT;
  results.memory.bare = { runs: [] };
  const memEmu = emulators[memT];
  for (let r = 0; r < (want("memory") ? CFG.memory.runs : 0); r++) {
    const bare = SMOKE ? null : await runChild({ mode: "bare" }, { nodeArgs: ["--expose-gc"] }).catch((e) => (results.errors.push(e.message), null));
    if (bare) results.memory.bare.runs.push(bare.result);
    await eachClient(r, async (c) => {
      if (!inSmoke("memory", c)) return;
      const m = await measure(c, { ...base(memEmu), mode: "memory", tenants: memEmu.tenants, concurrency: CONCURRENCY }, { nodeArgs: ["--expose-gc"] });
      if (m) results.memory[c].runs.push(m.result);
    });
  }
  results.memory.bare.maxRssKB = median(results.memory.bare.runs.map((x) => x.maxRssKB));
  for (const c of CLIENTS) {
    const runs = results.memory[c].runs;
    if (!runs.length) continue;
    for (const k of ["maxRssKB", "rssKB", "heapUsedKB", "externalKB"]) results.memory[c][k] = median(runs.map((x) => x[k]));
    check(`memory ${c}: ${memT} tokens held`, runs.every((x) => x.ok === memT && x.maxRssKB > 0), `${results.memory[c].maxRssKB} KB peak`);
  }

  // 6. Size (of the installed copy that was measured).
  say("size: the package's .wasm and glue, the baseline, the SDK bundled");
  try {
    results.size = {
      pkg: await packageSizes(pkg.packageDir),
      baseline: await baselineSize(),
      sdk: sdkOff ? { unavailable: sdkOff } : SMOKE ? { unavailable: "not in the smoke run" } : await sdkBundleSizes(),
    };
    check("size: .wasm and glue measured", results.size.pkg.wasm.gzip > 0 && results.size.pkg.glue.gzip > 0);
  } catch (err) {
    results.size = { pkg: null, error: String(err.message) };
    check("size: .wasm and glue measured", false, err.message);
  }
  if (!SMOKE && !opt["no-twiggy"]) {
    say("size: twiggy top of a names build (cargo build into bench/out/target)");
    results.size.twiggy = await twiggyTop();
  }
} finally {
  for (const e of Object.values(emulators)) await e.stop();
}
for (const err of results.errors) check("no child failed", false, err);
results.meta.loadavgEnd = loadavg().map((x) => +x.toFixed(2));
results.meta.seconds = +((performance.now() - tStart) / 1000).toFixed(1);

// --- targets ------------------------------------------------------------------------------------

const targets = [];
const target = (name, value, ok) => targets.push({ name, value: value ?? "n/a", met: ok === null || value == null || value === "n/a" ? null : Boolean(ok) });
{
  const h = results.hit;
  target("cache hit at most 1.0x the baseline", h.ratioToBaseline ? `${h.ratioToBaseline.toFixed(2)}x` : null, h.ratioToBaseline && h.ratioToBaseline <= 1.0);
  const hm = results.hitMulti;
  if (hm?.ratioToBaseline) target("cache hit over 100 tenants at most 1.0x the baseline", `${hm.ratioToBaseline.toFixed(2)}x`, hm.ratioToBaseline <= 1.0);
  target("cache hit at least 500x faster than the SDK", h.sdkOverEdge ? `${h.sdkOverEdge.toFixed(0)}x` : null, h.sdkOverEdge ? h.sdkOverEdge >= 500 : null);
  const b = results.burst["tms-edge"];
  target(`burst: 1 upstream request for ${CFG.burst.n} calls`, b.upstream, b.upstream === 1);
  const rel = (a, base) => (a > 0 && base > 0 ? a / base : null);
  const burstCpu = rel(b.medianCpuMs, results.burst.baseline.medianCpuMs);
  target("burst: client CPU at most 1.5x the baseline", burstCpu && `${burstCpu.toFixed(2)}x`, burstCpu <= 1.5);
  for (const t of CFG.fanout.tenants) {
    const f = results.fanout[t];
    target(`fan-out ${t}: ${f.expected} upstream requests (1 + ceil(T/${PAGE_SIZE}) + ceil(T/${BATCH_SIZE}))`, f["tms-edge"].upstream, f["tms-edge"].upstream === f.expected);
    // The latency floor (BENCHMARKS.md, fan-out): the operator token, the first page, the
    // other pages and the batches, PARALLEL at a time, one latency each.
    const pages = Math.ceil(t / PAGE_SIZE), batches = Math.ceil(t / BATCH_SIZE);
    f.floorMs = (2 + Math.ceil((pages - 1) / PARALLEL) + Math.ceil(batches / PARALLEL)) * CFG.fanout.latencyMs;
    f.overFloor = rel(f["tms-edge"].medianWallMs, f.floorMs);
    // The target is for the largest fan-out; the smaller one's ratio is in results.json.
    if (t === Math.max(...CFG.fanout.tenants)) {
      target(`fan-out ${t}: wall time at most 1.5x its latency floor (${f.floorMs} ms)`, f.overFloor && `${f.overFloor.toFixed(2)}x`, f.overFloor <= 1.5);
    }
  }
  const c = results.cold;
  target("cold start: import of the package entry at most 10 ms", c["tms-edge"].importMs && `${c["tms-edge"].importMs.toFixed(1)} ms`, c["tms-edge"].importMs <= 10);
  const spawn = rel(c["tms-edge"].spawnToTokenMs, c.baseline.spawnToTokenMs);
  target("cold start: spawn to first token at most 1.05x the baseline", spawn && `${spawn.toFixed(2)}x`, spawn <= 1.05);
  const m = results.memory;
  const peak = rel(m["tms-edge"].maxRssKB, m.baseline.maxRssKB);
  target(`memory, ${m.tenants} tenants: peak RSS at most the baseline's`, peak && `${peak.toFixed(2)}x`, peak <= 1);
  const heldOf = (x) => (x.heapUsedKB == null ? null : x.heapUsedKB + x.externalKB);
  const held = rel(heldOf(m["tms-edge"]), heldOf(m.baseline));
  target(`memory, ${m.tenants} tenants: JS heap + external after GC at most the baseline's`, held && `${held.toFixed(2)}x`, held <= 1);
  const gzTotal = results.size.pkg?.total.gzip ?? null;
  target("size: .wasm + glue under 90 KiB gzipped", gzTotal === null ? null : `${(gzTotal / 1024).toFixed(1)} KiB`, gzTotal < SIZE_TARGET);
}
results.targets = targets;
results.checks = checks;

// --- table --------------------------------------------------------------------------------------

const na = (c, what = "n/a") => (results.unavailable[c] ? "n/a" : what);
const ms = (x) => (x == null ? "n/a" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const ns = (x) => (x == null ? "n/a" : x >= 10_000 ? `${(x / 1000).toFixed(0)} µs` : `${x.toFixed(0)} ns`);
const kb = (x) => (x == null ? "n/a" : `${(x / 1024).toFixed(1)} KiB`);
const mb = (x) => (x == null ? "n/a" : `${(x / 1024).toFixed(1)} MB`);
// How tms-edge compares with another client, in words: "2.3x faster", "1.4x larger".
const WORDS = { time: ["faster", "slower"], size: ["smaller", "larger"], count: ["fewer", "more"] };
const ratio = (edge, other, kind = "time") => {
  if (edge == null || other == null || !(edge > 0) || !(other > 0)) return "n/a";
  const [better, worse] = WORDS[kind];
  if (edge === other) return "same";
  return edge <= other ? `${(other / edge).toFixed(other / edge >= 10 ? 0 : 2)}x ${better}` : `${(edge / other).toFixed(edge / other >= 10 ? 0 : 2)}x ${worse}`;
};
const per = (c, f) => (results.unavailable[c] ? "n/a" : f(c));
const upstreamCell = (x) => (x?.upstream == null ? "n/a" : x.tokenKeys ? `${x.upstream} (+${x.tokenKeys} keys)` : `${x.upstream}`);

const rows = [];
const row = (measure, f, vsBase = "", vsSdk = "", tgt = "") => rows.push([measure, per("tms-edge", f), per("baseline", f), per("sdk", f), vsBase, vsSdk, tgt]);
const H = results.hit;
// edge/other as a ratio already computed (the median of same-run ratios)
const ratioOf = (r) => (r ? ratio(r, 1) : "n/a");
row(`cache hit, per await token() (median of ${CFG.hit.runs}; ${CFG.hit.n} calls, SDK ${CFG.hit.sdkN})`, (c) => ns(H[c].medianNs),
  ratioOf(H.ratioToBaseline), ratioOf(H.sdkOverEdge && 1 / H.sdkOverEdge), "<=1.0x baseline, >=500x faster than SDK");
const HM = results.hitMulti;
row(`cache hit, await token(tenant) over ${HM.tenants} cached tenants`, (c) => ns(HM[c].medianNs),
  ratioOf(HM.ratioToBaseline), ratioOf(HM.sdkOverEdge && 1 / HM.sdkOverEdge));
const B = results.burst;
row(`burst ${CFG.burst.n}, cold, ${CFG.burst.latencyMs} ms: upstream requests`, (c) => upstreamCell(B[c]), ratio(B["tms-edge"].upstream, B.baseline.upstream, "count"), ratio(B["tms-edge"].upstream, B.sdk.upstream, "count"), "1");
row(`burst ${CFG.burst.n}: wall ms (median of ${CFG.burst.runs})`, (c) => ms(B[c].medianWallMs), ratio(B["tms-edge"].medianWallMs, B.baseline.medianWallMs), ratio(B["tms-edge"].medianWallMs, B.sdk.medianWallMs));
row(`burst ${CFG.burst.n}: client CPU ms`, (c) => ms(B[c].medianCpuMs), ratio(B["tms-edge"].medianCpuMs, B.baseline.medianCpuMs), ratio(B["tms-edge"].medianCpuMs, B.sdk.medianCpuMs));
for (const t of CFG.fanout.tenants) {
  const F = results.fanout[t];
  row(`fan-out ${t} tenants, ${CFG.fanout.latencyMs} ms: upstream requests`, (c) => upstreamCell(F[c]), ratio(F["tms-edge"].upstream, F.baseline.upstream, "count"), ratio(F["tms-edge"].upstream, F.sdk.upstream, "count"), `${F.expected}`);
  row(`fan-out ${t}: wall ms (median of ${CFG.fanout.runs})`, (c) => ms(F[c].medianWallMs), ratio(F["tms-edge"].medianWallMs, F.baseline.medianWallMs), ratio(F["tms-edge"].medianWallMs, F.sdk.medianWallMs));
  row(`fan-out ${t}: client CPU ms`, (c) => ms(F[c].medianCpuMs), ratio(F["tms-edge"].medianCpuMs, F.baseline.medianCpuMs), ratio(F["tms-edge"].medianCpuMs, F.sdk.medianCpuMs));
}
const C = results.cold;
row(`cold start: spawn to first token, ms (median of ${CFG.cold.runs})`, (c) => ms(C[c].spawnToTokenMs), ratio(C["tms-edge"].spawnToTokenMs, C.baseline.spawnToTokenMs), ratio(C["tms-edge"].spawnToTokenMs, C.sdk.spawnToTokenMs));
row("cold start: import of the package entry, ms", (c) => ms(C[c].importMs), ratio(C["tms-edge"].importMs, C.baseline.importMs), ratio(C["tms-edge"].importMs, C.sdk.importMs));
row("cold start: first token after import, ms", (c) => ms(C[c].tokenMs), ratio(C["tms-edge"].tokenMs, C.baseline.tokenMs), ratio(C["tms-edge"].tokenMs, C.sdk.tokenMs));
const M = results.memory;
row(`memory: peak RSS, ${M.tenants} tenants cached (bare node ${mb(M.bare.maxRssKB)})`, (c) => mb(M[c].maxRssKB), ratio(M["tms-edge"].maxRssKB, M.baseline.maxRssKB, "size"), ratio(M["tms-edge"].maxRssKB, M.sdk.maxRssKB, "size"));
const above = (c) => (M[c].maxRssKB == null || M.bare.maxRssKB == null ? null : M[c].maxRssKB - M.bare.maxRssKB);
row("memory: peak RSS above bare node", (c) => mb(above(c)), ratio(above("tms-edge"), above("baseline"), "size"), ratio(above("tms-edge"), above("sdk"), "size"));
const live = (c) => (M[c].heapUsedKB == null ? null : M[c].heapUsedKB + M[c].externalKB);
row("memory: JS heap + external (wasm memory) after GC", (c) => mb(live(c)), ratio(live("tms-edge"), live("baseline"), "size"), ratio(live("tms-edge"), live("sdk"), "size"));
const S = results.size;
const sdkSize = (k, f) => (S.sdk[k] && !S.sdk[k].error ? f(S.sdk[k]) : "n/a");
const P = S.pkg ?? { wasm: {}, glue: {}, total: {} };
rows.push(["size: .wasm raw / gzip", `${kb(P.wasm.raw)} / ${kb(P.wasm.gzip)}`, "", "", "", "", ""]);
rows.push(["size: JS glue raw / gzip", `${kb(P.glue.raw)} / ${kb(P.glue.gzip)}`, "", "", "", "", ""]);
rows.push(["size: total gzip (.wasm + glue) vs SDK bundle (package entry)", kb(P.total.gzip), S.baseline?.gzip ? `${kb(S.baseline.gzip)} (minified)` : "n/a", sdkSize("entry", (x) => kb(x.gzip)), "",
  sdkSize("entry", (x) => ratio(P.total.gzip, x.gzip, "size")), "< 90 KiB"]);
rows.push(["size: SDK bundle, deep import of TokenManagerAuth only", "", "", sdkSize("deepImport", (x) => kb(x.gzip)), "", sdkSize("deepImport", (x) => ratio(P.total.gzip, x.gzip, "size")), ""]);

const header = ["measure", "tms-edge", "baseline", "SDK", "tms-edge vs baseline", "tms-edge vs SDK", "target (tms-edge)"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (r) => r.map((x, i) => String(x).padEnd(widths[i])).join(" | ").trimEnd();
const table = [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n");
const mdTable = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
results.table = table;

console.log("");
if (SMOKE) console.log("smoke run: tiny counts, figures are not measurements (node bench/run.mjs for those)");
console.log(table);
console.log("");
for (const [c, why] of Object.entries(results.unavailable)) console.log(`${LABEL[c]}: n/a — ${why}`);
if (!SMOKE) {
  console.log("targets:");
  for (const t of targets) console.log(`  ${t.met === null ? "n/a   " : t.met ? "MET   " : "MISSED"} ${t.name}: ${t.value}`);
  if (S.twiggy) {
    if (S.twiggy.unavailable) console.log(`twiggy: n/a — ${S.twiggy.unavailable}`);
    else {
      console.log(`what costs bytes (twiggy top, ${S.twiggy.note}, ${S.twiggy.bytes} B):`);
      for (const i of S.twiggy.top) console.log(`  ${String(i.bytes).padStart(7)} B ${i.percent.toFixed(2).padStart(6)}%  ${i.name}`);
      console.log("  by crate / module:");
      for (const g of S.twiggy.groups) console.log(`  ${String(g.bytes).padStart(7)} B ${g.percent.toFixed(2).padStart(6)}%  ${g.name} (${g.items} items)`);
    }
  }
}
console.log(`load average: start ${results.meta.loadavgStart.join(" ")}, end ${results.meta.loadavgEnd.join(" ")} (${results.meta.cpus}); ${results.meta.seconds} s`);

const outFile = opt.out ?? (SMOKE ? join(OUT_DIR, "smoke.json") : join(BENCH_DIR, "results.json"));
await mkdir(dirname(outFile), { recursive: true });
await writeFile(outFile, JSON.stringify(results, null, 2) + "\n");
await writeFile(join(OUT_DIR, SMOKE ? "smoke-table.md" : "table.md"), mdTable + "\n");
console.log(`results: ${relative(process.cwd(), outFile)}`);

if (opt["update-doc"] && !SMOKE) {
  // BENCHMARKS.md keeps its prose; only the parts between the markers are generated.
  const doc = join(ROOT, "BENCHMARKS.md");
  let text = await readFile(doc, "utf8");
  const replace = (name, lines) => {
    const [open, close] = [`<!-- bench:${name} -->`, `<!-- /bench:${name} -->`];
    const a = text.indexOf(open), b = text.indexOf(close);
    if (a < 0 || b < a) return check(`BENCHMARKS.md has the ${name} markers`, false, `${open} … ${close}`);
    text = text.slice(0, a) + [open, ...lines, close].join("\n") + text.slice(b + close.length);
  };
  const m = results.meta;
  replace("table", [
    `Run of ${m.date.slice(0, 16).replace("T", " ")} UTC: \`node bench/run.mjs --update-doc\` (${m.seconds} s), Node ${m.node}, ${m.cpus}.`,
    `Load average (1, 5, 15 min) at the start ${m.loadavgStart.join(", ")}, at the end ${m.loadavgEnd.join(", ")}.`,
    "Raw figures, every run: `bench/results.json`.",
    "",
    mdTable,
    "",
    "Targets:",
    "",
    ...targets.map((t) => `- ${t.met === null ? "n/a" : t.met ? "**met**" : "**missed**"}: ${t.name}: ${t.value}`),
    ...Object.entries(results.unavailable).map(([c, why]) => `- ${LABEL[c]}: n/a (${why})`),
  ]);
  const tw = results.size?.twiggy;
  if (tw && !tw.unavailable) {
    const pct = (x) => `${x.toFixed(1)}%`;
    replace("bytes", [
      `twiggy top of \`${tw.file}\` (${tw.note}): ${tw.codeAndDataBytes} B of code and data; the shipped .wasm is ${tw.shippedBytes} B.`,
      "",
      "| by crate / module | bytes | share | items |",
      "|---|---:|---:|---:|",
      ...tw.groups.map((g) => `| \`${g.name}\` | ${g.bytes} | ${pct(g.percent)} | ${g.items} |`),
      "",
      "| largest items | bytes | share |",
      "|---|---:|---:|",
      ...tw.top.map((i) => `| \`${i.name.replace(/::h[0-9a-f]{16}$/, "").replace(/\|/g, "\\|")}\` | ${i.bytes} | ${pct(i.percent)} |`),
    ]);
  }
  await writeFile(doc, text);
  console.log("BENCHMARKS.md: generated sections updated");
}

const failed = checks.filter((c) => !c.ok);
for (const c of failed) console.log(`FAILED: ${c.name} ${c.detail}`);
console.log(`bench${SMOKE ? " smoke" : " checks"}: ${checks.length - failed.length} passed, ${failed.length} failed${results.unavailable.sdk ? ", 1 skipped" : ""}`);
process.exit(failed.length ? 1 : 0);
