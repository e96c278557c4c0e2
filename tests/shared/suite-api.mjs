// The public-API suite of tms-edge, run against the TMS emulator. Runtime-agnostic: inside the
// cases only web-standard APIs (fetch, Request, AbortController, setTimeout, Map, btoa, JSON),
// so the same cases run in Node, Deno, workerd, edge-runtime and Chromium. Format: see
// harness.mjs ({ name, fn(ctx), only? }); every case starts from a reset emulator.
//
// The emulator must be started with `emulatorOptions` below (230 user tenants: tenant001…
// tenant230, host tenant "operator", batch limit 5, page size 100, 1800 s tokens).
// Request counts are always taken from the emulator's counters and log, never from the
// library's own stats alone.
import { assert, sleep } from "./harness.mjs";

/** What the runner must start the emulator with (emulator-process.mjs option names). */
export const emulatorOptions = Object.freeze({ tenants: 230 });

const TENANTS = 230;
const BASE = "/api/technicaltokenmanager/v3";
const tenant = (n) => `tenant${String(n).padStart(3, "0")}`;
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => tenant(from + i));
const EVENT_TYPES = ["hit", "miss", "request", "response", "retry", "refresh", "error"];
const EVENT_KEYS = ["type", "userTenant", "userTenants", "status", "attempt", "code", "durationMs"];

// --- what the secrets case inspects: every error, event and token any case produced ----------

const seen = { errors: [], events: [], tokens: new Set() };

function noteValue(v) {
  if (!v || typeof v !== "object") return;
  if (typeof v.accessToken === "string") seen.tokens.add(v.accessToken);
  if (v.tokens instanceof Map) for (const t of v.tokens.values()) noteValue(t);
  if (v.errors instanceof Map) for (const e of v.errors.values()) seen.errors.push(e);
}

/**
 * A TokenManager for the emulator's app with `overrides`. Every event goes to `events` (and
 * to the secrets collection); every returned token and every error (thrown, rejected, or in
 * an `errors` map) is collected too. The methods keep returning the library's own promises.
 */
function manager(ctx, overrides = {}) {
  const events = [];
  const user = overrides.onEvent;
  const onEvent = (e) => {
    events.push(e);
    seen.events.push(e);
    if (user) user(e);
  };
  let m;
  try {
    m = new ctx.lib.TokenManager(ctx.options({ ...overrides, onEvent }));
  } catch (e) {
    seen.errors.push(e);
    throw e;
  }
  track(m);
  return { m, events };
}

function track(m) {
  for (const name of ["token", "tokens", "userTenants", "allTokens", "fetch"]) {
    const original = m[name];
    m[name] = function (...args) {
      let p;
      try {
        p = original.apply(m, args);
      } catch (e) {
        seen.errors.push(e);
        throw e;
      }
      if (p && typeof p.then === "function") p.then(noteValue, (e) => seen.errors.push(e));
      return p;
    };
  }
  return m;
}

/** Expects a synchronous TmsError throw with `code`; collects it. */
function throwsCode(fn, code, message) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (err) seen.errors.push(err);
  assert.ok(err, `${message}: expected a throw with ${code}`);
  assert.equal(err.code, code, `${message}: code (message ${JSON.stringify(err.message)})`);
  return err;
}

async function rejects(promise, code, message = "") {
  const err = await assert.rejects(promise, code, message);
  seen.errors.push(err);
  return err;
}

// --- small helpers ------------------------------------------------------------------------------

