// tms-edge example: a Cloudflare module worker that pre-calculates KPIs for every tenant that
// bought the app, with no user present (the Token Management Service's own example scenario).
//
// The worker holds the application credentials (from `env`, never from the browser) and serves a
// small JSON API for the dashboard in www/:
//
//   GET  /api/status                    tenants, token *status* (never a token), KPIs, last job run
//   POST /api/job                       run the KPI job now (the cron trigger runs it too)
//   POST /api/burst?tenant=T&n=500      cold cache for T, then n concurrent token(T) calls
//   POST /api/cold                      drop every cached token (invalidate())
//   POST /api/verify                    body: a JWT; tm.verify() of it: which checks passed
//   POST /api/isolate                   start over as a new isolate: an empty memory cache
//                                       that gets its tokens from the shared coordinator
//
// Isolates share tokens through a Durable Object (tms-edge/durable-object, bound as
// TMS_COORDINATOR): a new or evicted isolate reads the coordinator instead of asking the TMS,
// and at a refresh point one isolate refreshes for all.
//
// The service's rule: "never expose tokens through endpoints". Every response is built from
// expiry times, counters and error codes only, and leakGuard() refuses to send a body that
// contains the client secret or anything shaped like a JWT.
import { TokenManager, decodeJwt } from "tms-edge";
import { durableObjectStore, TokenCoordinator } from "tms-edge/durable-object";

// The Durable Object class the TMS_COORDINATOR binding names (wrangler.toml): re-exported here.
export { TokenCoordinator };

// The library default; it is capped at half a token's lifetime, so with the demo's 120 s tokens
// the effective margin is about 60 s.
const REFRESH_BEFORE_EXPIRY = 300;
const KPI_CONCURRENCY = 4;
const MAX_BURST = 5000;

let state = null; // one TokenManager per isolate: its cache outlives single requests

function init(env) {
  const s = {
    env,
    eventCounts: { hit: 0, miss: 0, request: 0, response: 0, retry: 0, refresh: 0, error: 0 },
    tenants: new Map(), // tenant -> record (below); insertion order = display order
    tenantList: [], // the last list /userTenants returned
    lastRun: null,
    runs: 0,
    running: null,
    lastBurst: null,
    isolates: 1,
    retired: { storeHits: 0, storeMisses: 0, storeErrors: 0, upstreamRequests: 0 },
  };
  s.tm = manager(env, s);
  s.hostTenant = env.MDSP_HOST_TENANT;
  s.gateway = (env.MDSP_GATEWAY_URL || `https://gateway.${env.MDSP_REGION || "eu1"}.${env.HOST_BASEDOMAIN || "mindsphere.io"}`).replace(/\/+$/, "");
  s.kpiUrl = (tenant) =>
    (env.KPI_URL_TEMPLATE || `${s.gateway}/api/kpi/v1/tenants/{tenant}/kpis`).replace("{tenant}", encodeURIComponent(tenant));
  s.secrets = [env.MDSP_KEY_STORE_CLIENT_SECRET].filter(Boolean);
  record(s, s.hostTenant).role = "host";
  return s;
}

/** This isolate's TokenManager: its memory cache in front of the shared coordinator. */
function manager(env, s) {
  return TokenManager.fromEnv(env, {
    refreshBeforeExpiry: REFRESH_BEFORE_EXPIRY,
    // One coordinator object per host tenant; without the binding, memory only.
    store: env.TMS_COORDINATOR ? durableObjectStore(env.TMS_COORDINATOR, { name: env.MDSP_HOST_TENANT }) : undefined,
    // Events never carry a secret or a token: safe to keep and to show.
    onEvent(e) {
      s.eventCounts[e.type] = (s.eventCounts[e.type] ?? 0) + 1;
      if (e.userTenant && (e.type === "refresh" || e.type === "error")) {
        const rec = record(s, e.userTenant);
        if (e.type === "refresh") rec.refreshStartedAt = Date.now();
        if (e.type === "error") rec.lastError = { code: e.code, at: Date.now() };
      }
    },
  });
}

