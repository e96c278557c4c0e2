// CPU per request of a Worker in workerd (Miniflare): the figure Cloudflare bills and limits.
// make bench runs it after run.mjs and extra.mjs. See BENCHMARKS.md, "Worker request path in
// workerd".
//
//   node bench/workerd.mjs [--requests N] [--rounds R] [--json]
//       N measured requests per row (default 3000), in R rounds (default 10); --json adds one
//       line with every figure (and each round's) after the table
//   node bench/workerd.mjs --requests 200     a quick check (a few seconds)
//
// Inside workerd the clocks stand still while code runs (Spectre mitigation), so the CPU is read
// from outside: the workerd process Miniflare spawned (a child of this process), its CPU time
// from /proc before and after N sequential requests to one worker, divided by N. Two readings:
// the sum of its threads' run time (/proc/<pid>/task/*/schedstat, nanoseconds), which the table
// reports, and utime + stime (/proc/<pid>/stat, clock ticks of 1/CLK_TCK s), the cross-check.
// Rows: a control worker (bench/workers/control.js, a constant Response: workerd's own cost of a
// request); the token worker (bench/workers/tms.js) on a route that skips the token call; a
// cache hit (one tenant; 100 tenants in turn); a hand-written miss without the library
// (bench/workers/fetch.js: the same upstream request, fetch and res.json(): the floor of any
// miss); the library's misses (a tenant new to the isolate; invalidate then token(); a new tenant
// with `verify: true`), one upstream request each. Each row is warmed up first, then
// measured in R rounds (--rounds, default 10) of N/R requests, the rows interleaved and their
// order rotating. Correctness is checked and fatal: every response 200 "ok", the emulator's
// upstream request count (0 for a hit row, N for a miss row), the worker's own tm.stats().
//
// Linux only (/proc). Needs pkg/ built (make build) and the root dev dependencies (miniflare,
// esbuild, undici). The emulator runs in its own process (bench/lib/emulator.mjs); everything is
// on 127.0.0.1.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { startBenchEmulator } from "./lib/emulator.mjs";
import { installPackage } from "./lib/pkg.mjs";
import { BENCH_DIR, OUT_DIR } from "./lib/paths.mjs";

const usage = (msg) => {
  process.stderr.write(`bench/workerd: ${msg}\nusage: node bench/workerd.mjs [--requests N] [--rounds R] [--json]\n`);
  process.exit(2);
};
let opt;
try {
  ({ values: opt } = parseArgs({ options: { requests: { type: "string", default: "3000" }, rounds: { type: "string", default: "10" }, json: { type: "boolean", default: false } }, strict: true }));
} catch (err) {
  usage(err.message);
}
const N = Number(opt.requests);
if (!(Number.isInteger(N) && N >= 1)) usage("--requests must be a positive integer");
const ROUNDS = Math.min(N, Number(opt.rounds));
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1)) usage("--rounds must be a positive integer");
if (process.platform !== "linux" || !existsSync("/proc/self/stat")) usage("needs Linux /proc (the CPU is read from /proc/<workerd pid>)");
const WARM = Math.min(300, Math.max(50, Math.round(N / 10))); // warm-up requests per row
const HIT_TENANTS = 100;

const T0 = performance.now();
const say = (s) => process.stderr.write(`[${((performance.now() - T0) / 1000).toFixed(1)} s] ${s}\n`);

// No proxy settings for anything started here (127.0.0.1 only).
for (const k of ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]) delete process.env[k];
// Miniflare makes a miniflare-<random> directory under os.tmpdir() and workerd inherits TMPDIR:
// both go into a directory of this run's own, removed at the end.
const TMP = mkdtempSync(join(tmpdir(), "tms-bench-workerd-"));
process.env.TMPDIR = TMP;

// --- the workerd process and its CPU time --------------------------------------------------------

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** /proc/<pid>/stat after the command name (which may hold spaces): [state, ppid, …]. */
function statFields(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = s.lastIndexOf(")");
  return { comm: s.slice(s.indexOf("(") + 1, close), rest: s.slice(close + 2).split(" ") };
}