const total = (c) => c.token + c.batch + c.userTenants + c.kpi + c.tokenKeys + (c.piam ?? 0);
const sleepUntil = async (t) => {
  const d = t - Date.now();
  if (d > 0) await sleep(d);
};
/** The claims of a JWT, decoded here (not by the library under test): base64url JSON. */
function claimsOf(jwt) {
  const part = String(jwt).split(".")[1] ?? "";
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (part.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}
const ten = (ctx, token) => claimsOf(token.accessToken).ten;
/** Compares two tokens without printing them in a failure message. */
const sameToken = (a, b, message) => assert.ok(a?.accessToken === b?.accessToken, `${message}: expected the same access token`);
const otherToken = (a, b, message) => assert.ok(a?.accessToken !== b?.accessToken, `${message}: expected a different access token`);
const sorted = (a) => [...a].sort();

function checkToken(ctx, token, userTenant, message = "") {
  assert.ok(token && typeof token === "object", `${message} token is an object`);
  assert.equal(token.userTenant, userTenant, `${message} token.userTenant`);
  assert.equal(ten(ctx, token), userTenant, `${message} ten claim of the token filed under ${userTenant}`);
}

async function entries(ctx, endpoint) {
  return (await ctx.emu.log()).filter((e) => e.endpoint === endpoint);
}

function isTmsError(ctx, e) {
  return e instanceof ctx.lib.TmsError && e instanceof Error;
}

// --- the cases ----------------------------------------------------------------------------------

export const cases = [
  {
    name: "requests: X-SPACE-AUTH-KEY Basic base64(id:secret), JSON bodies appName/appVersion/hostTenant/userTenant; batch hostTenantId/userTenantIds; userTenants Bearer + page/size",
    async fn(ctx) {
      const c = ctx.emu.credentials;
      const { m, events } = manager(ctx);
      await m.token(tenant(1));
      await m.token(tenant(1));
      assert.deepEqual(events.map((e) => e.type), ["miss", "request", "response", "hit"], "events of a miss then a hit");
      const response = events[2];
      assert.deepEqual([response.userTenant, response.status, response.attempt], [tenant(1), 200, 0], "response event");
      assert.ok(typeof response.durationMs === "number" && response.durationMs >= 0, "response durationMs");
      const [tok] = await entries(ctx, "token");
      assert.equal(tok.method, "POST", "token method");
      assert.equal(tok.path, `${BASE}/oauth/token`, "token path");
      assert.equal(tok.authScheme, "Basic", "X-SPACE-AUTH-KEY scheme");
      assert.equal(tok.authValid, true, "X-SPACE-AUTH-KEY is base64(clientId:clientSecret) of the app");
      assert.match(tok.contentType, /^application\/json\s*(;|$)/i, "token content-type");
      assert.equal(tok.status, 200, "token status");
      const extra = Object.keys(tok.body).filter((k) => !["appName", "appVersion", "hostTenant", "userTenant", "grant_type"].includes(k));
      assert.deepEqual(extra, [], "unexpected token body fields");
      assert.deepEqual(
        [tok.body.appName, tok.body.appVersion, tok.body.hostTenant, tok.body.userTenant],
        [c.appName, c.appVersion, c.hostTenant, tenant(1)],
        "token body appName/appVersion/hostTenant/userTenant",
      );

      const r = await m.tokens([tenant(2), tenant(3)]);
      assert.equal(r.tokens.size, 2, "batch tokens");
      const [batch] = await entries(ctx, "batch");
      assert.ok(batch, "a batch request was made");
      assert.equal(batch.method, "POST", "batch method");
      assert.equal(batch.path, `${BASE}/oauthTokens`, "batch path");
      assert.equal(batch.authScheme, "Basic", "batch X-SPACE-AUTH-KEY scheme");
      assert.equal(batch.authValid, true, "batch X-SPACE-AUTH-KEY valid");
      assert.match(batch.contentType, /^application\/json\s*(;|$)/i, "batch content-type");
      assert.deepEqual(
        sorted(Object.keys(batch.body).filter((k) => k !== "grant_type")),
        ["appName", "appVersion", "hostTenantId", "userTenantIds"],
        "batch body fields (hostTenantId/userTenantIds, not hostTenant/userTenant)",
      );
      assert.equal(batch.body.appName, c.appName, "batch appName");
      assert.equal(batch.body.appVersion, c.appVersion, "batch appVersion");
      assert.equal(batch.body.hostTenantId, c.hostTenant, "batch hostTenantId");
      assert.deepEqual(sorted(batch.body.userTenantIds), [tenant(2), tenant(3)], "batch userTenantIds");

      const ids = await m.userTenants();
      assert.equal(ids.length, TENANTS, "userTenants count");
      const tokenLog = await entries(ctx, "token");
      const operator = tokenLog.find((e) => e.body?.userTenant === c.hostTenant);
      assert.ok(operator, "userTenants first fetches an operator token (userTenant == hostTenant)");
      assert.equal(operator.body.hostTenant, c.hostTenant, "operator token hostTenant");
      const pages = await entries(ctx, "userTenants");
      assert.ok(pages.length >= 1, "userTenants requests made");
      for (const p of pages) {
        assert.equal(p.method, "GET", "userTenants method");
        assert.equal(p.path, `${BASE}/userTenants`, "userTenants path");
        assert.equal(p.authScheme, "Bearer", "userTenants Authorization scheme");
        assert.equal(p.authValid, true, "userTenants bearer is a valid operator token");
        assert.equal(p.query.size, "100", "userTenants size query (pageSize default 100)");
        assert.match(p.query.page, /^\d+$/, "userTenants page query");
      }
      assert.deepEqual(sorted(pages.map((p) => p.query.page)), ["0", "1", "2"], "pages requested");
    },
  },

  {
    name: "Token shape: accessToken, tokenType bearer, expiresAt anchored at send time (≤ send + expires_in), userTenant, hostTenant, scope[]; ten claim; numeric-string expires_in",
    async fn(ctx) {
      const { m } = manager(ctx);
      // 300 ms of latency separates "anchored at send" from "anchored at receipt".
      await ctx.emu.config({ latencyMs: 300 });
      const before = Date.now();
      const t = await m.token(tenant(4));
      const after = Date.now();
      assert.ok(after - before >= 290, `latency applied (${after - before} ms)`);
      assert.deepEqual(sorted(Object.keys(t)), ["accessToken", "expiresAt", "hostTenant", "scope", "tokenType", "userTenant"], "Token fields");
      assert.equal(typeof t.accessToken, "string", "accessToken type");
      assert.equal(t.accessToken.split(".").length, 3, "accessToken is the JWT");
      assert.equal(t.tokenType, "bearer", "tokenType");
      assert.equal(t.userTenant, tenant(4), "userTenant");
      assert.equal(t.hostTenant, ctx.emu.credentials.hostTenant, "hostTenant");
      assert.ok(Array.isArray(t.scope), "scope is an array");
      assert.ok(t.scope.length === 4 && t.scope.every((s) => typeof s === "string" && !s.includes(" ")), `scope split on spaces: ${JSON.stringify(t.scope)}`);
      assert.ok(t.scope.includes("tm.t.r") && t.scope.includes("uts.ri"), "scope values");
      assert.equal(typeof t.expiresAt, "number", "expiresAt is a number (ms)");
      const lifetime = 1799_000; // expires_in of the emulator's 1800 s tokens
      assert.ok(t.expiresAt >= before + lifetime - 5, `expiresAt ${t.expiresAt - before - lifetime} ms relative to request start + expires_in (>= -5)`);
      assert.ok(t.expiresAt <= before + lifetime + 150, `expiresAt ${t.expiresAt - before - lifetime} ms after start + expires_in: anchored at receipt (latency 300 ms), not at send`);
      const claims = claimsOf(t.accessToken);
      assert.equal(claims.ten, tenant(4), "ten claim");
      assert.ok(t.expiresAt <= claims.exp * 1000, "expiresAt not after the JWT exp");

      // expires_in as a numeric string ("120") is honoured.
      await ctx.emu.config({ latencyMs: 0, expiresIn: "120" });
      const start2 = Date.now();
      const t2 = await m.token(tenant(5));
      const end2 = Date.now();
      assert.ok(t2.expiresAt >= start2 + 120_000 - 5 && t2.expiresAt <= end2 + 120_000,
        `expiresAt from expires_in "120": ${t2.expiresAt - start2} ms after start`);
      assert.equal(ten(ctx, t2), tenant(5), "ten claim (string expires_in)");
    },
  },

  {
    name: "cache: a second token() and tokens() of cached tenants make no request (one cache for token/tokens)",
    async fn(ctx) {
      const { m, events } = manager(ctx);
      const a = await m.token(tenant(6));
      assert.deepEqual(await ctx.emu.counts(), { token: 1, batch: 0, userTenants: 0, tokenKeys: 0, kpi: 0, piam: 0 }, "after the first call");
      const b = await m.token(tenant(6));
      sameToken(b, a, "same token from the cache");
      assert.equal((await ctx.emu.counts()).token, 1, "no request for the second token()");

      const r1 = await m.tokens([tenant(7), tenant(8)]);
      assert.equal(r1.tokens.size, 2, "tokens() result");
      let c = await ctx.emu.counts();
      assert.equal(total(c), 2, "one batch request for two misses");
      const r2 = await m.tokens([tenant(6), tenant(7), tenant(8)]);
      c = await ctx.emu.counts();
      assert.equal(total(c), 2, `tokens() of cached tenants made requests: ${JSON.stringify(c)}`);
      assert.equal(r2.tokens.size, 3, "three cached tokens");
      assert.equal(r2.errors.size, 0, "no errors");
      sameToken(r2.tokens.get(tenant(6)), a, "token() result served to tokens()");
      sameToken(r2.tokens.get(tenant(7)), r1.tokens.get(tenant(7)), "cached batch token");
      const d = await m.token(tenant(8));
      sameToken(d, r1.tokens.get(tenant(8)), "tokens() result served to token()");
      assert.equal(total(await ctx.emu.counts()), 2, "no request for token() of a batch-fetched tenant");
      assert.ok(events.filter((e) => e.type === "hit").length >= 5, "hit events");
    },
  },

  {
    name: "coalescing: 1000 concurrent token() on a cold cache (30 ms latency) make exactly 1 upstream request",
    async fn(ctx) {
      const { m } = manager(ctx);
      await ctx.emu.config({ latencyMs: 30 });
      const all = await Promise.all(Array.from({ length: 1000 }, () => m.token(tenant(9))));
      const c = await ctx.emu.counts();
      assert.equal(total(c), 1, `upstream requests: ${JSON.stringify(c)}`);
      assert.equal(all.length, 1000, "every caller answered");
      const distinct = new Set(all.map((t) => t.accessToken));
      assert.equal(distinct.size, 1, "every caller got the same token");
      checkToken(ctx, all[0], tenant(9));
      // The default tenant (hostTenant) coalesces too.
      const host = await Promise.all(Array.from({ length: 200 }, () => m.token()));
      assert.equal(total(await ctx.emu.counts()), 2, "one more request for 200 calls with no argument");
      checkToken(ctx, host[199], ctx.emu.credentials.hostTenant, "default tenant");
    },
  },

  {
    name: "batching: 12 tenants through tokens() make exactly 3 /oauthTokens requests (5+5+2) and 12 tokens; batchSize 2 with a server limit of 2 makes 6",
    async fn(ctx) {
      const { m } = manager(ctx);
      const want = range(11, 22);
      const r = await m.tokens(want);
      const c = await ctx.emu.counts();
      assert.deepEqual([c.batch, c.token], [3, 0], `batch/token requests: ${JSON.stringify(c)}`);
      assert.equal(r.tokens.size, 12, "12 tokens");
      assert.equal(r.errors.size, 0, `no errors: ${[...r.errors.values()].map((e) => e.code)}`);
      for (const t of want) checkToken(ctx, r.tokens.get(t), t);
      const bodies = (await entries(ctx, "batch")).map((e) => e.body.userTenantIds);
      assert.deepEqual(bodies.map((b) => b.length).sort(), [2, 5, 5], "batch sizes");
      assert.deepEqual(sorted(bodies.flat()), want, "every tenant asked for exactly once");

      // The other documented limit: 2 per request.
      await ctx.emu.config({ batchLimit: 2 });
      const { m: m2 } = manager(ctx, { batchSize: 2 });
      const r2 = await m2.tokens(range(31, 42));
      const c2 = await ctx.emu.counts();
      assert.equal(c2.batch, 3 + 6, `batchSize 2: 6 more batch requests (${JSON.stringify(c2)})`);
      assert.equal(r2.tokens.size, 12, "12 tokens with batchSize 2");

      // Duplicates are asked for once; an empty list asks nothing.
      const before = total(await ctx.emu.counts());
      const dup = await m.tokens([tenant(23), tenant(23), tenant(24)]);
      assert.deepEqual(sorted(dup.tokens.keys()), [tenant(23), tenant(24)], "duplicates collapsed");
      const empty = await m.tokens([]);
      assert.ok(empty.tokens instanceof Map && empty.errors instanceof Map, "Maps for an empty list");
      assert.equal(empty.tokens.size + empty.errors.size, 0, "empty result");
      const lastBatch = (await entries(ctx, "batch")).pop();
      assert.deepEqual(sorted(lastBatch.body.userTenantIds), [tenant(23), tenant(24)], "each tenant once in the batch");
      assert.equal(total(await ctx.emu.counts()), before + 1, "one request for the duplicates, none for []");
    },
  },

  {
    name: "batch refused as a whole (server limit 2 below batchSize 5): halves are sent until they fit, every tenant gets its token; a single refused tenant is an error",
    async fn(ctx) {
      await ctx.emu.config({ batchLimit: 2 });
      const { m } = manager(ctx); // batchSize 5
      const ids = range(1, 5);
      const r = await m.tokens(ids);
      assert.equal(r.errors.size, 0, `errors: ${[...r.errors.values()].map((e) => e.code).join(",")}`);
      assert.deepEqual([...r.tokens.keys()].sort(), ids, "all five tenants");
      // [1..5] 400 → [1,2] ok, [3,4,5] 400 → [3] ok, [4,5] ok: five requests.
      const batches = await entries(ctx, "batch");
      assert.deepEqual(batches.map((b) => b.userTenants.length), [5, 2, 3, 1, 2], "batch sizes sent");
      assert.deepEqual(batches.map((b) => b.status), [400, 200, 400, 200, 200], "statuses");
    },
  },

  {
    name: "coalescing across calls: concurrent token() and tokens() for overlapping tenants share in-flight tenants (each tenant requested once)",
    async fn(ctx) {
      const { m } = manager(ctx);
      await ctx.emu.config({ latencyMs: 100 });
      const p1 = m.tokens(range(51, 55));
      const p2 = m.token(tenant(53));
      const p3 = m.tokens([tenant(54), tenant(55), tenant(56)]);
      const [r1, t2, r3] = await Promise.all([p1, p2, p3]);
      const c = await ctx.emu.counts();
      assert.equal(c.token + c.batch, 2, `requests: ${JSON.stringify(c)} (a batch of 5 plus one for tenant056)`);
      const asked = (await ctx.emu.log()).flatMap((e) => e.userTenants);
      assert.deepEqual(sorted(asked), range(51, 56), "each tenant requested exactly once");
      sameToken(t2, r1.tokens.get(tenant(53)), "token() shared the batch's tenant053");
      sameToken(r3.tokens.get(tenant(54)), r1.tokens.get(tenant(54)), "tokens() shared tenant054");
      sameToken(r3.tokens.get(tenant(55)), r1.tokens.get(tenant(55)), "tokens() shared tenant055");
      checkToken(ctx, r3.tokens.get(tenant(56)), tenant(56));

      // The other way round: token() in flight, then tokens() including that tenant.
      const p4 = m.token(tenant(60));
      const p5 = m.tokens([tenant(60), tenant(61)]);
      const [t4, r5] = await Promise.all([p4, p5]);
      sameToken(r5.tokens.get(tenant(60)), t4, "tokens() followed the token() flight");
      const asked2 = (await ctx.emu.log()).flatMap((e) => e.userTenants).filter((t) => t === tenant(60));
      assert.equal(asked2.length, 1, "tenant060 requested once");
      checkToken(ctx, r5.tokens.get(tenant(61)), tenant(61));
    },
  },

  {
    name: "allTokens() over 230 tenants: exactly 1 token + 3 userTenants pages + 46 batches, 230 tokens, onProgress monotonic up to {done:230,total:230}",
    async fn(ctx) {
      const { m } = manager(ctx);
      const progress = [];
      const r = await m.allTokens({ onProgress: (p) => progress.push({ done: p.done, total: p.total }) });
      const c = await ctx.emu.counts();
      assert.deepEqual([c.token, c.userTenants, c.batch], [1, 3, 46], `token/userTenants/batch requests: ${JSON.stringify(c)}`);
      assert.equal(r.tokens.size, TENANTS, "230 tokens");
      assert.equal(r.errors.size, 0, `no errors: ${[...r.errors.entries()].slice(0, 3).map(([k, e]) => `${k}: ${e.code}`)}`);
      for (const [k, t] of r.tokens) checkToken(ctx, t, k);
      assert.deepEqual(sorted(r.tokens.keys()), range(1, TENANTS), "the tenants of the emulator");
      const [op] = await entries(ctx, "token");
      assert.equal(op.body.userTenant, ctx.emu.credentials.hostTenant, "operator token first (userTenant == hostTenant)");
      assert.ok(progress.length > 0, "onProgress called");
      assert.ok(progress.every((p) => p.total === TENANTS), `total is 230: ${JSON.stringify(progress.slice(0, 3))}`);
      for (let i = 1; i < progress.length; i++) {
        assert.ok(progress[i].done >= progress[i - 1].done, `progress monotonic at ${i}: ${progress[i - 1].done} -> ${progress[i].done}`);
      }
      assert.ok(progress.every((p) => p.done >= 0 && p.done <= p.total), "0 <= done <= total");
      assert.deepEqual(progress[progress.length - 1], { done: TENANTS, total: TENANTS }, "last progress");

      // A second run is served from the cache, except the pages.
      const again = await m.allTokens();
      const c2 = await ctx.emu.counts();
      assert.equal(again.tokens.size, TENANTS, "second run tokens");
      assert.deepEqual([c2.token, c2.batch], [1, 46], `second allTokens() made no token requests: ${JSON.stringify(c2)}`);
    },
  },

  {
    name: "userTenants(): 230 ids in page order with exactly 3 page requests (stops by totalPages, no extra empty page); pageSize 46 → 5 pages",
    async fn(ctx) {
      const { m } = manager(ctx);
      const ids = await m.userTenants();
      const c = await ctx.emu.counts();
      assert.deepEqual([c.token, c.userTenants, c.batch], [1, 3, 0], `requests: ${JSON.stringify(c)}`);
      assert.deepEqual(ids, range(1, TENANTS), "ids in page order, no duplicates");

      // 230 / 46 = 5 pages exactly: a client that stops on an empty page would ask for a 6th.
      const { m: m2 } = manager(ctx, { pageSize: 46 });
      const ids2 = await m2.userTenants();
      const pages = (await entries(ctx, "userTenants")).slice(3);
      assert.equal(pages.length, 5, `pageSize 46: page requests ${JSON.stringify(pages.map((p) => p.query))}`);
      assert.ok(pages.every((p) => p.query.size === "46"), "size=46 sent");
      assert.deepEqual(sorted(pages.map((p) => p.query.page)), ["0", "1", "2", "3", "4"], "pages 0..4");
      assert.deepEqual(ids2, range(1, TENANTS), "same ids with pageSize 46");

      // The server caps the page size (100 here; one mirror says 500): pageSize 500 still
      // pages by what the server says, 3 pages.
      const { m: m3 } = manager(ctx, { pageSize: 500 });
      assert.deepEqual(await m3.userTenants(), range(1, TENANTS), "pageSize 500 against a server maximum of 100");
      assert.equal((await ctx.emu.counts()).userTenants, 3 + 5 + 3, "3 pages for pageSize 500");
      // A server maximum of 50 below the client's 100: 5 pages.
      await ctx.emu.config({ pageSize: 50 });
      const { m: m4 } = manager(ctx);
      assert.deepEqual(await m4.userTenants(), range(1, TENANTS), "server pageSize 50, client 100");
      assert.equal((await ctx.emu.counts()).userTenants, 3 + 5 + 3 + 5, "5 pages of 50");
    },
  },

  {
    name: "userTenants(): a 401 on the first page (operator token revoked) gets a new operator token and retries once; a second 401 fails with TMS_UNAUTHORIZED",
    async fn(ctx) {
      const { m } = manager(ctx);
      await m.token(ctx.emu.credentials.hostTenant); // the operator token is cached
      await ctx.emu.faults([{ endpoint: "userTenants", kind: "401", count: 1 }]);
      const ids = await m.userTenants();
      assert.deepEqual(ids, range(1, TENANTS), "all ids after the retry");
      let c = await ctx.emu.counts();
      assert.deepEqual([c.token, c.userTenants], [2, 4], `one new operator token, page 0 twice: ${JSON.stringify(c)}`);
      await ctx.emu.faults([{ endpoint: "userTenants", kind: "401", count: 2 }]);
      const err = await assert.rejects(m.userTenants(), "TMS_UNAUTHORIZED");
      assert.equal(err.status, 401);
      c = await ctx.emu.counts();
      assert.deepEqual([c.token, c.userTenants], [3, 6], `retried once only: ${JSON.stringify(c)}`);
    },
  },

  {
    name: "refresh-ahead (4 s tokens, margin clamped to half the lifetime): reused before the refresh point, one shared refresh after it, refreshBeforeExpiry honoured, expired never returned",
    async fn(ctx) {
      await ctx.emu.config({ lifetimeSec: 4 }); // expires_in 3 → lifetime 3000 ms, margin 1500, jitter ≤ 300
      const { m, events } = manager(ctx);
      const { m: late } = manager(ctx, { refreshBeforeExpiry: 0.5 }); // margin 500 ms: refresh point ≥ sent + 2200
      const [a, z] = await Promise.all([m.token(tenant(70)), late.token(tenant(71))]);
      const sentA = a.expiresAt - 3000;
      assert.ok(Math.abs(sentA - Date.now()) < 500, `expiresAt = sent + 3000 (sent ${Date.now() - sentA} ms ago)`);

      await sleepUntil(sentA + 700); // well before the earliest refresh point (sent + 1200)
      const b = await m.token(tenant(70));
      sameToken(b, a, "reused before the refresh point");
      assert.equal((await ctx.emu.counts()).token, 2, "no request before the refresh point");

      await sleepUntil(sentA + 1650); // after the latest refresh point (sent + 1500)
      const fresh = await Promise.all(Array.from({ length: 20 }, () => m.token(tenant(70))));
      let c = await ctx.emu.counts();
      assert.equal(c.token, 3, `one shared refresh request after the refresh point: ${JSON.stringify(c)}`);
      assert.equal(new Set(fresh.map((t) => t.accessToken)).size, 1, "concurrent callers share the refresh");
      otherToken(fresh[0], a, "a new token after the refresh point");
      assert.ok(fresh[0].expiresAt > a.expiresAt, "the new token expires later");
      checkToken(ctx, fresh[0], tenant(70));
      assert.ok(events.some((e) => e.type === "refresh" && e.userTenant === tenant(70)), "refresh event");
      const again = await m.token(tenant(70));
      sameToken(again, fresh[0], "the refreshed token is cached");
      assert.equal(m.stats().refreshes, 1, "stats().refreshes");

      // refreshBeforeExpiry 0.5 s: still before its refresh point at sent + 1650.
      const z2 = await late.token(tenant(71));
      sameToken(z2, z, "refreshBeforeExpiry: 0.5 keeps the token until sent + 2200");
      c = await ctx.emu.counts();
      assert.equal(c.token, 3, "no request for the refreshBeforeExpiry 0.5 manager");

      // A token that arrives already expired is never returned.
      await ctx.emu.faults([{ endpoint: "token", kind: "expired", count: 1 }]);
      const before = Date.now();
      const err = await assert.rejects(m.token(tenant(72)), undefined, "an expired token is never returned");
      seen.errors.push(err);
      assert.ok(isTmsError(ctx, err), `a TmsError: ${err?.name} ${err?.message}`);
      assert.ok(["TMS_INVALID_TOKEN", "TMS_INVALID_RESPONSE"].includes(err.code), `code ${err.code}`);
      assert.ok(Date.now() - before < 2000, "fails promptly");
    },
  },

  {
    name: "stale-but-valid: after the refresh point a failing TMS (500) → cached token returned + error event; refresh backs off; failures not cached; once expired → TMS_HTTP 500; recovery works",
    async fn(ctx) {
      await ctx.emu.config({ lifetimeSec: 4 });
      const { m, events } = manager(ctx, { retries: 0 });
      const a = await m.token(tenant(80));
      const sent = a.expiresAt - 3000;
      await sleepUntil(sent + 1650);
      await ctx.emu.faults([{ endpoint: "token", kind: 500, count: -1 }]);

      const b = await m.token(tenant(80));
      sameToken(b, a, "the still-valid cached token is returned");
      assert.equal((await ctx.emu.counts()).token, 2, "a refresh was attempted");
      const errorEvents = events.filter((e) => e.type === "error" && e.userTenant === tenant(80));
      assert.equal(errorEvents.length, 1, `one error event: ${JSON.stringify(events.filter((e) => e.type === "error"))}`);
      assert.equal(errorEvents[0].code, "TMS_HTTP", "error event code");

      // Refresh back-off: right after the failure the cached token is served and nothing is
      // sent; after the back-off (at most 1 s) the next call tries again.
      const b2 = await m.token(tenant(80));
      sameToken(b2, a, "still the cached token");
      assert.equal((await ctx.emu.counts()).token, 2, "backing off: no request right after a failed refresh");
      await sleepUntil(sent + 1650 + 1050);
      const b3 = await m.token(tenant(80));
      sameToken(b3, a, "still the cached token");
      assert.equal((await ctx.emu.counts()).token, 3, "the failure was not cached: after the back-off the next call tried again");

      await sleepUntil(a.expiresAt + 30);
      const err = await rejects(m.token(tenant(80)), "TMS_HTTP", "expired and the TMS failing");
      assert.equal(err.status, 500, "status of the clear error");
      assert.equal((await ctx.emu.counts()).token, 4, "one request for the expired token");

      await ctx.emu.clearFaults();
      const d = await m.token(tenant(80));
      otherToken(d, a, "a new token after recovery");
      checkToken(ctx, d, tenant(80));
      assert.ok(d.expiresAt > Date.now(), "valid");
      assert.equal((await ctx.emu.counts()).token, 5, "recovery made one request");
    },
  },

  {
    name: "429 with Retry-After: 1 → exactly one retry after ≥ 1 s, then success",
    async fn(ctx) {
      const { m, events } = manager(ctx);
      await ctx.emu.faults([{ endpoint: "token", kind: 429, retryAfter: "1", count: 1 }]);
      const start = Date.now();
      const t = await m.token(tenant(90));
      const elapsed = Date.now() - start;
      checkToken(ctx, t, tenant(90));
      assert.equal((await ctx.emu.counts()).token, 2, "two requests (429, then 200)");
      const [first, second] = await entries(ctx, "token");
      assert.deepEqual([first.status, second.status], [429, 200], "statuses");
      const gap = Date.parse(second.time) - Date.parse(first.time);
      assert.ok(gap >= 950, `retry waited Retry-After (gap ${gap} ms)`);
      assert.ok(elapsed >= 950 && elapsed < 3000, `elapsed ${elapsed} ms`);
      assert.ok(events.some((e) => e.type === "retry" && e.status === 429), `retry event: ${JSON.stringify(events.filter((e) => e.type === "retry"))}`);

      // Retry-After as an HTTP-date (whole seconds): about 2 s from now.
      const date = new Date(Date.now() + 2000).toUTCString();
      await ctx.emu.faults([{ endpoint: "token", kind: 429, retryAfter: date, count: 1 }]);
      checkToken(ctx, await m.token(tenant(89)), tenant(89), "after an HTTP-date Retry-After");
      const [, , third, fourth] = await entries(ctx, "token");
      const gap2 = Date.parse(fourth.time) - Date.parse(third.time);
      assert.ok(gap2 >= 700 && gap2 < 2700, `HTTP-date Retry-After ${date} waited ${gap2} ms`);
    },
  },

  {
    name: "429 with Retry-After > 60 s fails at once with TMS_THROTTLED and err.retryAfter; 429 without it → TMS_THROTTLED after `retries`",
    async fn(ctx) {
      const { m } = manager(ctx);
      await ctx.emu.faults([{ endpoint: "token", kind: 429, retryAfter: "120", count: 1 }]);
      const start = Date.now();
      const err = await rejects(m.token(tenant(91)), "TMS_THROTTLED", "Retry-After 120");
      assert.ok(Date.now() - start < 1000, `failed at once (${Date.now() - start} ms)`);
      assert.equal(err.retryAfter, 120, "err.retryAfter in seconds");
      assert.equal(err.status, 429, "err.status");
      assert.equal((await ctx.emu.counts()).token, 1, "no retry for Retry-After 120");

      const { m: m2 } = manager(ctx, { retries: 1 });
      await ctx.emu.faults([{ endpoint: "token", kind: 429, count: -1 }]);
      const err2 = await rejects(m2.token(tenant(92)), "TMS_THROTTLED", "429 without Retry-After");
      assert.equal(err2.status, 429, "status");
      assert.equal(err2.retryAfter, undefined, "no retryAfter without the header");
      assert.equal((await ctx.emu.counts()).token, 1 + 2, "retries: 1 → two attempts");
    },
  },

  {
    name: "no retry on 401/403: exactly 1 request, TMS_UNAUTHORIZED with status (fault 401, wrong secret, unauthorized tenant)",
    async fn(ctx) {
      const { m } = manager(ctx); // retries default 2
      await ctx.emu.faults([{ endpoint: "token", kind: 401, count: -1 }]);
      const err = await rejects(m.token(tenant(93)), "TMS_UNAUTHORIZED", "fault 401");
      assert.equal(err.status, 401, "status 401");
      assert.equal((await ctx.emu.counts()).token, 1, "exactly one request for a 401");
      await ctx.emu.clearFaults();

      const { m: wrong } = manager(ctx, { clientSecret: "not-the-secret" });
      const err2 = await rejects(wrong.token(tenant(93)), "TMS_UNAUTHORIZED", "wrong secret");
      assert.equal(err2.status, 401, "status 401 for bad credentials");
      assert.equal((await ctx.emu.counts()).token, 2, "one request for bad credentials");

      const err3 = await rejects(m.token("not-a-subscriber"), "TMS_UNAUTHORIZED", "tenant that did not authorize the app");
      assert.equal(err3.status, 403, "status 403");
      assert.equal((await ctx.emu.counts()).token, 3, "one request for a 403");
    },
  },

  {
    name: "5xx is retried `retries` times (503 x3 with retries 2 → 3 requests, TMS_HTTP 503); 500 once → success on the retry",
    async fn(ctx) {
      const { m } = manager(ctx, { retries: 2 });
      await ctx.emu.faults([{ endpoint: "token", kind: 503, count: -1 }]);
      const err = await rejects(m.token(tenant(94)), "TMS_HTTP", "503 every time");
      assert.equal(err.status, 503, "status");
      assert.equal((await ctx.emu.counts()).token, 3, "1 + 2 retries");
      await ctx.emu.clearFaults();
      await ctx.emu.faults([{ endpoint: "batch", kind: 500, count: 1 }]);
      const r = await m.tokens([tenant(95), tenant(96)]);
      assert.equal(r.tokens.size, 2, `batch recovered on retry: ${[...r.errors.values()].map((e) => e.code)}`);
      assert.equal((await ctx.emu.counts()).batch, 2, "500 then 200");
    },
  },

  {
    name: "timeout: a hanging TMS with timeout 300 ms and retries 0 → TMS_TIMEOUT in well under 2 s, one request",
    async fn(ctx) {
      const { m } = manager(ctx, { timeout: 300, retries: 0 });
      await ctx.emu.faults([{ endpoint: "token", kind: "hang", count: 1 }]);
      const start = Date.now();
      const err = await rejects(m.token(tenant(100)), "TMS_TIMEOUT", "hang");
      const elapsed = Date.now() - start;
      assert.ok(elapsed >= 250 && elapsed < 1500, `elapsed ${elapsed} ms`);
      assert.equal(err.status, undefined, "no status on a timeout");
      assert.equal((await ctx.emu.counts()).token, 1, "one request");
      // The next call is not poisoned by the timeout.
      checkToken(ctx, await m.token(tenant(100)), tenant(100));
      // A batch that times out: each of its tenants in errors with TMS_TIMEOUT.
      await ctx.emu.faults([{ endpoint: "batch", kind: "hang", count: 1 }]);
      const start2 = Date.now();
      const r = await m.tokens([tenant(98), tenant(99)]);
      assert.ok(Date.now() - start2 < 1500, `batch timeout elapsed ${Date.now() - start2} ms`);
      assert.equal(r.tokens.size, 0, "no tokens");
      assert.deepEqual([...r.errors.values()].map((e) => e.code), ["TMS_TIMEOUT", "TMS_TIMEOUT"], "batch errors");
      assert.equal((await ctx.emu.counts()).batch, 1, "one batch request");
    },
  },

  {
    name: "abort: an AbortSignal aborts an in-flight token() with TMS_ABORTED quickly; an already-aborted signal rejects at once without a request",
    async fn(ctx) {
      const { m } = manager(ctx);
      await ctx.emu.faults([{ endpoint: "token", kind: "hang", count: 1 }]);
      const ac = new AbortController();
      const start = Date.now();
      setTimeout(() => ac.abort(), 100);
      await rejects(m.token(tenant(101), { signal: ac.signal }), "TMS_ABORTED", "abort in flight");
      const elapsed = Date.now() - start;
      assert.ok(elapsed < 800, `aborted quickly (${elapsed} ms)`);
      assert.equal((await ctx.emu.counts()).token, 1, "the hanging request");

      const done = new AbortController();
      done.abort();
      const start2 = Date.now();
      await rejects(m.token(tenant(102), { signal: done.signal }), "TMS_ABORTED", "already aborted");
      await rejects(m.userTenants({ signal: done.signal }), "TMS_ABORTED", "userTenants already aborted");
      assert.ok(Date.now() - start2 < 300, `rejected at once (${Date.now() - start2} ms)`);
      assert.equal(total(await ctx.emu.counts()), 1, "no request for an already-aborted signal");
      const r = await m.tokens([tenant(102), tenant(103)], { signal: done.signal }).catch((e) => e);
      if (r instanceof Error) assert.equal(r.code, "TMS_ABORTED", "tokens() with an aborted signal");
      else assert.ok(r.tokens.size === 0 && [...r.errors.values()].every((e) => e.code === "TMS_ABORTED"), "tokens() with an aborted signal: TMS_ABORTED errors");
      assert.equal(total(await ctx.emu.counts()), 1, "no request for tokens() with an already-aborted signal");
      checkToken(ctx, await m.token(tenant(101)), tenant(101), "after an abort");

      // Aborted while waiting out a Retry-After of 3 s: released at once.
      await ctx.emu.faults([{ endpoint: "token", kind: 429, retryAfter: "3", count: 1 }]);
      const ac3 = new AbortController();
      setTimeout(() => ac3.abort(), 150);
      const start3 = Date.now();
      await rejects(m.token(tenant(104), { signal: ac3.signal }), "TMS_ABORTED", "abort during a Retry-After wait");
      assert.ok(Date.now() - start3 < 1000, `released during the wait (${Date.now() - start3} ms)`);
      assert.equal((await ctx.emu.counts()).token, 3, "no attempt after the abort");
    },
  },

  {
    name: "abort of one caller does not fail another caller sharing the same in-flight request",
    async fn(ctx) {
      const { m } = manager(ctx);
      await ctx.emu.config({ latencyMs: 600 });
      const ac = new AbortController();
      const p1 = m.token(tenant(103), { signal: ac.signal });
      const p2 = m.token(tenant(103));
      setTimeout(() => ac.abort(), 50);
      const start = Date.now();
      await rejects(p1, "TMS_ABORTED", "the aborted caller");
      assert.ok(Date.now() - start < 400, `the aborted caller is released at once (${Date.now() - start} ms), not when the response arrives`);
      const t = await p2;
      checkToken(ctx, t, tenant(103), "the other caller");
      assert.ok((await ctx.emu.counts()).token <= 2, "at most one extra request");
    },
  },

  {
    name: "partial batch: an unauthorized tenant (omitted by the TMS) lands in errors as a TmsError; the others get their tokens",
    async fn(ctx) {
      const { m } = manager(ctx);
      const want = [tenant(110), "never-subscribed", tenant(111)];
      const r = await m.tokens(want);
      assert.deepEqual(sorted(r.tokens.keys()), [tenant(110), tenant(111)], "tokens of the authorized tenants");
      for (const [k, t] of r.tokens) checkToken(ctx, t, k);
      assert.deepEqual([...r.errors.keys()], ["never-subscribed"], "errors");
      const e = r.errors.get("never-subscribed");
      assert.ok(isTmsError(ctx, e), `a TmsError: ${e}`);
      assert.equal(typeof e.code, "string", "with a code");
      // Left out of the batch, it was asked for alone: its 403 makes it TMS_UNAUTHORIZED, as from token().
      assert.deepEqual([e.code, e.status], ["TMS_UNAUTHORIZED", 403], "an unauthorized tenant of a batch");
      assert.ok((await ctx.emu.counts()).batch >= 1, "batched");
      sameToken(await m.token(tenant(110)), r.tokens.get(tenant(110)), "the good tokens are cached");

      // A batch rejected as a whole: every tenant of it in errors, not retried.
      const before = (await ctx.emu.counts()).batch;
      await ctx.emu.faults([{ endpoint: "batch", kind: 401, count: -1 }]);
      const r2 = await m.tokens([tenant(112), tenant(113)]);
      assert.equal(r2.tokens.size, 0, "no tokens from a 401 batch");
      assert.deepEqual(sorted(r2.errors.keys()), [tenant(112), tenant(113)], "both tenants in errors");
      for (const e of r2.errors.values()) {
        assert.ok(isTmsError(ctx, e), "a TmsError");
        assert.deepEqual([e.code, e.status], ["TMS_UNAUTHORIZED", 401], "code and status of a 401 batch");
      }
      assert.equal((await ctx.emu.counts()).batch, before + 1, "a 401 batch is not retried");
    },
  },

  {
    name: "batch faults omitTenant / extraTenant / wrongTenant never file a token under the wrong tenant (ten claim checked), nor poison the cache",
    async fn(ctx) {
      for (const [i, kind] of ["omitTenant", "extraTenant", "wrongTenant"].entries()) {
        await ctx.emu.clearFaults();
        await ctx.emu.faults([{ endpoint: "batch", kind, count: 1 }]);
        const { m } = manager(ctx);
        const want = range(120 + i * 10, 124 + i * 10);
        const r = await m.tokens(want);
        const applied = (await entries(ctx, "batch")).some((e) => e.fault === kind);
        assert.ok(applied, `${kind} was applied by the emulator`);
        for (const [k, t] of r.tokens) {
          assert.ok(want.includes(k), `${kind}: result for a tenant that was not asked for: ${k}`);
          checkToken(ctx, t, k, kind);
        }
        for (const [k, e] of r.errors) {
          assert.ok(want.includes(k), `${kind}: error for a tenant that was not asked for: ${k}`);
          assert.ok(isTmsError(ctx, e), `${kind}: error is a TmsError`);
        }
        assert.deepEqual(sorted([...r.tokens.keys(), ...r.errors.keys()]), want, `${kind}: every tenant answered once`);
        if (kind === "omitTenant") assert.ok(r.errors.size === 1 || r.tokens.size === 5, `${kind}: the omitted tenant is an error (or fetched again)`);
        if (kind === "extraTenant") assert.equal(r.tokens.size, 5, `${kind}: the requested tenants all have tokens`);
        if (kind === "wrongTenant") assert.ok(r.tokens.size <= 3 || r.tokens.size === 5, `${kind}: swapped entries are rejected`);
        // Whatever came back, the cache now answers each tenant with its own token.
        for (const k of want) checkToken(ctx, await m.token(k), k, `${kind} (cache afterwards)`);
        if (kind === "extraTenant") {
          // The emulator adds the first tenant that was not asked for: it must not be cached.
          const before = total(await ctx.emu.counts());
          const other = range(1, TENANTS).find((t) => !want.includes(t));
          checkToken(ctx, await m.token(other), other, "extra tenant");
          assert.equal(total(await ctx.emu.counts()), before + 1, `${kind}: the unrequested tenant's token was not cached`);
        }
      }
    },
  },

  {
    name: "fetch(userTenant, url): Bearer token to the KPI API, 200 JSON; a 401 invalidates the token and retries once with a new one (only once)",
    async fn(ctx) {
      const { m } = manager(ctx);
      const T = tenant(150);
      const url = `${ctx.emu.url}/api/kpi/v1/tenants/${T}/kpis`;
      const r = await m.fetch(T, url);
      assert.equal(r.status, 200, "KPI status");
      const body = await r.json();
      assert.equal(body.tenant, T, "KPI body tenant");
      assert.equal(typeof body.kpis?.oee, "number", "KPI body");
      const [kpi] = await entries(ctx, "kpi");
      assert.deepEqual([kpi.authScheme, kpi.authValid], ["Bearer", true], "Authorization: Bearer <valid token of that tenant>");
      let c = await ctx.emu.counts();
      assert.deepEqual([c.token + c.batch, c.kpi], [1, 1], `requests: ${JSON.stringify(c)}`);

      // A Request object and init headers work too; the cached token is reused.
      const r2 = await m.fetch(T, new Request(url), { headers: { accept: "application/json" } });
      assert.equal(r2.status, 200, "Request input");
      await r2.text();
      c = await ctx.emu.counts();
      assert.deepEqual([c.token + c.batch, c.kpi], [1, 2], "cached token reused by fetch()");

      // The API rejects the token once: fetch() drops it, gets a new one, retries once.
      const old = await m.token(T);
      await ctx.emu.faults([{ endpoint: "kpi", kind: 401, count: 1 }]);
      const r3 = await m.fetch(T, url);
      assert.equal(r3.status, 200, "retried with a new token");
      await r3.text();
      c = await ctx.emu.counts();
      assert.deepEqual([c.token + c.batch, c.kpi], [2, 4], `one new token, two KPI requests: ${JSON.stringify(c)}`);
      const renewed = await m.token(T);
      otherToken(renewed, old, "the rejected token was replaced in the cache");
      checkToken(ctx, renewed, T);

      // Rejected twice: the second 401 is returned, no third attempt.
      await ctx.emu.faults([{ endpoint: "kpi", kind: 401, count: 2 }]);
      const r4 = await m.fetch(T, url);
      assert.equal(r4.status, 401, "the second 401 is returned to the caller");
      await r4.text();
      c = await ctx.emu.counts();
      assert.deepEqual([c.token + c.batch, c.kpi], [3, 6], `retried once only: ${JSON.stringify(c)}`);
    },
  },

  {
    name: "invalidate(tenant) and invalidate() force new requests; others stay cached",
    async fn(ctx) {
      const { m } = manager(ctx);
      const [a, b] = [await m.token(tenant(160)), await m.token(tenant(161))];
      assert.equal((await ctx.emu.counts()).token, 2, "two tokens");
      m.invalidate(tenant(160));
      const a2 = await m.token(tenant(160));
      const b2 = await m.token(tenant(161));
      assert.equal((await ctx.emu.counts()).token, 3, "invalidate(tenant160) → one new request");
      otherToken(a2, a, "new token for tenant160");
      sameToken(b2, b, "tenant161 still cached");
      m.invalidate("unknown-tenant"); // no throw
      m.invalidate();
      await m.token(tenant(160));
      await m.token(tenant(161));
      assert.equal((await ctx.emu.counts()).token, 5, "invalidate() → every tenant fetched again");
      const cached = await m.token(tenant(160));
      await m.tokens([tenant(160), tenant(161)]);
      assert.equal(total(await ctx.emu.counts()), 5, "cached again");
      const forced = await m.token(tenant(160), { forceRefresh: true });
      assert.equal(total(await ctx.emu.counts()), 6, "forceRefresh → a request despite the cache");
      otherToken(forced, cached, "forceRefresh gives a new token");
      sameToken(await m.token(tenant(160)), forced, "the forced token is cached");
    },
  },

  {
    name: "stats(): { hits, misses, upstreamRequests, refreshes, errors, entries } count what happened (upstreamRequests == emulator's count)",
    async fn(ctx) {
      const { m } = manager(ctx, { retries: 0 });
      const keys = ["entries", "errors", "hits", "misses", "refreshes", "upstreamRequests"];
      const s0 = m.stats();
      assert.deepEqual(sorted(Object.keys(s0)), keys, "fields");
      assert.ok(keys.every((k) => s0[k] === 0), `all zero at start: ${JSON.stringify(s0)}`);
      await m.token(tenant(170));
      await m.token(tenant(170));
      await m.tokens([tenant(170), tenant(171), tenant(172)]);
      await ctx.emu.faults([{ endpoint: "token", kind: 500, count: 1 }]);
      await rejects(m.token(tenant(173)), "TMS_HTTP", "500 with retries 0");
      const s = m.stats();
      const c = await ctx.emu.counts();
      const expected = { entries: 3, errors: 1, hits: 2, misses: 4, refreshes: 0, upstreamRequests: 3 };
      assert.deepEqual(Object.fromEntries(keys.map((k) => [k, s[k]])), expected, "stats");
      assert.equal(s.upstreamRequests, total(c), `upstreamRequests matches the emulator (${JSON.stringify(c)})`);
      m.invalidate();
      assert.equal(m.stats().entries, 0, "entries after invalidate()");
    },
  },

  {
    name: "TokenManager.fromEnv(env, overrides): MDSP_* variables with MDSP_GATEWAY_URL at the emulator; overrides win",
    async fn(ctx) {
      const c = ctx.emu.credentials;
      const env = {
        MDSP_KEY_STORE_CLIENT_ID: c.clientId,
        MDSP_KEY_STORE_CLIENT_SECRET: c.clientSecret,
        MDSP_OS_VM_APP_NAME: c.appName,
        MDSP_OS_VM_APP_VERSION: c.appVersion,
        MDSP_HOST_TENANT: c.hostTenant,
        MDSP_USER_TENANT: tenant(180),
        MDSP_GATEWAY_URL: ctx.emu.url,
      };
      const m = track(ctx.lib.TokenManager.fromEnv(env));
      const t = await m.token();
      checkToken(ctx, t, tenant(180), "MDSP_USER_TENANT is the default tenant");
      const [entry] = await entries(ctx, "token");
      assert.deepEqual([entry.authValid, entry.body.appName, entry.body.appVersion, entry.body.hostTenant],
        [true, c.appName, c.appVersion, c.hostTenant], "credentials and app from the environment");

      const m2 = track(ctx.lib.TokenManager.fromEnv(env, { userTenant: tenant(181) }));
      checkToken(ctx, await m2.token(), tenant(181), "override userTenant");

      // The override's gateway wins over MDSP_GATEWAY_URL (which points nowhere useful here).
      const m3 = track(ctx.lib.TokenManager.fromEnv({ ...env, MDSP_GATEWAY_URL: "http://127.0.0.1:9" }, { gateway: ctx.emu.url, retries: 0 }));
      checkToken(ctx, await m3.token(tenant(182)), tenant(182), "override gateway");
      // …and over the default region gateway when MDSP_GATEWAY_URL is absent.
      const { MDSP_GATEWAY_URL, ...noGateway } = env;
      const m4 = track(ctx.lib.TokenManager.fromEnv(noGateway, { gateway: ctx.emu.url }));
      checkToken(ctx, await m4.token(tenant(183)), tenant(183), "override gateway without MDSP_GATEWAY_URL");
      assert.equal((await ctx.emu.counts()).token, 4, "every manager reached the emulator once");
      // Without MDSP_GATEWAY_URL and overrides, construction works (region default); no request is made here.
      ctx.lib.TokenManager.fromEnv(noGateway).free?.();

      const { MDSP_KEY_STORE_CLIENT_SECRET, ...noSecret } = env;
      const err = throwsCode(() => ctx.lib.TokenManager.fromEnv(noSecret), "TMS_CONFIG", "missing MDSP_KEY_STORE_CLIENT_SECRET");
      assert.match(err.message, /clientSecret|MDSP_KEY_STORE_CLIENT_SECRET/, "names the missing secret");
    },
  },

  {
    name: "constructor validation: each bad option throws TmsError TMS_CONFIG naming the option; good gateways (trailing slash) work",
    async fn(ctx) {
      const bad = [
        [{ clientSecret: undefined }, "clientSecret"],
        [{ clientSecret: "" }, "clientSecret"],
        [{ clientSecret: 42 }, "clientSecret"],
        [{ clientId: undefined }, "clientId"],
        [{ appName: undefined }, "appName"],
        [{ appVersion: 1 }, "appVersion"],
        [{ hostTenant: undefined }, "hostTenant"],
        [{ userTenant: 7 }, "userTenant"],
        [{ batchSize: 0 }, "batchSize"],
        [{ batchSize: 2.5 }, "batchSize"],
        [{ batchSize: "5" }, "batchSize"],
        [{ pageSize: 0 }, "pageSize"],
        [{ timeout: -1 }, "timeout"],
        [{ timeout: Number.NaN }, "timeout"],
        [{ retries: -1 }, "retries"],
        [{ retries: "2" }, "retries"],
        [{ refreshBeforeExpiry: -5 }, "refreshBeforeExpiry"],
        [{ gateway: "127.0.0.1:8080" }, "gateway"],
        [{ gateway: "gateway.eu1.mindsphere.io" }, "gateway"],
        [{ gateway: "ftp://127.0.0.1" }, "gateway"],
        [{ gateway: 8080 }, "gateway"],
        [{ gateway: undefined }, "gateway"],
        [{ fetch: "fetch" }, "fetch"],
        [{ onEvent: 5 }, "onEvent"],
      ];
      for (const [overrides, option] of bad) {
        const what = JSON.stringify(overrides, (k, v) => (v === undefined ? "<undefined>" : Number.isNaN(v) ? "<NaN>" : v));
        const err = throwsCode(() => new ctx.lib.TokenManager(ctx.options(overrides)), "TMS_CONFIG", what);
        assert.ok(isTmsError(ctx, err), `${what}: a TmsError`);
        assert.ok(err.message.includes(option), `${what}: the message names ${option}: ${JSON.stringify(err.message)}`);
      }
      throwsCode(() => new ctx.lib.TokenManager(), "TMS_CONFIG", "no options");
      throwsCode(() => new ctx.lib.TokenManager(null), "TMS_CONFIG", "null options");
      // region alone builds a gateway: valid, and nothing is sent at construction.
      const { gateway, ...noGateway } = ctx.options();
      new ctx.lib.TokenManager({ ...noGateway, region: "eu2" }).free?.();
      // A trailing slash is fine: the API path is appended once.
      const { m } = manager(ctx, { gateway: `${ctx.emu.url}/` });
      checkToken(ctx, await m.token(tenant(190)), tenant(190), "gateway with a trailing slash");
      const [entry] = await entries(ctx, "token");
      assert.equal(entry.path, `${BASE}/oauth/token`, "path with a trailing-slash gateway");
      assert.equal(total(await ctx.emu.counts()), 1, "only the one request");
      // A gateway with the API path already pasted in does not double it.
      const { m: m2 } = manager(ctx, { gateway: `${ctx.emu.url}${BASE}` });
      checkToken(ctx, await m2.token(tenant(191)), tenant(191), "gateway with the API path");
      assert.equal((await ctx.emu.counts()).token, 2, "reached /oauth/token");
    },
  },

  {
    name: "gateway URL: region/domain, a path prefix, MDSP_REGION/HOST_BASEDOMAIN and MDSP_GATEWAY_URL build the right endpoint (custom `fetch` records it; nothing leaves the process)",
    async fn(ctx) {
      const c = ctx.emu.credentials;
      const calls = [];
      // Answers every request itself with a 401: no network, and no retry to wait for.
      const fetch = async (input, init) => {
        calls.push({ url: typeof input === "string" ? input : String(input.url ?? input), init });
        return new Response(JSON.stringify({ error: "unauthorized", error_description: "test" }), { status: 401, headers: { "content-type": "application/json" } });
      };
      const path = `${BASE}/oauth/token`;
      const env = {
        MDSP_KEY_STORE_CLIENT_ID: c.clientId, MDSP_KEY_STORE_CLIENT_SECRET: c.clientSecret,
        MDSP_OS_VM_APP_NAME: c.appName, MDSP_OS_VM_APP_VERSION: c.appVersion, MDSP_HOST_TENANT: c.hostTenant,
      };
      const { gateway, ...noGateway } = ctx.options();
      const variants = [
        ["region eu2", () => new ctx.lib.TokenManager({ ...noGateway, region: "eu2", fetch }), `https://gateway.eu2.mindsphere.io${path}`],
        ["region cn1 + domain", () => new ctx.lib.TokenManager({ ...noGateway, region: "cn1", domain: "mindsphere-in.cn", fetch }), `https://gateway.cn1.mindsphere-in.cn${path}`],
        ["gateway with a path prefix", () => new ctx.lib.TokenManager({ ...noGateway, gateway: "http://127.0.0.1:8080/some/prefix/", fetch }), `http://127.0.0.1:8080/some/prefix${path}`],
        ["fromEnv defaults", () => ctx.lib.TokenManager.fromEnv(env, { fetch }), `https://gateway.eu1.mindsphere.io${path}`],
        ["fromEnv MDSP_REGION + HOST_BASEDOMAIN", () => ctx.lib.TokenManager.fromEnv({ ...env, MDSP_REGION: "eu2", HOST_BASEDOMAIN: "basedomain.xyz" }, { fetch }), `https://gateway.eu2.basedomain.xyz${path}`],
        ["fromEnv MDSP_GATEWAY_URL", () => ctx.lib.TokenManager.fromEnv({ ...env, MDSP_GATEWAY_URL: "http://127.0.0.1:8081", MDSP_REGION: "eu2" }, { fetch }), `http://127.0.0.1:8081${path}`],
      ];
      for (const [what, make, url] of variants) {
        calls.length = 0;
        const m = track(make());
        await rejects(m.token(tenant(185)), "TMS_UNAUTHORIZED", what);
        assert.equal(calls.length, 1, `${what}: one call to the custom fetch`);
        assert.equal(calls[0].url, url, `${what}: URL`);
        const { init } = calls[0];
        assert.equal(String(init.method).toUpperCase(), "POST", `${what}: method`);
        const h = new Headers(init.headers);
        assert.ok(h.get("x-space-auth-key") === `Basic ${btoa(`${c.clientId}:${c.clientSecret}`)}`, `${what}: X-SPACE-AUTH-KEY is exactly "Basic " + base64(clientId:clientSecret)`);
        assert.match(h.get("content-type") ?? "", /^application\/json/i, `${what}: content-type`);
        assert.equal(h.get("authorization"), null, `${what}: no Authorization header on /oauth/token`);
        assert.deepEqual(JSON.parse(init.body), { appName: c.appName, appVersion: c.appVersion, hostTenant: c.hostTenant, userTenant: tenant(185) }, `${what}: body`);
      }
      assert.equal(total(await ctx.emu.counts()), 0, "the emulator saw nothing");
    },
  },

  {
    name: "method arguments: non-string tenants and a non-array tokens() list reject with a TmsError and send nothing",
    async fn(ctx) {
      const { m } = manager(ctx);
      const url = `${ctx.emu.url}/api/kpi/v1/tenants/${tenant(1)}/kpis`;
      const calls = [
        ["token(123)", () => m.token(123)],
        ["token({})", () => m.token({})],
        ["token('')", () => m.token("")],
        ["tokens('tenant001')", () => m.tokens(tenant(1))],
        ["tokens([1])", () => m.tokens([1])],
        ["tokens([null])", () => m.tokens([null])],
        ["fetch(5, url)", () => m.fetch(5, url)],
      ];
      for (const [what, call] of calls) {
        let err;
        try {
          await call();
        } catch (e) {
          err = e;
        }
        if (err) seen.errors.push(err);
        assert.ok(err, `${what}: expected a rejection`);
        assert.ok(isTmsError(ctx, err), `${what}: a TmsError, got ${err?.name}: ${err?.message}`);
      }
      assert.equal(total(await ctx.emu.counts()), 0, "no request for bad arguments");
    },
  },

  {
    name: "tenant ids with '/', '?', '#', spaces, '..', '%2F' and unicode are sent verbatim in JSON bodies and never alter the URL path",
    async fn(ctx) {
      const weird = ["a/b", "x?y=1&z=2", "frag#ment", "with space", "ünïcødé-✓-租户", "../../_emulator/reset", "%2F..%2Fx"];
      const { m } = manager(ctx);
      for (const w of weird) {
        const err = await rejects(m.token(w), "TMS_UNAUTHORIZED", `token(${JSON.stringify(w)})`);
        assert.equal(err.status, 403, `${JSON.stringify(w)}: the TMS saw it (403: not subscribed)`);
      }
      let log = await entries(ctx, "token");
      assert.equal(log.length, weird.length, `one token request per tenant (counters survived: ${log.length})`);
      for (const [i, e] of log.entries()) {
        assert.equal(e.path, `${BASE}/oauth/token`, `path for ${JSON.stringify(weird[i])}`);
        assert.deepEqual(e.query, {}, `no query for ${JSON.stringify(weird[i])}`);
        assert.equal(e.body.userTenant, weird[i], "userTenant verbatim in the body");
      }
      const r = await m.tokens(weird);
      assert.deepEqual(sorted(r.errors.keys()), sorted(weird), "every weird tenant in errors");
      // The TMS leaves them out of the batch; each is then asked for alone: its 403 decides.
      for (const [w, e] of r.errors) assert.equal(e.code, "TMS_UNAUTHORIZED", `${JSON.stringify(w)} from the batch`);
      log = await entries(ctx, "batch");
      for (const e of log) assert.equal(e.path, `${BASE}/oauthTokens`, "batch path");
      assert.deepEqual(sorted(log.flatMap((e) => e.body.userTenantIds)), sorted(weird), "userTenantIds verbatim");
      const c = await ctx.emu.counts();
      assert.deepEqual([c.token, c.batch, c.userTenants, c.kpi], [2 * weird.length, Math.ceil(weird.length / 5), 0, 0], `counts ${JSON.stringify(c)}`);
    },
  },

  {
    name: "TmsError: instanceof Error and TmsError, name, code, status, toJSON; decodeJwt on malformed input throws TMS_INVALID_TOKEN",
    async fn(ctx) {
      const { TmsError, decodeJwt } = ctx.lib;
      const { m } = manager(ctx, { retries: 0 });
      await ctx.emu.faults([{ endpoint: "token", kind: 401, count: 1 }]);
      const e401 = await rejects(m.token(tenant(200)), "TMS_UNAUTHORIZED", "401");
      for (const [e, code, status] of [[e401, "TMS_UNAUTHORIZED", 401]]) {
        assert.ok(e instanceof Error, "instanceof Error");
        assert.ok(e instanceof TmsError, "instanceof TmsError");
        assert.equal(e.name, "TmsError", "name");
        assert.equal(e.code, code, "code");
        assert.equal(e.status, status, "status");
        assert.ok(typeof e.message === "string" && e.message.length > 0, "message");
        assert.ok(typeof e.stack === "string", "stack");
        assert.match(String(e), /^TmsError: /, "String(err)");
        const json = JSON.parse(JSON.stringify(e));
        assert.deepEqual([json.name, json.code, json.status], ["TmsError", code, status], "JSON.stringify(err)");
      }
      await ctx.emu.faults([{ endpoint: "token", kind: 500, count: 1 }]);
      const e500 = await rejects(m.token(tenant(200)), "TMS_HTTP", "500");
      assert.equal(e500.status, 500, "TMS_HTTP status");
      await ctx.emu.faults([{ endpoint: "token", kind: "malformed", count: 1 }]);
      const bad = await rejects(m.token(tenant(200)), "TMS_INVALID_RESPONSE", "malformed JSON body");
      assert.ok(bad instanceof TmsError, "invalid response is a TmsError");

      const cfg = throwsCode(() => new ctx.lib.TokenManager(ctx.options({ batchSize: 0 })), "TMS_CONFIG", "config");
      assert.ok(cfg instanceof TmsError && cfg instanceof Error, "config error classes");
      assert.equal(cfg.status, undefined, "no status on TMS_CONFIG");

      const { m: down } = manager(ctx, { gateway: "http://127.0.0.1:9", retries: 0, timeout: 2000 });
      const net = await rejects(down.token(tenant(200)), "TMS_NETWORK", "connection refused");
      assert.equal(net.status, undefined, "no status on TMS_NETWORK");

      const good = await m.token(tenant(201));
      const { header, claims } = decodeJwt(good.accessToken);
      assert.equal(header.typ, "JWT", "decodeJwt header");
      assert.equal(claims.ten, tenant(201), "decodeJwt claims");
      assert.deepEqual(claims, claimsOf(good.accessToken), "decodeJwt claims equal an independent decoding");
      const [h, , s] = good.accessToken.split(".");
      const malformed = ["", "abc", "a.b", "a.b.c", `${h}.%%%.${s}`, `${h}.${btoa("not json").replace(/=+$/, "")}.${s}`, `${h}..${s}`, "..."];
      for (const input of malformed) {
        const err = throwsCode(() => decodeJwt(input), "TMS_INVALID_TOKEN", `decodeJwt(${JSON.stringify(input.slice(0, 20))}…)`);
        assert.ok(err instanceof TmsError, "a TmsError");
      }
      for (const input of [undefined, null, 42, {}]) {
        throwsCode(() => decodeJwt(input), "TMS_INVALID_TOKEN", `decodeJwt(${String(input)})`);
      }
    },
  },

  {
    name: "secrets: no error (message, stack, String, JSON) or event of any case contains the client secret, the X-SPACE-AUTH-KEY value or an issued access token",
    async fn(ctx) {
      const c = ctx.emu.credentials;
      // Errors and events of this case's own, in case it runs alone.
      const { m } = manager(ctx, { retries: 0, timeout: 300 });
      await m.token(tenant(210));
      await m.tokens([tenant(211), tenant(212)]);
      const faults = [
        [{ endpoint: "token", kind: 401 }, "TMS_UNAUTHORIZED"],
        [{ endpoint: "token", kind: 500 }, "TMS_HTTP"],
        [{ endpoint: "token", kind: 429, retryAfter: "120" }, "TMS_THROTTLED"],
        [{ endpoint: "token", kind: "hang" }, "TMS_TIMEOUT"],
        [{ endpoint: "token", kind: "malformed" }, "TMS_INVALID_RESPONSE"],
        [{ endpoint: "token", kind: "truncated" }, "TMS_INVALID_RESPONSE"],
        [{ endpoint: "token", kind: "notjwt" }, undefined],
        [{ endpoint: "token", kind: "expired" }, undefined],
      ];
      // A Retry-After of 120 s pauses every request of its manager: that one gets its own.
      const { m: paused } = manager(ctx, { retries: 0, timeout: 300 });
      for (const [i, [fault, code]] of faults.entries()) {
        await ctx.emu.faults([{ ...fault, count: 1 }]);
        const err = await assert.rejects((fault.kind === 429 ? paused : m).token(tenant(213 + i)), code, JSON.stringify(fault));
        seen.errors.push(err);
      }
      await ctx.emu.faults([{ endpoint: "batch", kind: "wrongTenant", count: 1 }, { endpoint: "batch", kind: "truncated", count: 1 }]);
      await m.tokens(range(221, 225));
      await m.tokens(range(226, 229));
      const ac = new AbortController();
      await ctx.emu.faults([{ endpoint: "token", kind: "hang", count: 1 }]);
      setTimeout(() => ac.abort(), 20);
      await rejects(m.token(tenant(230), { signal: ac.signal }), "TMS_ABORTED", "abort");
      await ctx.emu.faults([{ endpoint: "kpi", kind: 401, count: 2 }]);
      await (await m.fetch(tenant(210), `${ctx.emu.url}/api/kpi/v1/tenants/${tenant(210)}/kpis`)).text();
      const { m: wrong } = manager(ctx, { clientSecret: `${c.clientSecret}-wrong`, retries: 0 });
      await rejects(wrong.token(tenant(210)), "TMS_UNAUTHORIZED", "wrong secret");
      // Options errors where the secret sits next to, or inside, the bad value.
      throwsCode(() => new ctx.lib.TokenManager(ctx.options({ clientId: "has:colon" })), "TMS_CONFIG", "clientId with ':'");
      throwsCode(() => new ctx.lib.TokenManager(ctx.options({ gateway: `http://${c.clientId}:${c.clientSecret}@127.0.0.1:9` })), "TMS_CONFIG", "credentials in the gateway");
      throwsCode(() => new ctx.lib.TokenManager(ctx.options({ gateway: `ftp://${c.clientSecret}` })), "TMS_CONFIG", "secret as gateway");
      throwsCode(() => new ctx.lib.TokenManager(ctx.options({ region: c.clientSecret, gateway: undefined, domain: "x y" })), "TMS_CONFIG", "secret as region");
      throwsCode(() => new ctx.lib.TokenManager(ctx.options({ timeout: c.clientSecret })), "TMS_CONFIG", "secret as timeout");
      // decodeJwt of a damaged real token must not quote it.
      const real = (await m.token(tenant(210))).accessToken;
      const [h, p, s] = real.split(".");
      throwsCode(() => ctx.lib.decodeJwt(`${h}.${p.slice(0, -3)}%%%.${s}`), "TMS_INVALID_TOKEN", "damaged token");
      throwsCode(() => ctx.lib.decodeJwt(`${real}.${s}`), "TMS_INVALID_TOKEN", "four segments");

      // Everything collected so far, by this and every earlier case of this run.
      const authKey = btoa(`${c.clientId}:${c.clientSecret}`);
      const forbidden = [["client secret", c.clientSecret], ["X-SPACE-AUTH-KEY", authKey]];
      for (const t of seen.tokens) {
        forbidden.push(["access token", t]);
        forbidden.push(["access token signature", t.split(".")[2].slice(0, 24)]);
        forbidden.push(["access token claims", t.split(".")[1].slice(-24)]);
      }
      const jwtLike = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}/;
      const check = (text, what) => {
        for (const [label, value] of forbidden) {
          if (value && text.includes(value)) throw new Error(`${what} contains the ${label}: ${text.slice(0, 300)}`);
        }
        if (jwtLike.test(text)) throw new Error(`${what} contains a JWT: ${text.slice(0, 300)}`);
      };
      assert.ok(seen.errors.length >= 20, `errors collected: ${seen.errors.length}`);
      assert.ok(seen.events.length >= 20, `events collected: ${seen.events.length}`);
      assert.ok(seen.tokens.size >= 5, `tokens collected: ${seen.tokens.size}`);
      for (const [i, e] of seen.errors.entries()) {
        const what = `error #${i} (${e?.code ?? e?.name})`;
        assert.ok(isTmsError(ctx, e), `${what} is a TmsError: ${e}`);
        const parts = [e.message, e.stack, String(e), JSON.stringify(e)];
        for (const k of Object.getOwnPropertyNames(e)) parts.push(`${k}=${String(e[k])}`);
        if (e.cause !== undefined) parts.push(String(e.cause), JSON.stringify(e.cause) ?? "");
        check(parts.join("\n"), what);
      }
      for (const [i, ev] of seen.events.entries()) {
        const text = JSON.stringify(ev);
        check(text, `event #${i}`);
        assert.ok(EVENT_TYPES.includes(ev.type), `event #${i} type: ${text}`);
        const unknown = Object.keys(ev).filter((k) => !EVENT_KEYS.includes(k));
        assert.deepEqual(unknown, [], `event #${i} has only documented fields: ${text}`);
      }
    },
  },
];