/** What the isolates did together: this one's counters plus those of the ones before it. */
function isolatesView(s) {
  const now = s.tm.stats();
  const sum = (k) => (now[k] ?? 0) + s.retired[k];
  return {
    isolates: s.isolates,
    coordinator: Boolean(s.env.TMS_COORDINATOR),
    fromCoordinator: sum("storeHits"),
    coordinatorMisses: sum("storeMisses"),
    coordinatorErrors: sum("storeErrors"),
    upstreamRequests: sum("upstreamRequests"),
  };
}

function record(s, tenant) {
  let rec = s.tenants.get(tenant);
  if (!rec) {
    rec = { tenant, role: "user", token: null, lastError: null, staleSince: null, refreshStartedAt: null, kpis: null, kpiAt: null, kpiError: null };
    s.tenants.set(tenant, rec);
  }
  return rec;
}

/** What the page may know about a token: when it expires and when it will be refreshed. */
function tokenStatus(token, previous) {
  if (previous && previous.expiresAt === token.expiresAt) return previous; // same token
  // The lifetime from the JWT's own claims (decoded here, on the server, not in the browser).
  let lifetimeMs;
  try {
    const { claims } = decodeJwt(token.accessToken);
    lifetimeMs = (claims.exp - claims.iat) * 1000;
  } catch {
    lifetimeMs = NaN;
  }
  if (!(lifetimeMs > 0)) lifetimeMs = Math.max(1, token.expiresAt - Date.now());
  // The library's rule: margin = min(refreshBeforeExpiry, lifetime / 2), and a random jitter of
  // up to min(10 % of the lifetime, 60 s) makes it refresh a little earlier, never later.
  const margin = Math.min(REFRESH_BEFORE_EXPIRY * 1000, lifetimeMs / 2);
  const jitter = Math.min(lifetimeMs / 10, 60_000);
  const refreshAt = token.expiresAt - margin;
  return {
    expiresAt: token.expiresAt,
    refreshAt,
    refreshEarliest: refreshAt - jitter,
    lifetimeMs,
    obtainedAt: Date.now(),
    generation: (previous?.generation ?? 0) + 1,
  };
}

/** Records a token a call returned; `errored` = the library reported a failed refresh meanwhile. */
function noteToken(s, tenant, token, since) {
  const rec = record(s, tenant);
  const fresh = !rec.token || rec.token.expiresAt !== token.expiresAt;
  rec.token = tokenStatus(token, rec.token);
  if (fresh) {
    rec.staleSince = null;
    rec.lastError = null;
    rec.refreshStartedAt = null;
  } else if (rec.lastError && rec.lastError.at >= since) {
    // The refresh failed, the cached token is still valid: the library served it instead.
    rec.staleSince ??= rec.lastError.at;
  }
}

function noteError(s, tenant, err) {
  const rec = record(s, tenant);
  rec.lastError = { code: err?.code ?? "ERROR", status: err?.status, message: String(err?.message ?? err), at: Date.now() };
  if (rec.token && rec.token.expiresAt <= Date.now()) rec.token = null; // expired: gone for good
}

const errorView = (err) => ({ code: err?.code ?? "ERROR", status: err?.status, message: String(err?.message ?? err) });

async function pool(items, limit, fn) {
  const queue = [...items];
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, async () => {
    while (queue.length) await fn(queue.shift());
  }));
}

/**
 * The KPI job: allTokens() (operator token, /userTenants pages, /oauthTokens batches of 5), then
 * one KPI call per tenant through tm.fetch(). If the tenant list cannot be read (TMS down), the
 * last known list is used, so cached tokens keep the job going until they expire.
 */
