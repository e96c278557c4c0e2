// The fault matrix: what a caller of tms-edge gets when the Token Management Service (or the
// network in front of it) misbehaves, how many upstream requests that cost, and how long it
// took. Every case asserts all three: the outcome (a token, or a TmsError with code, status,
// retryAfter), the emulator's request counters, and an elapsed-time bound of
// timeout × (retries + 1) + backoff (+ any Retry-After waited for) + slack.
//
// Web-standard APIs only (fetch, Response, ReadableStream, AbortController, setTimeout, JSON), so the same
// cases run in Node, Deno, workerd, edge-runtime and browsers. See harness.mjs for `ctx`.
import { assert, sleep } from "./harness.mjs";

/** Per-attempt timeout used throughout: small, so hangs and retries stay fast. */
const TIMEOUT = 300;
/** Scheduling slack for a bound: two shared cores, other work running alongside. */
const SLACK_MS = 1000;

/** The largest total backoff of `retries` retries (200 ms doubling, capped at 5 s each). */
const maxBackoff = (retries) => {
  let total = 0;
  for (let a = 0; a < retries; a++) total += Math.min(200 * 2 ** a, 5000);
  return total;
};
/** The longest a call may take: every attempt timing out, every backoff at its maximum. */
const bound = ({ timeout = TIMEOUT, retries = 2, waits = 0 } = {}) =>
  timeout * (retries + 1) + maxBackoff(retries) + waits + SLACK_MS;

/** Runs `fn` and returns { value } or { error }, with the elapsed ms. */
async function settle(fn) {
  const started = Date.now();
  try {
    const value = await fn();
    return { value, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

/** Runtimes whose fetch is known never to resend a request on its own after a reset. */
const RESENDS_NOTHING = (ctx) => ctx.runtime === "node";

const sleepUntil = (t) => sleep(Math.max(0, t - Date.now()));
const describe = (e) => (e ? `${e.code ?? e.name}: ${e.message}` : "no error");

/** A token of `tenant`: right tenant in the object and in the JWT, not expired. */
function expectToken(ctx, r, tenant, label = "") {
  assert.ok(!r.error, `${label} expected a token for ${tenant}, got ${describe(r.error)}`);
  const t = r.value;
  assert.equal(t.userTenant, tenant, `${label} userTenant`);
  assert.equal(t.tokenType, "bearer", `${label} tokenType`);
  const { claims } = ctx.lib.decodeJwt(t.accessToken);
  assert.equal(claims.ten, tenant, `${label} the JWT's ten claim`);
  const now = Date.now();
  assert.ok(t.expiresAt > now, `${label} expiresAt ${t.expiresAt} is not in the future (now ${now})`);
  assert.ok(claims.exp * 1000 > now, `${label} the JWT has expired`);
  assert.ok(t.expiresAt <= claims.exp * 1000, `${label} expiresAt ${t.expiresAt} is past the JWT exp ${claims.exp}`);
  return t;
}

/** A TmsError with `code` (and `status` / `retryAfter` when given; null = must be absent). */
function expectError(ctx, r, code, { status, retryAfter } = {}, label = "") {
  assert.ok(r.error, `${label} expected ${code}, got a token`);
  const e = r.error;
  assert.ok(e instanceof ctx.lib.TmsError, `${label} not a TmsError: ${describe(e)}`);
  assert.ok(e instanceof Error, `${label} not an Error`);
  assert.equal(e.code, code, `${label} code (${e.message})`);
  if (status !== undefined) assert.equal(e.status ?? null, status, `${label} status`);
  if (retryAfter !== undefined) assert.equal(e.retryAfter ?? null, retryAfter, `${label} retryAfter`);
  return e;
}

function expectWithin(r, ms, label = "") {
  assert.ok(r.ms <= ms, `${label} took ${r.ms} ms, more than the bound of ${ms} ms`);
}

/** Asserts the emulator saw exactly these request counts (endpoints not named must be 0). */
async function expectCounts(ctx, expected, label = "") {
  const counts = await ctx.emu.counts();
  const want = { token: 0, batch: 0, userTenants: 0, ...expected };
  for (const [endpoint, n] of Object.entries(want)) {
    assert.equal(counts[endpoint], n, `${label} upstream ${endpoint} requests`);
  }
}

/**
 * The emulator's tenants (discovered through the library, then the counters are reset),
 * and a TokenManager whose events are recorded.
 */
async function setup(ctx, overrides = {}) {
  const tenants = await new ctx.lib.TokenManager(ctx.options()).userTenants();
  assert.ok(tenants.length >= 6, `the emulator needs at least 6 user tenants, has ${tenants.length}`);
  await ctx.emu.reset();
  const events = [];
  const tm = new ctx.lib.TokenManager(
    ctx.options({ timeout: TIMEOUT, retries: 2, onEvent: (e) => events.push(e), ...overrides }),
  );
  const [A, B, C, D, E, F] = tenants;
  return { tm, events, tenants, A, B, C, D, E, F, of: (type) => events.filter((e) => e.type === type) };
}

const faults = (ctx, ...list) => ctx.emu.faults(list);

// --- cases ------------------------------------------------------------------------------------

const throttling = [
  {
    name: "429 with Retry-After in seconds: waits that long, then returns the token",
    async fn(ctx) {
      const { tm, A, of } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 429, retryAfter: 1 });
      const r = await settle(() => tm.token(A));
      expectToken(ctx, r, A);
      await expectCounts(ctx, { token: 2 });
      assert.ok(r.ms >= 950, `Retry-After: 1 not honoured: retried after ${r.ms} ms`);
      expectWithin(r, bound({ waits: 1000 }));
      const retries = of("retry");
      assert.equal(retries.length, 1, "retry events");
      assert.equal(retries[0].code, "TMS_THROTTLED", "retry event code");
      assert.equal(retries[0].status, 429, "retry event status");
    },
  },
  {
    name: "429 with Retry-After as an HTTP-date: retried at that time",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      const date = new Date(Date.now() + 2000).toUTCString(); // whole seconds: 1 to 2 s ahead
      const at = Date.parse(date);
      await faults(ctx, { endpoint: "token", kind: 429, retryAfter: date });
      const r = await settle(() => tm.token(A));
      expectToken(ctx, r, A);
      await expectCounts(ctx, { token: 2 });
      assert.ok(Date.now() >= at - 20, `retried ${at - Date.now()} ms before the Retry-After date`);
      expectWithin(r, bound({ waits: 2000 }));
    },
  },
  {
    name: "429 with an HTTP-date in the past: retried without waiting",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 429, retryAfter: new Date(Date.now() - 60_000).toUTCString() });
      const r = await settle(() => tm.token(A));
      expectToken(ctx, r, A);
      await expectCounts(ctx, { token: 2 });
      expectWithin(r, bound({ retries: 0 }));
    },
  },
  {
    name: "429 without Retry-After: jittered backoff, then the token",
    async fn(ctx) {
      const { tm, A, of } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 429 });
      const r = await settle(() => tm.token(A));
      expectToken(ctx, r, A);
      await expectCounts(ctx, { token: 2 });
      assert.ok(r.ms >= 100, `a backoff of at least 100 ms expected, retried after ${r.ms} ms`);
      expectWithin(r, bound({ retries: 1 }));
      assert.equal(of("retry").length, 1, "retry events");
    },
  },
  {
    name: "429 with Retry-After over 60 s: fails at once with TMS_THROTTLED and retryAfter",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 429, retryAfter: 120 });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_THROTTLED", { status: 429, retryAfter: 120 });
      await expectCounts(ctx, { token: 1 });
      expectWithin(r, TIMEOUT + SLACK_MS);
    },
  },
  ...[61, 99999999999].map((seconds) => ({
    name: `429 with Retry-After ${seconds} (over 60 s): fails at once with TMS_THROTTLED and retryAfter ${seconds}`,
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 429, retryAfter: String(seconds) });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_THROTTLED", { status: 429, retryAfter: seconds });
      await expectCounts(ctx, { token: 1 });
      expectWithin(r, TIMEOUT + SLACK_MS);
    },
  })),
  {
    name: "429 with an HTTP-date 5 minutes ahead: fails at once, retryAfter in seconds",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 429, retryAfter: new Date(Date.now() + 300_000).toUTCString() });
      const r = await settle(() => tm.token(A));
      const e = expectError(ctx, r, "TMS_THROTTLED", { status: 429 });
      assert.ok(e.retryAfter > 290 && e.retryAfter <= 300, `retryAfter ${e.retryAfter} is not about 300 s`);
      await expectCounts(ctx, { token: 1 });
      expectWithin(r, TIMEOUT + SLACK_MS);
    },
  },
  {
    name: "429 on every attempt: TMS_THROTTLED after retries + 1 requests (retries 0, 1, 2)",
    async fn(ctx) {
      const { tenants } = await setup(ctx);
      let total = 0;
      for (const retries of [0, 1, 2]) {
        const tm = new ctx.lib.TokenManager(ctx.options({ timeout: TIMEOUT, retries }));
        await ctx.emu.clearFaults();
        await faults(ctx, { endpoint: "token", kind: 429, retryAfter: 0, count: -1 });
        const r = await settle(() => tm.token(tenants[retries]));
        expectError(ctx, r, "TMS_THROTTLED", { status: 429, retryAfter: 0 }, `retries ${retries}:`);
        total += retries + 1;
        await expectCounts(ctx, { token: total }, `retries ${retries}:`);
        expectWithin(r, bound({ retries }), `retries ${retries}:`);
      }
    },
  },
  {
    name: "429 on every attempt without Retry-After: TMS_THROTTLED, no retryAfter, backoff bounded",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 429, count: -1 });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_THROTTLED", { status: 429, retryAfter: null });
      await expectCounts(ctx, { token: 3 });
      assert.ok(r.ms >= 300, `two backoffs (>= 100 + 200 ms) expected, took ${r.ms} ms`);
      expectWithin(r, bound());
    },
  },
];

