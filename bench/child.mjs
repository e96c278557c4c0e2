// One measurement of one client in a fresh Node process, so that clients never share a heap,
// a JIT profile or a warm cache. Run by run.mjs:
//   node bench/child.mjs '{"mode":"hit","client":"tms-edge","url":…,"credentials":{…},…}'
// Prints one line "RESULT {json}" on stdout (and nothing else there).
//
// Modes: hit {n, warmup, variants: ["default" | "multi"], tenants} · burst {n} ·
//        fanout {tenants, concurrency} · cold {} · memory {tenants, concurrency} ·
//        bare {} (a Node process that loads nothing: the memory floor)
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

// "-": the spec is on stdin (run.mjs does that when it is too long for one argument).
const spec = JSON.parse(process.argv[2] === "-" ? readFileSync(0, "utf8") : process.argv[2]);

/**
 * Burst and fan-out measure a cold *cache*, not a cold process: first load both HTTP stacks the
 * clients use (global fetch for tms-edge and the baseline, node:http's global agent for the
 * SDK's node-fetch) with one control-plane request each, which the emulator does not count.
 * The one-time cost of a first request is what the cold-start rows measure.
 */
async function warmHttp() {
  const url = `${spec.url}/_emulator/config`;
  await (await fetch(url)).text();
  const http = await import("node:http");
  await new Promise((resolve, reject) => {
    http.get(url, (res) => res.resume().on("end", resolve)).on("error", reject);
  });
}
/** CPU time (user + system) of this process since `from`, in ms. */
const cpuSince = (from) => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};
const out = (result) => process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);

async function main() {
  if (spec.mode === "bare") {
    global.gc?.();
    return { maxRssKB: process.resourceUsage().maxRSS, rssKB: Math.round(process.memoryUsage().rss / 1024) };
  }

  const adapterUrl = new URL(`./clients/${spec.client}.mjs`, import.meta.url);
  const t0 = performance.now();
  const adapter = await import(adapterUrl.href);
  try {
    await adapter.load(spec);
  } catch (err) {
    if (err.unavailable) return { unavailable: err.message };
    throw err;
  }
  const importMs = performance.now() - t0;
  const client = adapter.create(spec);

  switch (spec.mode) {
    case "cold": {
      const first = await client.token();
      const tFirst = performance.now();
      if (typeof client.accessToken(first) !== "string") throw new Error("first token is not a string");
      // performance.now() counts from the start of this process (performance.timeOrigin).
      return { importMs, firstTokenMs: tFirst, tokenMs: tFirst - t0 - importMs };
    }

    case "hit": {
      // spec.variants: "default" = `await token()` for the default (host) tenant, one cache
      // entry; "multi" = the cache filled for every tenant of spec.tenants first, then the calls
      // cycle through them with `await token(tenant)` (a multi-tenant worker's hits).
      const result = {};
      for (const variant of spec.variants ?? ["default"]) {
        result[variant] = await hitLoop(client, variant === "multi" ? spec.tenants : null);
      }
      return result;
    }

    case "burst": {
      await warmHttp();
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      const results = await Promise.all(Array.from({ length: spec.n }, () => client.token()));
      const wallMs = performance.now() - start;
      const cpuMs = cpuSince(cpu0);
      const distinct = new Set(results.map(client.accessToken)).size;
      if (!results.every((r) => typeof client.accessToken(r) === "string")) throw new Error("a burst call got no token");
      return { wallMs, cpuMs, calls: results.length, distinctTokens: distinct };
    }

    case "fanout": {
      await warmHttp();
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      const r = await client.fanout(spec.tenants, { concurrency: spec.concurrency });
      return { wallMs: performance.now() - start, cpuMs: cpuSince(cpu0), ...r };
    }

    case "memory": {
      const r = await client.fanout(spec.tenants, { concurrency: spec.concurrency });
      global.gc?.();
      await new Promise((res) => setTimeout(res, 50));
      global.gc?.();
      const m = process.memoryUsage();
      // Keep the client (and its cache) reachable until after the measurement.
      if (!client.retained) throw new Error("nothing retained");
      return {
        ...r,
        maxRssKB: process.resourceUsage().maxRSS,
        rssKB: Math.round(m.rss / 1024),
        heapUsedKB: Math.round(m.heapUsed / 1024),
        externalKB: Math.round(m.external / 1024), // includes ArrayBuffers, so the wasm memory
      };
    }

    default:
      throw new Error(`unknown mode ${spec.mode}`);
  }
}

/** ns per `await token()` over spec.n calls after spec.warmup, every call checked to be a hit. */
async function hitLoop(client, tenants) {
  let expected;
  if (tenants) {
    const r = await client.fanout(tenants, { concurrency: spec.concurrency ?? 4 });
    if (r.ok !== tenants.length) throw new Error(`fill: ${r.ok} of ${tenants.length} tenants`);
    expected = new Map();
    for (const t of tenants) expected.set(t, client.accessToken(await client.token(t)));
  } else {
    const first = await client.token();
    if (typeof client.accessToken(first) !== "string") throw new Error("no token");
    expected = client.accessToken(first);
  }
  const token = client.token;
  const k = tenants ? tenants.length : 0;
  const n = spec.n;
  // Ten segments: the total is the figure; the fastest segment (least disturbed by whatever
  // else the machine runs) is kept as a hint of what a quiet machine would show.
  const segments = 10;
  const per = Math.ceil(n / segments);
  let ns = 0, best = Infinity;
  if (tenants) {
    for (let i = 0; i < spec.warmup; i++) await token(tenants[i % k]);
  } else {
    for (let i = 0; i < spec.warmup; i++) await token();
  }
  for (let done = 0; done < n; ) {
    const m = Math.min(per, n - done);
    const start = process.hrtime.bigint();
    if (tenants) for (let i = done; i < done + m; i++) await token(tenants[i % k]);
    else for (let i = 0; i < m; i++) await token();
    const t = Number(process.hrtime.bigint() - start);
    ns += t;
    best = Math.min(best, t / m);
    done += m;
  }
  // Every call above must have been a hit: the same token as before the loop.
  if (tenants) {
    for (const t of tenants) if (client.accessToken(await token(t)) !== expected.get(t)) throw new Error(`a hit for ${t} returned another token`);
  } else if (client.accessToken(await token()) !== expected) throw new Error("a hit returned another token");
  return { nsPerCall: ns / n, bestSegmentNs: best, calls: n };
}

main().then(
  (r) => {
    out(r);
    process.exit(0); // keep-alive sockets and SDK timers must not keep the process up
  },
  (err) => {
    out({ error: String(err?.stack ?? err) });
    process.exit(1);
  },
);