function runJob(s, trigger) {
  s.running ??= (async () => {
    const startedAt = Date.now();
    const before = s.tm.stats();
    const eventsBefore = { ...s.eventCounts };
    let listError = null;
    let result;
    try {
      result = await s.tm.allTokens();
      s.tenantList = [...result.tokens.keys(), ...result.errors.keys()].sort();
    } catch (err) {
      listError = errorView(err);
      result = s.tenantList.length ? await s.tm.tokens(s.tenantList) : { tokens: new Map(), errors: new Map() };
    }
    for (const t of s.tenantList) record(s, t);
    for (const [t, token] of result.tokens) noteToken(s, t, token, startedAt);
    for (const [t, err] of result.errors) {
      noteError(s, t, err);
      record(s, t).kpiError = "not computed: no valid token";
    }
    // The operator's token (used for /userTenants) is a cache hit here; shown for completeness.
    try {
      noteToken(s, s.hostTenant, await s.tm.token(), startedAt);
    } catch (err) {
      noteError(s, s.hostTenant, err);
    }

    let kpiOk = 0;
    await pool([...result.tokens.keys()], KPI_CONCURRENCY, async (tenant) => {
      const rec = record(s, tenant);
      try {
        const res = await s.tm.fetch(tenant, s.kpiUrl(tenant));
        if (!res.ok) {
          await res.body?.cancel();
          rec.kpiError = `KPI API answered HTTP ${res.status}`;
          return;
        }
        const body = await res.json();
        rec.kpis = body.kpis;
        rec.kpiAt = Date.now();
        rec.kpiError = null;
        kpiOk += 1;
      } catch (err) {
        rec.kpiError = `not computed: no valid token (${err?.code ?? "ERROR"})`;
        noteError(s, tenant, err);
      }
    });

    const after = s.tm.stats();
    s.runs += 1;
    s.lastRun = {
      trigger,
      startedAt,
      durationMs: Date.now() - startedAt,
      tenants: s.tenantList.length,
      tokens: result.tokens.size,
      errors: result.errors.size,
      kpis: kpiOk,
      upstreamRequests: after.upstreamRequests - before.upstreamRequests,
      retries: s.eventCounts.retry - eventsBefore.retry,
      refreshes: after.refreshes - before.refreshes,
      // Only a failed refresh that fell back to a still-valid cached token counts here; a tenant
      // that got no token at all (say after a cold cache) is in `errors`, not a "failed refresh".
      staleServed: [...result.tokens.keys()].filter((t) => (record(s, t).lastError?.at ?? 0) >= startedAt).length,
      errorEvents: s.eventCounts.error - eventsBefore.error,
      listError,
    };
  })().finally(() => {
    s.running = null;
  });
  return s.running;
}

async function burst(s, tenant, n) {
  // A cold cache for this tenant, then n callers at once: they share one upstream request.
  // Coalescing within one isolate is the point here, so the burst uses a manager of its own
  // without the coordinator (which would otherwise serve the token from the shared tier).
  s.burstTm ??= TokenManager.fromEnv(s.env, { refreshBeforeExpiry: REFRESH_BEFORE_EXPIRY });
  const tm = s.burstTm;
  tm.invalidate(tenant);
  const rec = record(s, tenant);
  rec.token = null;
  const before = tm.stats();
  const startedAt = Date.now();
  const settled = await Promise.allSettled(Array.from({ length: n }, () => tm.token(tenant)));
  const durationMs = Date.now() - startedAt;
  const after = tm.stats();
  const distinct = new Set(); // compared here, never sent
  const errors = {};
  let succeeded = 0;
  for (const r of settled) {
    if (r.status === "fulfilled") {
      succeeded += 1;
      distinct.add(r.value.accessToken);
    } else {
      const code = r.reason?.code ?? "ERROR";
      errors[code] = (errors[code] ?? 0) + 1;
    }
  }
  const first = settled.find((r) => r.status === "fulfilled");
  if (first) noteToken(s, tenant, first.value, startedAt);
  else noteError(s, tenant, settled[0]?.reason);
  s.lastBurst = {
    tenant,
    n,
    succeeded,
    failed: n - succeeded,
    errors,
    distinctTokens: distinct.size,
    upstreamRequests: after.upstreamRequests - before.upstreamRequests,
    startedAt,
    durationMs,
  };
  return s.lastBurst;
}