const serverErrors = [
  ...[500, 502, 503].map((status) => ({
    name: `${status} with an HTML body on every attempt: TMS_HTTP ${status} after retries + 1, no HTML in the message`,
    async fn(ctx) {
      const { tm, A, of } = await setup(ctx, { retries: 1 });
      await faults(ctx, { endpoint: "token", kind: status, count: -1 });
      const r = await settle(() => tm.token(A));
      const e = expectError(ctx, r, "TMS_HTTP", { status, retryAfter: null });
      assert.ok(!/[<>]|html|nginx|center|Bad Gateway|Unavailable|Internal/i.test(e.message), `HTML in the message: ${e.message}`);
      assert.ok(e.message.includes(String(status)), `the message does not name the status: ${e.message}`);
      await expectCounts(ctx, { token: 2 });
      expectWithin(r, bound({ retries: 1 }));
      assert.equal(of("retry").length, 1, "retry events");
      const err = of("error");
      assert.equal(err.length, 1, "error events");
      assert.equal(err[0].code, "TMS_HTTP", "error event code");
    },
  })),
  {
    name: "503 once: retried, then the token",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 503 });
      const r = await settle(() => tm.token(A));
      expectToken(ctx, r, A);
      await expectCounts(ctx, { token: 2 });
      expectWithin(r, bound({ retries: 1 }));
    },
  },
  {
    name: "500 then 502 then the token (retries 2)",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 500 }, { endpoint: "token", kind: 502 });
      const r = await settle(() => tm.token(A));
      expectToken(ctx, r, A);
      await expectCounts(ctx, { token: 3 });
      expectWithin(r, bound());
    },
  },
];

