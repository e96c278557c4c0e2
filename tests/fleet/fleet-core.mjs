// A fleet of isolates sharing one TokenStore (or none): each isolate is a TokenManager with
// its own memory cache; isolates are evicted at random and re-created empty, as edge
// runtimes do; calls are staggered over several token lifetimes. Web standards only (fetch,
// setTimeout; the shared harness), so Node, Deno and workerd run the same code.
//
// Reported: token requests the TMS received per tenant per token lifetime, and per refresh
// cycle: a single client needs one request per tenant per cycle (lifetime minus the refresh
// margin minus the mean jitter), so 1.0 per cycle is the floor for any fleet; with no store
// each isolate pays it again (about the number of isolates, more with evictions).

import { prng, sleep } from "../shared/harness.mjs";


/**
 * @param {object} o
 * @param {Function} o.TokenManager the package's class
 * @param {object} o.options manager options (gateway, credentials, refreshBeforeExpiry, ...)
 * @param {(() => object) | null} o.makeStore a new TokenStore view over the shared backend (per isolate), or null
 * @param {string[]} o.tenants
 * @param {number} o.isolates
 * @param {number} o.lifetimeMs the tokens' lifetime (`expires_in`)
 * @param {number} o.refreshBeforeExpiryMs the managers' `refreshBeforeExpiry`, in ms
 * @param {number} o.lifetimes how many lifetimes to run
 * @param {() => Promise<number>} o.tokenRequests the TMS's token request count so far
 * @param {number} [o.seed]
 */
export async function runFleet(o) {
  const rand = prng(o.seed ?? 1);
  const make = () => new o.TokenManager({ ...o.options, ...(o.makeStore ? { store: o.makeStore() } : {}) });
  const fleet = Array.from({ length: o.isolates }, make);
  const before = await o.tokenRequests();
  const distinct = new Map(o.tenants.map((t) => [t, new Set()]));
  const r = { calls: 0, tokens: 0, errors: 0, errorCodes: {}, wrongTenant: 0, expired: 0, evictions: 0, storeHits: 0 };
  const started = Date.now();
  const end = started + o.lifetimeMs * o.lifetimes;
  const tickMs = Math.max(50, Math.round(o.lifetimeMs / 40));
  // Per tick each isolate calls for a few tenants; over a lifetime every tenant is asked for
  // by every isolate several times.
  const perTick = Math.max(1, Math.ceil((o.tenants.length * 4) / 40));
  const evictP = 1 / 20; // an isolate lives about 20 ticks (half a lifetime)
  const harvest = (tm) => (r.storeHits += tm.stats().storeHits ?? 0);
  while (Date.now() < end) {
    await Promise.all(
      fleet.map(async (tm, i) => {
        await sleep(Math.floor(rand() * tickMs)); // staggered
        for (let k = 0; k < perTick; k++) {
          const t = o.tenants[Math.floor(rand() * o.tenants.length)];
          r.calls++;
          try {
            const tok = await tm.token(t);
            r.tokens++;
            if (tok.userTenant !== t) r.wrongTenant++;
            if (!(tok.expiresAt > Date.now())) r.expired++;
            distinct.get(t).add(tok.accessToken);
          } catch (e) {
            r.errors++;
            r.errorCodes[e?.code ?? "other"] = (r.errorCodes[e?.code ?? "other"] ?? 0) + 1;
          }
        }
        if (rand() < evictP) {
          harvest(tm);
          tm.free?.();
          fleet[i] = make();
          r.evictions++;
        }
      }),
    );
  }
  fleet.forEach(harvest);
  const elapsed = Date.now() - started;
  const requests = (await o.tokenRequests()) - before;
  const tokensHandedOut = [...distinct.values()].reduce((n, s) => n + s.size, 0);
  // The engine's refresh point: margin min(refreshBeforeExpiry, lifetime / 2), jitter uniform
  // in [0, min(10% of the lifetime, 60 s)].
  const L = o.lifetimeMs;
  const interval = L - Math.min(o.refreshBeforeExpiryMs, L / 2) - Math.min(0.1 * L, 60_000) / 2;
  const cycles = 1 + Math.floor(elapsed / interval);
  return {
    isolates: o.isolates,
    tenants: o.tenants.length,
    lifetimes: Math.round((elapsed / o.lifetimeMs) * 100) / 100,
    ...r,
    requests,
    perTenantPerLifetime: Math.round((requests / o.tenants.length / (elapsed / o.lifetimeMs)) * 100) / 100,
    cycles,
    perTenantPerCycle: Math.round((requests / o.tenants.length / cycles) * 100) / 100,
    distinctTokens: tokensHandedOut,
  };
}

/** What fleet.mjs hands a fleet that runs in another runtime (Deno, workerd). */
export function childSpec(adapter, p) {
  return {
    adapter,
    options: p.options,
    tenants: p.tenantIds,
    isolates: p.isolates,
    lifetimeMs: p.lifetimeMs,
    refreshBeforeExpiryMs: p.refreshBeforeExpiryMs,
    lifetimes: p.lifetimes,
    statsUrl: `${p.emu.url}/_emulator/stats`,
  };
}

/** Runs the fleet of a `childSpec` in that runtime, with its TokenManager and store views. */
export function runSpec(spec, { TokenManager, makeStore }) {
  return runFleet({
    TokenManager,
    options: spec.options,
    makeStore,
    tenants: spec.tenants,
    isolates: spec.isolates,
    lifetimeMs: spec.lifetimeMs,
    refreshBeforeExpiryMs: spec.refreshBeforeExpiryMs,
    lifetimes: spec.lifetimes,
    tokenRequests: async () => (await (await fetch(spec.statsUrl)).json()).requests.token,
    seed: 7,
  });
}