/** The workerd process(es) that are children of this process. */
function workerdChildren() {
  const found = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const { comm, rest } = statFields(d);
      if (Number(rest[1]) === process.pid && comm.includes("workerd")) found.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * CPU time of process `pid`: { ns: its threads' run time summed, ticksNs: utime + stime, threads }.
 * A thread that ends between two readings takes its run time out of `ns` (not out of utime +
 * stime, which keep the time of ended threads): the two columns would then disagree.
 */
function cpuOf(pid) {
  let ns = 0, threads = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
      threads++;
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  const { rest } = statFields(pid);
  const ticks = Number(rest[11]) + Number(rest[12]); // fields 14 and 15: utime, stime
  return { ns, ticksNs: (ticks * 1e9) / CLK_TCK, threads };
}
const since = (a, b) => ({ ns: b.ns - a.ns, ticksNs: b.ticksNs - a.ticksNs });

// --- set-up ---------------------------------------------------------------------------------------

const checks = [];
const check = (name, ok, detail = "") => {
  checks.push({ name, ok: Boolean(ok), detail });
  if (!ok) say(`FAILED: ${name} ${detail}`);
};

let emu, mf, clients = [], workerdPid = null;
const rows = [];
const meta = {
  date: new Date().toISOString(),
  command: `node bench/workerd.mjs${process.argv.slice(2).length ? " " + process.argv.slice(2).join(" ") : ""}`,
  node: process.version,
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? "?"}`,
  loadavgStart: loadavg().map((x) => +x.toFixed(2)),
  requestsPerRow: N,
  rounds: ROUNDS,
  warmupPerRow: WARM,
  clkTck: CLK_TCK,
};

async function cleanup() {
  for (const c of clients) await c.close().catch(() => {});
  if (mf) await mf.dispose().catch((e) => say(`miniflare dispose: ${e.message}`));
  if (emu) await emu.stop().catch(() => {});
  if (workerdPid !== null) {
    for (let i = 0; i < 50 && existsSync(`/proc/${workerdPid}`); i++) await sleep(20);
    if (existsSync(`/proc/${workerdPid}`)) say(`workerd ${workerdPid} still running after dispose`);
  }
  rmSync(TMP, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

// On any exit, also one forced by a signal (Miniflare's own exit hook calls process.exit on
// SIGINT/SIGTERM, before an async clean-up could run): stop the emulator and workerd if they
// are still there (this process's children only), remove the temporary directory.
const isChild = (pid) => {
  try {
    return Number(statFields(pid).rest[1]) === process.pid;
  } catch {
    return false;
  }
};
process.on("exit", () => {
  for (const [pid, sig] of [[emu?.pid, "SIGTERM"], [workerdPid, "SIGKILL"]]) {
    if (pid && isChild(pid)) try { process.kill(pid, sig); } catch { /* gone */ }
  }
  try { rmSync(TMP, { recursive: true, force: true }); } catch { /* nothing to remove */ }
});
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(sig === "SIGINT" ? 130 : 143));

let failedEarly = null;
try {
  const { Miniflare } = await import("miniflare");
  const { Client } = await import("undici");
  const { bundleWorkerd } = await import("../tests/runtimes/lib/bundle.mjs");
  const { COMPAT_DATE, COMPAT_FLAGS, envFor } = await import("../tests/runtimes/lib/workerd.mjs");

  const pkg = await installPackage();
  meta.pkgHash = pkg.hash.slice(0, 16);
  const tmsScript = await bundleWorkerd(join(BENCH_DIR, "workers/tms.js"), join(OUT_DIR, "workerd"), pkg.dir);
  const controlScript = join(BENCH_DIR, "workers/control.js");
  const fetchScript = join(BENCH_DIR, "workers/fetch.js");

  // Tenants: HIT_TENANTS for the hit rows, then the new ones the miss rows take (warm-up + N);
  // the verify worker is another isolate with its own cache and takes the same new ones.
  const missStart = HIT_TENANTS;
  emu = await startBenchEmulator({ tenants: HIT_TENANTS + WARM + N }, process.env);
  const T = emu.tenants;

  const rules = [
    { type: "ESModule", include: ["**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ];
  const worker = (name, script, bindings = {}) => ({
    name,
    modules: true,
    scriptPath: script,
    modulesRoot: dirname(script),
    modulesRules: rules,
    compatibilityDate: COMPAT_DATE,
    compatibilityFlags: COMPAT_FLAGS,
    bindings,
    // A socket straight into the worker: no Miniflare entry worker in front of it.
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  });
  const output = [];
  const before = new Set(workerdChildren());
  mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", (d) => output.push(String(d)));
      stderr.on("data", (d) => output.push(String(d)));
    },
    workers: [
      worker("control", controlScript),
      worker("fetch", fetchScript, envFor(emu)),
      worker("tms", tmsScript, envFor(emu)),
      worker("tms-verify", tmsScript, { ...envFor(emu), BENCH_VERIFY: "1" }),
    ],
  });
  try {
    await mf.ready;
  } catch (e) {
    throw new Error(`workerd did not start: ${e.message}\n${output.join("").slice(-3000)}`);
  }
  const spawned = workerdChildren().filter((p) => !before.has(p));
  if (spawned.length !== 1) throw new Error(`expected one workerd child of this process, found ${spawned.length} (${spawned.join(", ")})`);
  workerdPid = spawned[0];
  meta.workerd = { pid: workerdPid, exe: (() => { try { return readFileSync(`/proc/${workerdPid}/cmdline`, "utf8").split("\0")[0].split("/").slice(-3).join("/"); } catch { return "?"; } })() };
  const urls = {};
  for (const name of ["control", "fetch", "tms", "tms-verify"]) urls[name] = new URL(await mf.unsafeGetDirectURL(name));

  // One keep-alive connection per worker, one request at a time.
  const client = {};
  for (const [name, u] of Object.entries(urls)) clients.push((client[name] = new Client(u.origin, { pipelining: 1, keepAliveTimeout: 60_000 })));
  const get = async (name, path) => {
    const { statusCode, body } = await client[name].request({ method: "GET", path });
    return { status: statusCode, text: await body.text() };
  };
  const workerStats = async (name) => JSON.parse((await get(name, "/stats")).text);

  // Idle: what workerd burns with nothing to do (background threads), over 0.5 s.
  {
    const a = cpuOf(workerdPid);
    await sleep(500);
    const b = cpuOf(workerdPid);
    meta.idleCpuUsPerSecond = +((2 * since(a, b).ns) / 1000).toFixed(0);
    meta.workerdThreads = b.threads;
  }

  // The rows. `path(i)`: the i-th request of the row (i counts on across warm-up and rounds).
  const hitOne = T[0];
  const fresh = (i) => T[missStart + i]; // a tenant that isolate has not asked for before
  const missExpect = { expectUpstream: 1, expect: { misses: 1, upstreamRequests: 1 } }; // per request
  const specs = [
    { key: "control", measure: "control: empty worker, constant Response", worker: "control", path: () => "/" },
    { key: "none", measure: "the token worker, a route without the token call", worker: "tms", path: () => `/none?t=${hitOne}` },
    { key: "hit", measure: "hit: await tm.token(tenant), one cached tenant", worker: "tms", path: () => `/token?t=${hitOne}`,
      expectUpstream: 0, expect: { hits: 1, misses: 0 } },
    { key: "hit100", measure: `hit: await tm.token(tenant), ${HIT_TENANTS} cached tenants in turn`, worker: "tms",
      path: (i) => `/token?t=${T[i % HIT_TENANTS]}`, expectUpstream: 0, expect: { hits: 1, misses: 0 },
      prefill: T.slice(0, HIT_TENANTS).map((t) => `/token?t=${t}`) },
    { key: "fetch", measure: "hand-written miss: fetch POST /oauth/token, res.json(), no library", worker: "fetch",
      path: (i) => `/?t=${fresh(i)}`, expectUpstream: 1 },
    { key: "miss", measure: "miss: a tenant new to the isolate (one upstream token request)", worker: "tms", path: (i) => `/token?t=${fresh(i)}`, ...missExpect },
    { key: "refetch", measure: "miss: tm.invalidate(tenant), then await tm.token(tenant)", worker: "tms", path: () => `/refetch?t=${hitOne}`, ...missExpect },
    { key: "missVerify", measure: "miss with verify: true (RS256 check in WebCrypto)", worker: "tms-verify", path: (i) => `/token?t=${fresh(i)}`,
      ...missExpect, noKeys: true },
  ];
  for (const sp of specs) Object.assign(sp, { i: 0, bad: 0, firstBad: null, segments: [], lat: new Float64Array(N), n: 0 });
  const send = async (sp) => {
    const path = sp.path(sp.i++);
    const r = await get(sp.worker, path);
    if (r.status !== 200 || r.text !== "ok") {
      sp.bad++;
      sp.firstBad ??= `${path}: HTTP ${r.status} ${r.text.slice(0, 200)}`;
    }
  };

  /**
   * One segment of a row: `n` sequential requests; the CPU of workerd, of this process and of
   * the emulator across them only, and the upstream requests and tm.stats() changes they made.
   */
  async function segment(sp, n) {
    await emu.reset();
    const s0 = sp.expect ? await workerStats(sp.worker) : null;
    await sleep(10);
    const w0 = cpuOf(workerdPid), e0 = cpuOf(emu.pid), c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let k = 0; k < n; k++) {
      const t = performance.now();
      await send(sp);
      sp.lat[sp.n++] = performance.now() - t;
    }
    const wallMs = performance.now() - t0;
    await sleep(10); // whatever workerd does right after the last response
    const w = since(w0, cpuOf(workerdPid)), e = since(e0, cpuOf(emu.pid)), c = process.cpuUsage(c0);
    const up = await emu.requests();
    const s1 = sp.expect ? await workerStats(sp.worker) : null;
    sp.segments.push({
      n, wallMs, cpuNs: w.ns, cpuTicksNs: w.ticksNs, emulatorNs: e.ns, clientUs: c.user + c.system,
      upstream: { token: up.token, batch: up.batch, userTenants: up.userTenants, tokenKeys: up.tokenKeys },
      workerStats: s1 && Object.fromEntries(["hits", "misses", "upstreamRequests"].map((k) => [k, s1[k] - s0[k]])),
    });
  }

  say(`workerd ${workerdPid} (${meta.workerdThreads} threads, idle ${meta.idleCpuUsPerSecond} µs CPU/s); CLK_TCK ${CLK_TCK}; ` +
    `${N} requests per row in ${ROUNDS} interleaved rounds, after ${WARM} warm-up requests per row`);
  for (const sp of specs) {
    for (const p of sp.prefill ?? []) {
      const r = await get(sp.worker, p);
      if (r.status !== 200 || r.text !== "ok") throw new Error(`${sp.key}: prefill ${p}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
    }
    for (let k = 0; k < WARM; k++) await send(sp);
  }
  // Rounds: every row gets a share of N in each, the order rotating, so that drift of the
  // machine (other work on the two cores) spreads over all rows alike.
  for (let r = 0; r < ROUNDS; r++) {
    const n = Math.floor(N / ROUNDS) + (r < N % ROUNDS ? 1 : 0);
    for (let j = 0; j < specs.length; j++) await segment(specs[(j + r) % specs.length], n);
    say(`  round ${r + 1}/${ROUNDS} done`);
  }

  for (const sp of specs) {
    const sum = (f) => sp.segments.reduce((t, x) => t + f(x), 0);
    const lat = sp.lat.slice(0, sp.n).sort();
    const perSeg = sp.segments.map((x) => x.cpuNs / 1000 / x.n);
    const up = Object.fromEntries(["token", "batch", "userTenants", "tokenKeys"].map((k) => [k, sum((x) => x.upstream[k])]));
    const r = {
      key: sp.key,
      measure: sp.measure,
      requests: sp.n,
      cpuUsPerRequest: sum((x) => x.cpuNs) / 1000 / sp.n,
      cpuUsPerRequestRounds: perSeg.map((x) => +x.toFixed(2)),
      cpuTicksUsPerRequest: sum((x) => x.cpuTicksNs) / 1000 / sp.n,
      wallUsPerRequest: (sum((x) => x.wallMs) * 1000) / sp.n,
      p50Us: lat[Math.floor(sp.n / 2)] * 1000,
      p99Us: lat[Math.min(sp.n - 1, Math.floor(sp.n * 0.99))] * 1000,
      clientCpuUsPerRequest: sum((x) => x.clientUs) / sp.n,
      emulatorCpuUsPerRequest: sum((x) => x.emulatorNs) / 1000 / sp.n,
      upstream: up,
      workerStats: sp.expect ? Object.fromEntries(Object.keys(sp.expect).map((k) => [k, sum((x) => x.workerStats[k] ?? 0)])) : null,
    };
    rows.push(r);
    check(`${sp.key}: every response 200 "ok"`, sp.bad === 0, sp.bad ? `${sp.bad} of ${sp.i} not; first: ${sp.firstBad}` : "");
    const tms = up.token + up.batch + up.userTenants;
    if (sp.expectUpstream !== undefined) {
      const want = sp.expectUpstream * sp.n;
      check(`${sp.key}: ${want} upstream TMS requests for ${sp.n} requests`, tms === want, `${tms} (${JSON.stringify(up)})`);
    }
    for (const [k, v] of Object.entries(sp.expect ?? {})) check(`${sp.key}: tm.stats().${k} +${v * sp.n}`, r.workerStats[k] === v * sp.n, `+${r.workerStats[k]}`);
    if (sp.noKeys) check(`${sp.key}: signing keys fetched during the warm-up only`, up.tokenKeys === 0, `${up.tokenKeys} token_keys requests`);
    say(`  ${sp.measure}: ${r.cpuUsPerRequest.toFixed(1)} µs CPU/request (rounds ${perSeg.map((x) => x.toFixed(0)).join(", ")}; ` +
      `ticks ${r.cpuTicksUsPerRequest.toFixed(1)}), wall ${r.wallUsPerRequest.toFixed(0)} µs, emulator ${r.emulatorCpuUsPerRequest.toFixed(0)} µs`);
  }

  const warnings = output.join("").match(/[^\n]*(different request context|Uncaught|Error)[^\n]*/g) ?? [];
  meta.workerdWarnings = warnings.slice(0, 5);
  check("workerd printed no errors or cross-request warnings", warnings.length === 0, warnings.slice(0, 3).join(" | "));
} catch (err) {
  failedEarly = err;
} finally {
  await cleanup();
}
meta.loadavgEnd = loadavg().map((x) => +x.toFixed(2));
meta.seconds = +((performance.now() - T0) / 1000).toFixed(1);
meta.tmpLeft = existsSync(TMP);
if (failedEarly) {
  say(`bench/workerd: ${failedEarly.stack ?? failedEarly}`);
  process.exit(1);
}