const unauthorized = [
  {
    name: "401 (gateway token_validation_failed): TMS_UNAUTHORIZED, not retried",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 401, count: -1 });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_UNAUTHORIZED", { status: 401 });
      await expectCounts(ctx, { token: 1 });
      expectWithin(r, TIMEOUT + SLACK_MS);
    },
  },
  {
    name: "401 for a wrong client secret: TMS_UNAUTHORIZED, not retried",
    async fn(ctx) {
      const { A } = await setup(ctx);
      const tm = new ctx.lib.TokenManager(ctx.options({ timeout: TIMEOUT, retries: 2, clientSecret: "not-the-secret" }));
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_UNAUTHORIZED", { status: 401 });
      await expectCounts(ctx, { token: 1 });
      expectWithin(r, TIMEOUT + SLACK_MS);
    },
  },
  {
    name: "403 (tenant has not authorized the app): TMS_UNAUTHORIZED, not retried",
    async fn(ctx) {
      const { tm } = await setup(ctx);
      const r = await settle(() => tm.token("tenant-that-does-not-exist"));
      expectError(ctx, r, "TMS_UNAUTHORIZED", { status: 403 });
      await expectCounts(ctx, { token: 1 });
      expectWithin(r, TIMEOUT + SLACK_MS);
    },
  },
  {
    name: "403 (appVersion of another app): TMS_UNAUTHORIZED, not retried",
    async fn(ctx) {
      const { A } = await setup(ctx);
      const tm = new ctx.lib.TokenManager(ctx.options({ timeout: TIMEOUT, retries: 2, appVersion: "9.9.9" }));
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_UNAUTHORIZED", { status: 403 });
      await expectCounts(ctx, { token: 1 });
    },
  },
  {
    name: "401 on /oauthTokens: every tenant of the batch gets TMS_UNAUTHORIZED, not retried",
    async fn(ctx) {
      const { tm, A, B, C } = await setup(ctx);
      await faults(ctx, { endpoint: "batch", kind: 401, count: -1 });
      const r = await settle(() => tm.tokens([A, B, C]));
      assert.ok(!r.error, describe(r.error));
      assert.equal(r.value.tokens.size, 0, "tokens");
      for (const t of [A, B, C]) {
        expectError(ctx, { error: r.value.errors.get(t) }, "TMS_UNAUTHORIZED", { status: 401 }, t);
      }
      await expectCounts(ctx, { batch: 1 });
      expectWithin(r, TIMEOUT + SLACK_MS);
    },
  },
];

const connections = [
  {
    name: "hung connection: TMS_TIMEOUT after the timeout (retries 0)",
    async fn(ctx) {
      const { tm, A } = await setup(ctx, { retries: 0 });
      await faults(ctx, { endpoint: "token", kind: "hang", count: -1 });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_TIMEOUT", { status: null });
      await expectCounts(ctx, { token: 1 });
      assert.ok(r.ms >= TIMEOUT - 20, `timed out after ${r.ms} ms, before the ${TIMEOUT} ms timeout`);
      expectWithin(r, bound({ retries: 0 }));
    },
  },
  {
    name: "hung connection on every attempt: TMS_TIMEOUT after retries + 1 attempts, bounded",
    async fn(ctx) {
      const { tm, A, of } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: "hang", count: -1 });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_TIMEOUT");
      await expectCounts(ctx, { token: 3 });
      assert.ok(r.ms >= 3 * TIMEOUT, `three timeouts expected, took ${r.ms} ms`);
      expectWithin(r, bound());
      assert.deepEqual(of("retry").map((e) => e.code), ["TMS_TIMEOUT", "TMS_TIMEOUT"], "retry events");
    },
  },
  {
    name: "one hung attempt, then the token",
    async fn(ctx) {
      const { tm, A } = await setup(ctx, { retries: 1 });
      await faults(ctx, { endpoint: "token", kind: "hang" });
      const r = await settle(() => tm.token(A));
      expectToken(ctx, r, A);
      await expectCounts(ctx, { token: 2 });
      expectWithin(r, bound({ retries: 1 }));
    },
  },
  {
    name: "hung connection with a long timeout: the caller's AbortSignal ends it (TMS_ABORTED)",
    async fn(ctx) {
      const { tm, A } = await setup(ctx, { timeout: 20_000 });
      await faults(ctx, { endpoint: "token", kind: "hang", count: -1 });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 150);
      const r = await settle(() => tm.token(A, { signal: ac.signal }));
      expectError(ctx, r, "TMS_ABORTED");
      await expectCounts(ctx, { token: 1 });
      expectWithin(r, 150 + SLACK_MS);
    },
  },
  {
    name: "reset connection: retried, then the token",
    async fn(ctx) {
      const { tm, A, of } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: "reset" });
      const r = await settle(() => tm.token(A));
      expectToken(ctx, r, A);
      await expectCounts(ctx, { token: 2 });
      expectWithin(r, bound({ retries: 1 }));
      // Node's fetch (undici) never resends a POST. Some runtimes' HTTP clients resend a request
      // once by themselves when a reused keep-alive connection is reset (Deno's does): then the
      // library sees no failure at all and the retry is not its own.
      const retries = of("retry").map((e) => e.code);
      if (RESENDS_NOTHING(ctx)) assert.deepEqual(retries, ["TMS_NETWORK"], "retry events");
      else assert.ok(retries.length <= 1 && retries.every((c) => c === "TMS_NETWORK"), `retry events ${retries}`);
    },
  },
  {
    name: "reset on every attempt: TMS_NETWORK after retries + 1 requests",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: "reset", count: -1 });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_NETWORK", { status: null });
      if (RESENDS_NOTHING(ctx)) await expectCounts(ctx, { token: 3 });
      else {
        // See above: the runtime may resend a reset request once per attempt on its own.
        const { token } = await ctx.emu.counts();
        assert.ok(token >= 3 && token <= 6, `upstream token requests: ${token}, expected 3 (up to 6 with runtime resends)`);
      }
      expectWithin(r, bound());
    },
  },
];

