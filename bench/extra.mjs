// Rows of BENCHMARKS.md that need no vendor SDK or child processes (make bench runs them after
// run.mjs): the outage row (refresh back-off), the cost of `verify: true` per token obtained,
// and a cache hit with `verify: true`. In-process emulator on 127.0.0.1.
//
//   node bench/extra.mjs [--only outage,verify] [--json]
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startEmulator } from "../emulator/server.mjs";

const { values } = parseArgs({ options: { only: { type: "string" }, json: { type: "boolean", default: false } } });
const only = values.only ? new Set(values.only.split(",")) : null;
const want = (s) => !only || only.has(s);
const lib = await import(new URL("../pkg/node.js", import.meta.url).href);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rows = [];

/**
 * Outage: 12 tenants, retries 0, the TMS answering 503 for 60 s from their refresh point on,
 * one tm.fetch per tenant every second. Budget (issue): at most 12 x 8 upstream token
 * requests, every call served with a valid token.
 */
async function outage() {
  // expires_in 149 s, refreshBeforeExpiry 74 s: the refresh point comes 60..75 s after issue
  // (margin 74 s, jitter up to 15 s), and the cached token stays valid through the outage.
  const emu = await startEmulator({ port: 0, quiet: true, tenants: 12, lifetimeSec: 150 });
  const c = emu.credentials;
  const tm = new lib.TokenManager({ ...c, gateway: emu.url, retries: 0, refreshBeforeExpiry: 74 });
  const tenants = Array.from({ length: 12 }, (_, i) => `tenant${String(i + 1).padStart(3, "0")}`);
  const first = await Promise.all(tenants.map((t) => tm.token(t)));
  // Refresh point: expiresAt - 74 s - jitter: wait until every tenant is past it.
  const refreshAll = Math.max(...first.map((t) => t.expiresAt)) - 74_000;
  await sleep(refreshAll - Date.now() + 50);
  emu.faults([{ endpoint: "token", kind: 503, count: -1 }]);
  const before = emu.stats().requests.token;
  let calls = 0, served = 0, invalid = 0;
  const api = (t) => `${emu.url}/api/kpi/v1/tenants/${t}/kpis`;
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const tick = Date.now();
    await Promise.all(
      tenants.map(async (t) => {
        calls++;
        const res = await tm.fetch(t, api(t)).catch(() => null);
        if (res?.status === 200) served++;
        else invalid++;
        await res?.text();
      }),
    );
    await sleep(Math.max(0, 1000 - (Date.now() - tick)));
  }
  const requests = emu.stats().requests.token - before;
  await emu.close();
  rows.push({
    measure: "outage: 12 tenants, 503 for 60 s from the refresh point, 1 call/tenant/s, retries 0: upstream token requests",
    value: requests,
    budget: "<= 96 (12 x 8); before the back-off 12 x 60",
    detail: `${served}/${calls} calls served with a valid token (${invalid} not)`,
    met: requests <= 96 && invalid === 0,
  });
}

/** verify: the cost per token obtained, and a hit with verify on. */
async function verify() {
  const emu = await startEmulator({ port: 0, quiet: true, tenants: 400 });
  const c = emu.credentials;
  const tenants = Array.from({ length: 400 }, (_, i) => `tenant${String(i + 1).padStart(3, "0")}`);
  const perToken = async (verify, list) => {
    const tm = new lib.TokenManager({ ...c, gateway: emu.url, verify });
    await tm.token(list[0]); // keys fetched, connections warm
    const t0 = performance.now();
    for (const t of list.slice(1)) await tm.token(t);
    return { tm, ms: (performance.now() - t0) / (list.length - 1) };
  };
  const plain = await perToken(false, tenants.slice(0, 200));
  const checked = await perToken(true, tenants.slice(200));
  const hit = (tm, t) => {
    const n = 1_000_000;
    return (async () => {
      for (let i = 0; i < 100_000; i++) await tm.token(t);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await tm.token(t);
      return ((performance.now() - t0) * 1e6) / n;
    })();
  };
  const hitPlain = await hit(plain.tm, tenants[1]);
  const hitChecked = await hit(checked.tm, tenants[201]);
  await emu.close();
  rows.push({
    measure: "verify: true, per token obtained (sequential token() calls, emulator on loopback)",
    value: `${checked.ms.toFixed(2)} ms vs ${plain.ms.toFixed(2)} ms without`,
    budget: "one RS256 check (WebCrypto) per token obtained",
    detail: `+${(checked.ms - plain.ms).toFixed(2)} ms per token; keys fetched once`,
    met: null,
  });
  rows.push({
    measure: "verify: true, cache hit per await token()",
    value: `${hitChecked.toFixed(0)} ns vs ${hitPlain.toFixed(0)} ns without`,
    budget: "unchanged: no signature work on a hit",
    detail: "",
    met: hitChecked < hitPlain * 1.5,
  });
}

if (want("verify")) await verify();
if (want("outage")) await outage();
for (const r of rows) console.log(`| ${r.measure} | ${r.value} | ${r.budget} | ${r.detail} | ${r.met === null ? "n/a" : r.met ? "met" : "MISSED"} |`);
if (values.json) console.log(JSON.stringify(rows));