function statusView(s) {
  const now = Date.now();
  return {
    now,
    config: {
      hostTenant: s.hostTenant,
      appName: s.env.MDSP_OS_VM_APP_NAME,
      appVersion: s.env.MDSP_OS_VM_APP_VERSION,
      refreshBeforeExpiry: REFRESH_BEFORE_EXPIRY,
      batchSize: 5,
    },
    tenants: [...s.tenants.values()].map((r) => ({
      tenant: r.tenant,
      role: r.role,
      token: r.token && r.token.expiresAt > now ? r.token : null,
      expiredAt: r.token && r.token.expiresAt <= now ? r.token.expiresAt : null,
      staleSince: r.staleSince,
      lastError: r.lastError,
      kpis: r.kpis,
      kpiAt: r.kpiAt,
      kpiError: r.kpiError,
    })),
    stats: s.tm.stats(),
    shared: isolatesView(s),
    running: Boolean(s.running),
    runs: s.runs,
    lastRun: s.lastRun,
    lastBurst: s.lastBurst,
  };
}

/** The checks of tm.verify(), in the order it makes them. */
const CHECKS = ["format", "alg", "typ", "exp", "iat", "iss", "signature"];

/** tm.verify() of a pasted token: which checks passed, and the one that failed (never the token). */
async function verifyView(s, jwt) {
  try {
    const claims = await s.tm.verify(jwt.trim());
    return { ok: true, passed: CHECKS, claims: { ten: claims.ten ?? null, iss: claims.iss, iat: claims.iat ?? null, exp: claims.exp } };
  } catch (err) {
    const m = String(err?.message ?? "");
    const failed =
      /malformed/.test(m) ? "format" : /signature|`kid`/.test(m) ? "signature" : CHECKS.find((c) => m.includes(`\`${c}\``)) ?? "format";
    return { ok: false, passed: CHECKS.slice(0, CHECKS.indexOf(failed)), failed, code: err?.code ?? "ERROR", message: m };
  }
}

const JWT_SHAPE = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/;

/** Belt and braces: a response that would carry a secret or a JWT is never sent. */
function leakGuard(s, body) {
  if (JWT_SHAPE.test(body) || s.secrets.some((secret) => body.includes(secret))) {
    throw new Error("refusing to send a response that contains a credential or a token");
  }
  return body;
}

function json(s, data, status = 200) {
  return new Response(leakGuard(s, JSON.stringify(data)), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

export default {
  async fetch(request, env) {
    state ??= init(env);
    const s = state;
    const url = new URL(request.url);
    const route = `${request.method} ${url.pathname}`;
    try {
      switch (route) {
        case "GET /api/status":
          return json(s, statusView(s));
        case "POST /api/job":
          await runJob(s, "button");
          return json(s, statusView(s));
        case "POST /api/burst": {
          const tenant = url.searchParams.get("tenant") || s.tenantList[0] || s.hostTenant;
          const n = Math.min(MAX_BURST, Math.max(1, Number.parseInt(url.searchParams.get("n") ?? "500", 10) || 500));
          return json(s, await burst(s, tenant, n));
        }
        case "POST /api/verify":
          return json(s, await verifyView(s, await request.text()));
        case "POST /api/isolate": {
          // As when the runtime evicts this isolate and starts another: memory is gone, the
          // coordinator is not.
          const old = s.tm.stats();
          for (const k of Object.keys(s.retired)) s.retired[k] += old[k] ?? 0;
          s.tm.free();
          s.tm = manager(env, s);
          s.isolates++;
          for (const rec of s.tenants.values()) rec.token = null;
          return json(s, statusView(s));
        }
        case "POST /api/cold":
          s.tm.invalidate();
          for (const rec of s.tenants.values()) {
            rec.token = null;
            rec.staleSince = null;
          }
          return json(s, statusView(s));
        default:
          return json(s, { error: "not_found", message: `no route ${route}` }, 404);
      }
    } catch (err) {
      // TmsError messages never contain a secret or a token (a documented guarantee); the
      // guard still checks, and a refused body is replaced by the bare error code.
      try {
        return json(s, { error: "internal", ...errorView(err) }, 500);
      } catch {
        return new Response('{"error":"internal"}', { status: 500, headers: { "content-type": "application/json" } });
      }
    }
  },

  // A cron trigger ("*/1 * * * *" in wrangler.toml): the job runs with no user present.
  async scheduled(controller, env, ctx) {
    state ??= init(env);
    ctx.waitUntil(runJob(state, "cron"));
  },
};