const badBodies = [
  ...["truncated", "malformed"].map((kind) => ({
    name: `${kind} JSON: TMS_INVALID_RESPONSE, not retried, not cached`,
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_INVALID_RESPONSE", { status: null });
      await expectCounts(ctx, { token: 1 });
      expectWithin(r, bound({ retries: 0 }));
      // The failure is not cached: the next call asks again and succeeds.
      expectToken(ctx, await settle(() => tm.token(A)), A, "next call:");
      await expectCounts(ctx, { token: 2 }, "next call:");
    },
  })),
  ...["truncated", "malformed"].map((kind) => ({
    name: `${kind} JSON on /oauthTokens: every tenant of the batch gets TMS_INVALID_RESPONSE`,
    async fn(ctx) {
      const { tm, A, B, C } = await setup(ctx);
      await faults(ctx, { endpoint: "batch", kind });
      const r = await settle(() => tm.tokens([A, B, C]));
      assert.ok(!r.error, describe(r.error));
      assert.equal(r.value.tokens.size, 0, "tokens");
      for (const t of [A, B, C]) expectError(ctx, { error: r.value.errors.get(t) }, "TMS_INVALID_RESPONSE", {}, t);
      await expectCounts(ctx, { batch: 1 });
    },
  })),
  {
    name: "a token that is not a JWT: TMS_INVALID_TOKEN, not cached",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: "notjwt" });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_INVALID_TOKEN");
      await expectCounts(ctx, { token: 1 });
      expectToken(ctx, await settle(() => tm.token(A)), A, "next call:");
      await expectCounts(ctx, { token: 2 }, "next call:");
    },
  },
  {
    name: "a token already expired on arrival: an error, never returned",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: "expired", count: -1 });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_INVALID_TOKEN");
      await expectCounts(ctx, { token: 1 });
      assert.equal(tm.stats().entries, 0, "nothing cached");
      await ctx.emu.clearFaults();
      expectToken(ctx, await settle(() => tm.token(A)), A, "after the fault:");
      await expectCounts(ctx, { token: 2 }, "after the fault:");
    },
  },
  {
    name: "a batch entry expired on arrival: that tenant in errors, the others fine",
    async fn(ctx) {
      const { tm, A, B, C } = await setup(ctx);
      await faults(ctx, { endpoint: "batch", kind: "expired", tenant: B });
      const r = await settle(() => tm.tokens([A, B, C]));
      assert.ok(!r.error, describe(r.error));
      expectToken(ctx, { value: r.value.tokens.get(A) }, A);
      expectToken(ctx, { value: r.value.tokens.get(C) }, C);
      assert.ok(!r.value.tokens.has(B), "the expired token was returned");
      expectError(ctx, { error: r.value.errors.get(B) }, "TMS_INVALID_TOKEN", {}, B);
      await expectCounts(ctx, { batch: 1 });
    },
  },
  {
    name: "a batch entry that is not a JWT: that tenant in errors, the others fine",
    async fn(ctx) {
      const { tm, A, B } = await setup(ctx);
      await faults(ctx, { endpoint: "batch", kind: "notjwt", tenant: A });
      const r = await settle(() => tm.tokens([A, B]));
      assert.ok(!r.error, describe(r.error));
      expectError(ctx, { error: r.value.errors.get(A) }, "TMS_INVALID_TOKEN", {}, A);
      expectToken(ctx, { value: r.value.tokens.get(B) }, B);
      await expectCounts(ctx, { batch: 1 });
    },
  },
];

const expiresIn = [
  {
    name: "expires_in missing: the JWT's exp decides",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await ctx.emu.config({ expiresIn: "missing", lifetimeSec: 600 });
      const before = Date.now();
      const t = expectToken(ctx, await settle(() => tm.token(A)), A);
      const after = Date.now();
      const { exp } = ctx.lib.decodeJwt(t.accessToken).claims;
      assert.ok(t.expiresAt <= exp * 1000, "expiresAt past the JWT exp");
      assert.ok(t.expiresAt <= after + 600_000, "expiresAt later than the JWT lifetime allows");
      assert.ok(t.expiresAt >= before + 600_000 - 1000, `expiresAt ${t.expiresAt - before} ms ahead: the JWT's 600 s not used`);
      await expectCounts(ctx, { token: 1 });
    },
  },
  ...[0, -5].map((value) => ({
    name: `expires_in ${value}: an error, no token, nothing cached`,
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await ctx.emu.config({ expiresIn: value });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_INVALID_TOKEN");
      assert.equal(tm.stats().entries, 0, "nothing cached");
      await expectCounts(ctx, { token: 1 });
      await ctx.emu.config({ expiresIn: null });
      expectToken(ctx, await settle(() => tm.token(A)), A, "after the fix:");
      await expectCounts(ctx, { token: 2 }, "after the fix:");
    },
  })),
  {
    name: "expires_in huge (1e9): capped by the JWT exp",
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await ctx.emu.config({ expiresIn: 1e9 });
      const before = Date.now();
      const t = expectToken(ctx, await settle(() => tm.token(A)), A);
      const { exp } = ctx.lib.decodeJwt(t.accessToken).claims;
      assert.ok(t.expiresAt <= exp * 1000, `expiresAt ${t.expiresAt} past the JWT exp ${exp * 1000}`);
      assert.ok(t.expiresAt >= before + 1800_000 - 1000, "expiresAt much earlier than the JWT exp");
    },
  },
  {
    name: 'expires_in as a numeric string ("1799"): works like the number',
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await ctx.emu.config({ expiresIn: "1799" });
      const before = Date.now();
      const t = expectToken(ctx, await settle(() => tm.token(A)), A);
      const after = Date.now();
      assert.ok(t.expiresAt >= before + 1_799_000 - 1 && t.expiresAt <= after + 1_799_000,
        `expiresAt ${t.expiresAt - before} ms ahead, expected about 1799 s`);
      await expectCounts(ctx, { token: 1 });
      // And it is cached like any other token.
      assert.equal((await tm.token(A)).accessToken, t.accessToken, "not served from the cache");
      await expectCounts(ctx, { token: 1 });
    },
  },
  {
    name: 'expires_in a non-numeric string ("soon"): TMS_INVALID_RESPONSE',
    async fn(ctx) {
      const { tm, A } = await setup(ctx);
      await ctx.emu.config({ expiresIn: "soon" });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_INVALID_RESPONSE");
      await expectCounts(ctx, { token: 1 });
    },
  },
];