// --- report ---------------------------------------------------------------------------------------

const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
const floor = byKey.control.cpuUsPerRequest;
meta.controlUsPerRequest = +floor.toFixed(2);
// Net of the control, and its standard error from the per-round differences (row minus the
// control in the same round: the machine's drift between rounds cancels).
const pairedSe = (a, b) => {
  const d = a.map((x, i) => x - b[i]);
  if (d.length < 2) return null;
  const m = d.reduce((t, x) => t + x, 0) / d.length;
  return Math.sqrt(d.reduce((t, x) => t + (x - m) ** 2, 0) / (d.length - 1) / d.length);
};
for (const r of rows) {
  r.netUsPerRequest = r.key === "control" ? null : r.cpuUsPerRequest - floor;
  r.netSeUs = r.key === "control" ? null : pairedSe(r.cpuUsPerRequestRounds, byKey.control.cpuUsPerRequestRounds);
}
// The library's share of a miss: the miss minus the hand-written one (the same upstream request).
meta.libraryShareOfMissUs = {};
for (const k of ["miss", "refetch", "missVerify"]) {
  meta.libraryShareOfMissUs[k] = {
    us: +(byKey[k].cpuUsPerRequest - byKey.fetch.cpuUsPerRequest).toFixed(1),
    se: ((se) => (se === null ? null : +se.toFixed(1)))(pairedSe(byKey[k].cpuUsPerRequestRounds, byKey.fetch.cpuUsPerRequestRounds)),
  };
}

