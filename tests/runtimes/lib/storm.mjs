// The workerd concurrency experiment: `n` concurrent requests to the quick start worker on a cold
// cache (a fresh workerd), the first `aborted` of them aborted by their clients while the
// upstream request is in flight (emulator latency `latencyMs`).
//
// via "binding": the clients are a driver worker calling the quick start through a service
//   binding; an abort there is a client disconnect for workerd (request.signal fires).
// via "tcp": the clients are Node fetches over TCP to Miniflare; workerd, run locally, does not
//   notice those disconnects while a handler is pending (request.signal does not fire and the
//   handler runs on), so this only shows the no-abort behaviour.
import { join } from "node:path";
import { bundleWorkerd } from "./bundle.mjs";
import { HERE, OUT } from "./setup.mjs";
import { envFor, startWorkerd, startWorkerdWithDriver } from "./workerd.mjs";

export async function buildQuickstart(consumer, entry = join(HERE, "quickstart/worker.js"), name = "quickstart") {
  return bundleWorkerd(entry, join(OUT, "workerd", name), consumer);
}

export const DRIVER = join(HERE, "runners/workerd-driver.js");

async function viaTcp(worker, emu, { n, aborted, abortAfterMs, tenant }) {
  const started = Date.now();
  const send = (i, signal) => {
    const t0 = Date.now();
    return fetch(`${worker.url}?tenant=${tenant}&i=${i}`, { signal }).then(
      async (res) => ({ i, status: res.status, body: await res.json(), ms: Date.now() - t0 }),
      (e) => ({ i, status: e.name === "AbortError" ? "aborted" : "error", error: String(e), ms: Date.now() - t0 }),
    );
  };
  const controllers = Array.from({ length: n }, () => new AbortController());
  const pending = [];
  for (let i = 0; i < aborted; i++) pending.push(send(i, controllers[i].signal));
  if (aborted > 0) {
    const deadline = Date.now() + 5000;
    while ((await (await fetch(`${emu.url}/_emulator/stats`)).json()).requests.token < 1) {
      if (Date.now() > deadline) throw new Error("the leader's upstream request never arrived");
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const leaderAt = Date.now() - started;
  for (let i = aborted; i < n; i++) pending.push(send(i, controllers[i].signal));
  await new Promise((r) => setTimeout(r, abortAfterMs));
  for (let i = 0; i < aborted; i++) controllers[i].abort();
  const abortAt = Date.now() - started;
  const results = await Promise.all(pending);
  return { results, leaderAt, abortAt, wallMs: Date.now() - started };
}

/**
 * Returns { upstream, ok, others, failed, statuses, distinctTokens, maxMs, p50Ms, warnings, ... }.
 * `emu` must be a running emulator; its latency is set to `latencyMs` for the run.
 */
export async function storm({ script, emu, via = "binding", n = 200, aborted = 10, abortAfterMs = 50, latencyMs = 300, flags, tenant = "tenant001", bindings = {} }) {
  const ctl = (path, body) =>
    fetch(`${emu.url}/_emulator/${path}`, { method: "POST", body: body && JSON.stringify(body) }).then((r) => r.json());
  await ctl("reset");
  await ctl("config", { latencyMs });
  const opts = { bindings: { ...envFor(emu), ...bindings }, ...(flags ? { flags } : {}) };
  const worker = via === "binding" ? await startWorkerdWithDriver(DRIVER, script, opts) : await startWorkerd(script, opts);
  try {
    let run;
    if (via === "binding") {
      const res = await fetch(worker.url, { method: "POST", body: JSON.stringify({ n, aborted, abortAfterMs, tenant, emulator: emu.url }) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`driver: HTTP ${res.status}: ${text.slice(0, 2000)}\n${worker.output.join("").slice(-3000)}`);
      run = JSON.parse(text);
    } else {
      run = await viaTcp(worker, emu, { n, aborted, abortAfterMs, tenant });
    }
    // Let workerd finish what aborted requests left behind, and print any warnings.
    await new Promise((r) => setTimeout(r, 500));
    const stats = await (await fetch(`${emu.url}/_emulator/stats`)).json();
    const { results } = run;
    const rest = results.filter((r) => r.i >= aborted);
    const okMs = rest.filter((r) => r.status === 200).map((r) => r.ms).sort((a, b) => a - b);
    const statuses = {};
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const output = worker.output.join("");
    return {
      via,
      upstream: stats.requests.token,
      ok: okMs.length,
      others: rest.length,
      abortedByClient: results.filter((r) => r.i < aborted && r.status === "aborted").length,
      failed: rest.filter((r) => r.status !== 200).map((r) => ({ i: r.i, status: r.status, body: r.body, error: r.error })),
      statuses,
      distinctTokens: new Set(rest.filter((r) => r.status === 200).map((r) => r.body.expiresAt)).size,
      maxMs: okMs.at(-1),
      p50Ms: okMs[Math.floor(okMs.length / 2)],
      leaderAt: run.leaderAt,
      abortAt: run.abortAt,
      wallMs: run.wallMs,
      warnings: output.match(/[^\n]*different request context[^\n]*/g) ?? [],
      output,
    };
  } finally {
    await worker.dispose();
    await ctl("config", { latencyMs: 0 });
  }
}