const batches = [
  {
    name: "batch omits a requested tenant: that tenant is asked for alone (its own answer decides), the others fine",
    async fn(ctx) {
      const { tm, A, B, C } = await setup(ctx);
      await faults(ctx, { endpoint: "batch", kind: "omitTenant", tenant: B });
      const r = await settle(() => tm.tokens([A, B, C]));
      assert.ok(!r.error, describe(r.error));
      expectToken(ctx, { value: r.value.tokens.get(A) }, A);
      expectToken(ctx, { value: r.value.tokens.get(C) }, C);
      expectToken(ctx, { value: r.value.tokens.get(B) }, B, "asked for alone:");
      await expectCounts(ctx, { batch: 1, token: 1 });
      // The omitted tenant's single request fails: that failure is its error, not cached.
      await faults(ctx, { endpoint: "batch", kind: "omitTenant", tenant: A }, { endpoint: "token", kind: 503, count: -1 });
      tm.invalidate();
      const r2 = await settle(() => tm.tokens([A, C]));
      expectError(ctx, { error: r2.value.errors.get(A) }, "TMS_HTTP", { status: 503 }, A);
      expectToken(ctx, { value: r2.value.tokens.get(C) }, C);
      await ctx.emu.clearFaults();
      expectToken(ctx, await settle(() => tm.token(A)), A, "next call:");
    },
  },
  {
    name: "batch adds an unrequested tenant: ignored, not cached",
    async fn(ctx) {
      const { tm, A, B, C } = await setup(ctx);
      // The emulator adds the first of its tenants that was not requested: C.
      await faults(ctx, { endpoint: "batch", kind: "extraTenant" });
      const r = await settle(() => tm.tokens([A, B]));
      assert.ok(!r.error, describe(r.error));
      assert.deepEqual([...r.value.tokens.keys()].sort(), [A, B].sort(), "tokens");
      assert.equal(r.value.errors.size, 0, "errors");
      expectToken(ctx, { value: r.value.tokens.get(A) }, A);
      expectToken(ctx, { value: r.value.tokens.get(B) }, B);
      assert.equal(tm.stats().entries, 2, "cache entries");
      await expectCounts(ctx, { batch: 1 });
      expectToken(ctx, await settle(() => tm.token(C)), C, "the extra tenant:");
      await expectCounts(ctx, { batch: 1, token: 1 }, "the extra tenant was cached:");
    },
  },
  {
    name: "batch swaps tenants' tokens: never a token whose ten claim differs from its key",
    async fn(ctx) {
      const { tm, A, B, C } = await setup(ctx);
      await faults(ctx, { endpoint: "batch", kind: "wrongTenant" });
      const r = await settle(() => tm.tokens([A, B, C]));
      assert.ok(!r.error, describe(r.error));
      for (const [tenant, token] of r.value.tokens) expectToken(ctx, { value: token }, tenant, `tokens.get(${tenant}):`);
      // The emulator swapped the first two entries.
      for (const t of [A, B]) expectError(ctx, { error: r.value.errors.get(t) }, "TMS_INVALID_TOKEN", {}, t);
      expectToken(ctx, { value: r.value.tokens.get(C) }, C);
      await expectCounts(ctx, { batch: 1 });
      // Nothing wrong was cached: A and B are fetched again, with the right tokens.
      expectToken(ctx, await settle(() => tm.token(A)), A, "next call:");
      expectToken(ctx, await settle(() => tm.token(B)), B, "next call:");
      await expectCounts(ctx, { batch: 1, token: 2 }, "next calls:");
    },
  },
  {
    name: "tokens(): a cached token that expires while a throttled batch is waited for is not returned",
    async fn(ctx) {
      const { tm, A, B } = await setup(ctx);
      await ctx.emu.config({ lifetimeSec: 3 }); // expires_in 2: A's token lives 2 s
      const a = expectToken(ctx, await settle(() => tm.token(A)), A);
      await faults(ctx, { endpoint: "batch", kind: 429, retryAfter: 3 });
      const r = await settle(() => tm.tokens([A, B]));
      const now = Date.now();
      assert.ok(!r.error, describe(r.error));
      expectToken(ctx, { value: r.value.tokens.get(B) }, B);
      const got = r.value.tokens.get(A);
      assert.ok(got || r.value.errors.has(A), `${A} is neither in tokens nor in errors`);
      if (got) {
        assert.ok(got.expiresAt > now,
          `tokens() returned ${got === a ? "the cached" : "a"} token of ${A} that expired ${now - got.expiresAt} ms before the call returned`);
        expectToken(ctx, { value: got }, A);
      }
      expectWithin(r, bound({ retries: 1, waits: 3000 }));
      // The first token, the throttled batch and its retry; at most one more if A is fetched again.
      const counts = await ctx.emu.counts();
      const total = counts.batch + counts.token;
      assert.ok(counts.batch >= 2 && total >= 3 && total <= 4, `upstream requests: ${JSON.stringify(counts)}`);
    },
  },
  {
    name: "batch 503 once: retried, every tenant gets its token",
    async fn(ctx) {
      const { tm, tenants } = await setup(ctx);
      const six = tenants.slice(0, 6); // two batches of at most 5
      await faults(ctx, { endpoint: "batch", kind: 503 });
      const r = await settle(() => tm.tokens(six));
      assert.ok(!r.error, describe(r.error));
      assert.equal(r.value.errors.size, 0, `errors: ${[...r.value.errors.values()].map(describe)}`);
      for (const t of six) expectToken(ctx, { value: r.value.tokens.get(t) }, t);
      await expectCounts(ctx, { batch: 3 });
      expectWithin(r, bound({ retries: 1 }));
    },
  },
  {
    name: "allTokens with a 429 on /userTenants and a reset on /oauthTokens: retried, complete",
    async fn(ctx) {
      const { tm, tenants } = await setup(ctx, { pageSize: 5 });
      await faults(ctx, { endpoint: "userTenants", kind: 429, retryAfter: 0 }, { endpoint: "batch", kind: "reset" });
      const r = await settle(() => tm.allTokens());
      assert.ok(!r.error, describe(r.error));
      assert.equal(r.value.errors.size, 0, `errors: ${[...r.value.errors.values()].map(describe)}`);
      assert.equal(r.value.tokens.size, tenants.length, "tokens");
      for (const [t, token] of r.value.tokens) expectToken(ctx, { value: token }, t);
      const pages = Math.ceil(tenants.length / 5);
      const batchesNeeded = Math.ceil(tenants.length / 5);
      await expectCounts(ctx, { token: 1, userTenants: pages + 1, batch: batchesNeeded + 1 });
    },
  },
];