const us = (x) => (x == null ? "" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const signed = (x, se) => (x == null ? "(floor)" : `${x >= 0 ? "+" : "−"}${us(Math.abs(x))}${se == null ? "" : ` ± ${us(se)}`}`);
const upCell = (r) => `${r.upstream.token + r.upstream.batch + r.upstream.userTenants}${r.upstream.tokenKeys ? ` (+${r.upstream.tokenKeys} keys)` : ""}`;
const range = (r) => `${us(Math.min(...r.cpuUsPerRequestRounds))}–${us(Math.max(...r.cpuUsPerRequestRounds))}`;
const header = ["measure (workerd, Miniflare)", "workerd CPU µs/request", "rounds: min–max", "net of control, µs (± s.e.)", "utime+stime µs/request (ticks)", "wall µs/request (p50 / p99)", "client CPU µs/request", "upstream TMS requests"];
const lines = rows.map((r) => [r.measure, us(r.cpuUsPerRequest), range(r), signed(r.netUsPerRequest, r.netSeUs), us(r.cpuTicksUsPerRequest), `${us(r.wallUsPerRequest)} (${us(r.p50Us)} / ${us(r.p99Us)})`, us(r.clientCpuUsPerRequest), `${upCell(r)} of ${r.requests}`]);
const table = [`| ${header.join(" | ")} |`, `|---|${header.slice(1).map(() => "---:").join("|")}|`, ...lines.map((l) => `| ${l.join(" | ")} |`)].join("\n");

console.log(`workerd CPU per request, ${N} sequential requests per row in ${ROUNDS} interleaved rounds (${WARM} warm-up first); workerd pid ${meta.workerd.pid}, ${meta.workerdThreads} threads, idle ${meta.idleCpuUsPerSecond} µs CPU/s; CLK_TCK ${CLK_TCK} (utime+stime in ${1000 / CLK_TCK} ms steps: ±${us((2 * 1e6) / CLK_TCK / N)} µs/request here)`);
console.log(table);
const share = meta.libraryShareOfMissUs;
console.log(`the library's share of a miss (the row minus the hand-written miss): new tenant ${signed(share.miss.us, share.miss.se)} µs, ` +
  `invalidate + token ${signed(share.refetch.us, share.refetch.se)} µs, verify: true ${signed(share.missVerify.us, share.missVerify.se)} µs`);
console.log(`load average: start ${meta.loadavgStart.join(" ")}, end ${meta.loadavgEnd.join(" ")} (${meta.cpus}); ${meta.seconds} s`);
const failed = checks.filter((c) => !c.ok);
for (const c of failed) console.log(`FAILED: ${c.name} ${c.detail}`);
console.log(`bench workerd checks: ${checks.length - failed.length} passed, ${failed.length} failed`);
if (opt.json) console.log(JSON.stringify({ meta, rows, checks }));
process.exit(failed.length ? 1 : 0);