const outages = [
  {
    name: "outage during refresh with a still-valid cached token: served, error event emitted",
    async fn(ctx) {
      const { tm, A, of } = await setup(ctx, { retries: 1 });
      await ctx.emu.config({ lifetimeSec: 3 }); // expires_in 2: refresh margin 1 s (half the lifetime)
      const first = expectToken(ctx, await settle(() => tm.token(A)), A);
      // The refresh point is at most expiresAt - 1 s (jitter only moves it earlier).
      await sleepUntil(first.expiresAt - 900);
      await faults(ctx, { endpoint: "*", kind: 503, count: -1 });
      const r = await settle(() => tm.token(A));
      const served = expectToken(ctx, r, A);
      assert.equal(served.accessToken, first.accessToken, "not the cached token");
      assert.ok(Date.now() < first.expiresAt, "test too slow: the cached token expired meanwhile");
      await expectCounts(ctx, { token: 3 }); // the first token, then the refresh and its retry
      expectWithin(r, bound({ retries: 1 }));
      assert.equal(of("refresh").length, 1, "refresh events");
      const errors = of("error");
      assert.equal(errors.length, 1, "error events");
      assert.equal(errors[0].code, "TMS_HTTP", "error event code");
      assert.equal(errors[0].userTenant, A, "error event tenant");
    },
  },
  {
    name: "hung refresh with a still-valid cached token: served after the timeout",
    async fn(ctx) {
      const { tm, A, of } = await setup(ctx, { retries: 0 });
      await ctx.emu.config({ lifetimeSec: 3 });
      const first = expectToken(ctx, await settle(() => tm.token(A)), A);
      await sleepUntil(first.expiresAt - 900);
      await faults(ctx, { endpoint: "token", kind: "hang", count: -1 });
      const r = await settle(() => tm.token(A));
      assert.equal(expectToken(ctx, r, A).accessToken, first.accessToken, "not the cached token");
      await expectCounts(ctx, { token: 2 });
      expectWithin(r, bound({ retries: 0 }));
      assert.deepEqual(of("error").map((e) => e.code), ["TMS_TIMEOUT"], "error events");
    },
  },
  {
    name: "20 concurrent calls during a refresh outage: one refresh flight, all get the cached token",
    async fn(ctx) {
      const { tm, A, of } = await setup(ctx, { retries: 1 });
      await ctx.emu.config({ lifetimeSec: 3 });
      const first = expectToken(ctx, await settle(() => tm.token(A)), A);
      await sleepUntil(first.expiresAt - 900);
      await faults(ctx, { endpoint: "token", kind: 503, count: -1 });
      const started = Date.now();
      const all = await Promise.all(Array.from({ length: 20 }, () => settle(() => tm.token(A))));
      for (const r of all) assert.equal(expectToken(ctx, r, A).accessToken, first.accessToken, "not the cached token");
      expectWithin({ ms: Date.now() - started }, bound({ retries: 1 }));
      await expectCounts(ctx, { token: 3 }); // one flight: the refresh and its retry
      assert.equal(of("refresh").length, 1, "refresh events");
    },
  },
  {
    name: "outage with an expired cached token: a clear error, never the expired token; then recovery",
    async fn(ctx) {
      const { tm, A, of } = await setup(ctx, { retries: 1 });
      await ctx.emu.config({ lifetimeSec: 3 });
      const first = expectToken(ctx, await settle(() => tm.token(A)), A);
      await sleepUntil(first.expiresAt + 50);
      await faults(ctx, { endpoint: "token", kind: 503, count: -1 });
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_HTTP", { status: 503 });
      await expectCounts(ctx, { token: 3 });
      expectWithin(r, bound({ retries: 1 }));
      assert.equal(of("error").length, 1, "error events");
      // Recovery: the next call after the outage succeeds with a new token.
      await ctx.emu.clearFaults();
      const next = expectToken(ctx, await settle(() => tm.token(A)), A, "after the outage:");
      assert.notEqual(next.accessToken, first.accessToken, "the expired token came back");
      await expectCounts(ctx, { token: 4 }, "after the outage:");
    },
  },
  {
    name: "cold-cache outage: failures are not cached, every call asks again, recovery at once",
    async fn(ctx) {
      const { tm, A } = await setup(ctx, { retries: 0 });
      await faults(ctx, { endpoint: "token", kind: 502, count: -1 });
      for (let i = 1; i <= 3; i++) {
        const r = await settle(() => tm.token(A));
        expectError(ctx, r, "TMS_HTTP", { status: 502 }, `call ${i}:`);
        await expectCounts(ctx, { token: i }, `call ${i}:`);
      }
      await ctx.emu.clearFaults();
      const r = await settle(() => tm.token(A));
      expectToken(ctx, r, A, "after the outage:");
      await expectCounts(ctx, { token: 4 }, "after the outage:");
      expectWithin(r, TIMEOUT + SLACK_MS);
      assert.equal(tm.stats().errors, 3, "stats().errors");
    },
  },
];

const concurrency = [
  {
    name: "100 concurrent token() while the first attempt gets a 503: one flight, all get the token",
    async fn(ctx) {
      const { tm, A, of } = await setup(ctx);
      await faults(ctx, { endpoint: "token", kind: 503 });
      const started = Date.now();
      const all = await Promise.all(Array.from({ length: 100 }, () => settle(() => tm.token(A))));
      const tokens = new Set(all.map((r) => expectToken(ctx, r, A).accessToken));
      assert.equal(tokens.size, 1, "distinct tokens");
      expectWithin({ ms: Date.now() - started }, bound({ retries: 1 }));
      await expectCounts(ctx, { token: 2 });
      assert.equal(of("miss").length, 1, "miss events (flights led)");
      assert.equal(of("retry").length, 1, "retry events");
    },
  },
  {
    name: "100 concurrent token() while the first attempt hangs: one flight, all get the token",
    async fn(ctx) {
      const { tm, A } = await setup(ctx, { retries: 1 });
      await faults(ctx, { endpoint: "token", kind: "hang" });
      const started = Date.now();
      const all = await Promise.all(Array.from({ length: 100 }, () => settle(() => tm.token(A))));
      assert.equal(new Set(all.map((r) => expectToken(ctx, r, A).accessToken)).size, 1, "distinct tokens");
      expectWithin({ ms: Date.now() - started }, bound({ retries: 1 }));
      await expectCounts(ctx, { token: 2 });
    },
  },
  {
    name: "100 concurrent token() during a full outage: all get the error, one flight; then recovery",
    async fn(ctx) {
      const { tm, A } = await setup(ctx, { retries: 1 });
      await faults(ctx, { endpoint: "token", kind: 503, count: -1 });
      const started = Date.now();
      const all = await Promise.all(Array.from({ length: 100 }, () => settle(() => tm.token(A))));
      for (const r of all) expectError(ctx, r, "TMS_HTTP", { status: 503 });
      expectWithin({ ms: Date.now() - started }, bound({ retries: 1 }));
      await expectCounts(ctx, { token: 2 });
      await ctx.emu.clearFaults();
      const again = await Promise.all(Array.from({ length: 100 }, () => settle(() => tm.token(A))));
      assert.equal(new Set(again.map((r) => expectToken(ctx, r, A).accessToken)).size, 1, "distinct tokens");
      await expectCounts(ctx, { token: 3 }, "after the outage:");
    },
  },
  {
    name: "token() for tenants in a batch that gets a 503: they follow the batch flight",
    async fn(ctx) {
      const { tm, tenants } = await setup(ctx);
      const five = tenants.slice(0, 5);
      await faults(ctx, { endpoint: "batch", kind: 503 });
      const batch = settle(() => tm.tokens(five));
      const singles = five.map((t) => settle(() => tm.token(t)));
      const b = await batch;
      assert.ok(!b.error, describe(b.error));
      assert.equal(b.value.errors.size, 0, "batch errors");
      const results = await Promise.all(singles);
      five.forEach((t, i) => {
        const token = expectToken(ctx, results[i], t, `token(${t}):`);
        assert.equal(token.accessToken, b.value.tokens.get(t).accessToken, `token(${t}) is not the batch's`);
      });
      await expectCounts(ctx, { batch: 2, token: 0 });
    },
  },
  {
    name: "50 concurrent calls over 5 tenants, each tenant's first attempt reset: one flight per tenant",
    async fn(ctx) {
      const { tm, tenants } = await setup(ctx);
      const five = tenants.slice(0, 5);
      await faults(ctx, ...five.map((tenant) => ({ endpoint: "token", kind: "reset", tenant })));
      const calls = Array.from({ length: 50 }, (_, i) => five[i % 5]);
      const all = await Promise.all(calls.map((t) => settle(() => tm.token(t))));
      all.forEach((r, i) => expectToken(ctx, r, calls[i]));
      for (const t of five) {
        const distinct = new Set(all.filter((_, i) => calls[i] === t).map((r) => r.value.accessToken));
        assert.equal(distinct.size, 1, `distinct tokens for ${t}`);
      }
      await expectCounts(ctx, { token: 10 });
    },
  },
];


// A `fetch` option (service bindings, instrumentation) that misbehaves. The per-request
// timeout must hold whatever fetch does with the AbortSignal it is given.
const PENDING = Symbol("still pending");
/**
 * Like settle(), but gives up waiting after `ms` so that a hanging call fails the case instead
 * of hanging it. `outcome` is the call's own settle() promise, to await after a cleanup.
 */
async function settleWithin(fn, ms) {
  let timer;
  const guard = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ pending: PENDING }), ms);
  });
  const started = Date.now();
  const outcome = settle(fn);
  const r = await Promise.race([outcome, guard]);
  clearTimeout(timer);
  return r.pending === PENDING ? { pending: true, ms: Date.now() - started, outcome } : { ...r, outcome };
}

const customFetch = [
  {
    name: "a fetch wrapper that drops init.signal, on a hung connection: still TMS_TIMEOUT within the bound",
    async fn(ctx) {
      const { A } = await setup(ctx);
      // An instrumentation wrapper that forwards method, headers and body, and forgets the
      // library's signal. (Its own signal only lets this case clean up after itself.)
      const cleanup = new AbortController();
      const tm = new ctx.lib.TokenManager(ctx.options({
        timeout: TIMEOUT, retries: 1,
        fetch: (url, init) => fetch(url, { method: init.method, headers: init.headers, body: init.body, signal: cleanup.signal }),
      }));
      await faults(ctx, { endpoint: "token", kind: "hang", count: -1 });
      const limit = bound({ retries: 1 });
      const r = await settleWithin(() => tm.token(A), limit + 2000);
      try {
        assert.ok(!r.pending, `token() still pending after ${r.ms} ms: the ${TIMEOUT} ms timeout is not enforced when fetch ignores its signal`);
        expectError(ctx, r, "TMS_TIMEOUT");
        expectWithin(r, limit);
        await expectCounts(ctx, { token: 2 });
      } finally {
        // End the hung request, so that nothing of this case reaches the emulator later.
        cleanup.abort();
        await settleWithin(() => r.outcome, 5000);
      }
    },
  },
  {
    name: "a response whose body stalls after the headers (stream ignores the signal): TMS_TIMEOUT within the bound",
    async fn(ctx) {
      const { A } = await setup(ctx);
      const streams = [];
      const tm = new ctx.lib.TokenManager(ctx.options({
        timeout: TIMEOUT, retries: 0,
        fetch: async (url, init) => {
          await (await fetch(url, init)).text(); // a real request, so the emulator counts it
          const stalled = new ReadableStream({
            start(c) {
              streams.push(c);
              c.enqueue(new TextEncoder().encode('{"access_token":"'));
            },
          });
          return new Response(stalled, { status: 200, headers: { "content-type": "application/json" } });
        },
      }));
      const limit = bound({ retries: 0 });
      const r = await settleWithin(() => tm.token(A), limit + 2000);
      try {
        assert.ok(!r.pending, `token() still pending after ${r.ms} ms: the body read is not bounded by the timeout`);
        expectError(ctx, r, "TMS_TIMEOUT");
        expectWithin(r, limit);
        await expectCounts(ctx, { token: 1 });
      } finally {
        for (const c of streams) c.error(new Error("cleanup"));
        await settleWithin(() => r.outcome, 5000);
      }
    },
  },
  {
    name: "a response whose body stalls after the headers (stream honours the signal): TMS_TIMEOUT, retried",
    async fn(ctx) {
      const { A } = await setup(ctx);
      const tm = new ctx.lib.TokenManager(ctx.options({
        timeout: TIMEOUT, retries: 1,
        fetch: async (url, init) => {
          await (await fetch(url, init)).text();
          const stalled = new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode('{"access_token":"'));
              init.signal.addEventListener("abort", () => c.error(new Error("aborted")));
            },
          });
          return new Response(stalled, { status: 200, headers: { "content-type": "application/json" } });
        },
      }));
      const r = await settleWithin(() => tm.token(A), bound({ retries: 1 }) + 2000);
      assert.ok(!r.pending, `token() still pending after ${r.ms} ms`);
      expectError(ctx, r, "TMS_TIMEOUT");
      expectWithin(r, bound({ retries: 1 }));
      await expectCounts(ctx, { token: 2 });
    },
  },
  {
    name: "200 with an HTML body (a portal in front of the gateway): TMS_INVALID_RESPONSE, no HTML in the message",
    async fn(ctx) {
      const { A } = await setup(ctx);
      const tm = new ctx.lib.TokenManager(ctx.options({
        timeout: TIMEOUT, retries: 2,
        fetch: async (url, init) => {
          await (await fetch(url, init)).text();
          return new Response("<html><body>Please log in</body></html>", { status: 200, headers: { "content-type": "text/html" } });
        },
      }));
      const r = await settle(() => tm.token(A));
      const e = expectError(ctx, r, "TMS_INVALID_RESPONSE");
      assert.ok(!/[<>]|html|log in/i.test(e.message), `HTML in the message: ${e.message}`);
      await expectCounts(ctx, { token: 1 });
    },
  },
  {
    name: "a fetch that throws synchronously: TMS_NETWORK, retried, bounded",
    async fn(ctx) {
      const { A } = await setup(ctx);
      let calls = 0;
      const tm = new ctx.lib.TokenManager(ctx.options({
        timeout: TIMEOUT, retries: 2,
        fetch: () => { calls++; throw new TypeError("boom"); },
      }));
      const r = await settle(() => tm.token(A));
      expectError(ctx, r, "TMS_NETWORK");
      assert.equal(calls, 3, "fetch calls");
      expectWithin(r, bound());
    },
  },
];

const aborts = [
  {
    name: "the leading caller aborts during a hang: a follower takes the flight over, the others get its token",
    async fn(ctx) {
      const { tm, A } = await setup(ctx, { timeout: 5000, retries: 1 });
      await faults(ctx, { endpoint: "token", kind: "hang" });
      const ac = new AbortController();
      const started = Date.now();
      const lead = settle(() => tm.token(A, { signal: ac.signal }));
      const followers = Array.from({ length: 10 }, () => settle(() => tm.token(A)));
      setTimeout(() => ac.abort(), 150);
      expectError(ctx, await lead, "TMS_ABORTED");
      const all = await Promise.all(followers);
      assert.equal(new Set(all.map((r) => expectToken(ctx, r, A).accessToken)).size, 1, "distinct tokens");
      expectWithin({ ms: Date.now() - started }, 150 + SLACK_MS);
      await expectCounts(ctx, { token: 2 });
    },
  },
  {
    name: "a following caller aborts: only it gets TMS_ABORTED, the leader still gets the token",
    async fn(ctx) {
      const { tm, A } = await setup(ctx, { retries: 1 });
      await faults(ctx, { endpoint: "token", kind: "hang" });
      const ac = new AbortController();
      const lead = settle(() => tm.token(A));
      const follower = settle(() => tm.token(A, { signal: ac.signal }));
      setTimeout(() => ac.abort(), 100);
      const f = await follower;
      expectError(ctx, f, "TMS_ABORTED");
      expectWithin(f, 100 + SLACK_MS);
      const l = await lead;
      expectToken(ctx, l, A);
      expectWithin(l, bound({ retries: 1 }));
      await expectCounts(ctx, { token: 2 });
    },
  },
];

export const cases = [
  ...throttling,
  ...serverErrors,
  ...unauthorized,
  ...connections,
  ...badBodies,
  ...expiresIn,
  ...batches,
  ...outages,
  ...concurrency,
  ...aborts,
  ...customFetch,
];
