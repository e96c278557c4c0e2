// A small runtime-agnostic suite of this directory's own: the runners use it when there are no
// shared suites (tests/shared/suite-*.mjs), or when asked for (TMS_SUITES=smoke).
import { assert, sleep } from "../../shared/harness.mjs";

export const cases = [
  {
    name: "import: TokenManager, decodeJwt and TmsError are ready without init",
    fn: ({ lib }) => {
      assert.equal(typeof lib.TokenManager, "function");
      assert.equal(typeof lib.decodeJwt, "function");
      assert.equal(typeof lib.TmsError, "function");
      const err = assert.throws(() => lib.decodeJwt("not-a-jwt"), "TMS_INVALID_TOKEN");
      assert.ok(err instanceof lib.TmsError, "decodeJwt throws a TmsError");
      assert.ok(err instanceof Error, "TmsError is an Error");
    },
  },
  {
    name: "config: a bad option throws TMS_CONFIG",
    fn: ({ lib, options }) => {
      assert.throws(() => new lib.TokenManager(options({ clientSecret: "" })), "TMS_CONFIG");
    },
  },
  {
    name: "token: one upstream request, then cache hits",
    fn: async ({ lib, emu, options }) => {
      const tms = new lib.TokenManager(options());
      const a = await tms.token("tenant001");
      assert.equal(a.userTenant, "tenant001");
      assert.equal(a.tokenType, "bearer");
      assert.ok(a.expiresAt > Date.now(), "expiresAt is in the future");
      const { claims } = lib.decodeJwt(a.accessToken);
      assert.ok(claims && typeof claims === "object", "the access token decodes");
      const b = await tms.token("tenant001");
      assert.equal(b.accessToken, a.accessToken, "second call is a hit");
      assert.equal((await emu.counts()).token, 1);
      assert.equal(tms.stats().hits, 1);
    },
  },
  {
    name: "token: 50 concurrent misses share one request",
    fn: async ({ lib, emu, options }) => {
      await emu.config({ latencyMs: 100 });
      const tms = new lib.TokenManager(options());
      const all = await Promise.all(Array.from({ length: 50 }, () => tms.token("tenant002")));
      assert.equal(new Set(all.map((t) => t.accessToken)).size, 1);
      assert.equal((await emu.counts()).token, 1);
    },
  },
  {
    name: "tokens: batches of batchSize",
    fn: async ({ lib, emu, options }) => {
      const tms = new lib.TokenManager(options({ batchSize: 5 }));
      const ids = Array.from({ length: 12 }, (_, i) => `tenant${String(i + 1).padStart(3, "0")}`);
      const { tokens, errors } = await tms.tokens(ids);
      assert.equal(tokens.size, 12);
      assert.equal(errors.size, 0);
      assert.equal((await emu.counts()).batch, 3);
    },
  },
  {
    name: "errors: wrong secret rejects with TMS_UNAUTHORIZED, no secret in the error",
    fn: async ({ lib, options }) => {
      const secret = "wrong-secret-" + Math.random().toString(36).slice(2);
      const tms = new lib.TokenManager(options({ clientSecret: secret, retries: 0 }));
      const err = await assert.rejects(tms.token("tenant001"), "TMS_UNAUTHORIZED");
      assert.ok(err instanceof lib.TmsError);
      const text = [err.message, err.stack, String(err), JSON.stringify(err)].join("\n");
      assert.ok(!text.includes(secret), "the secret does not leak");
    },
  },
  {
    name: "abort: a signal aborts a pending call with TMS_ABORTED",
    fn: async ({ lib, emu, options }) => {
      await emu.config({ latencyMs: 500 });
      const tms = new lib.TokenManager(options());
      const ac = new AbortController();
      const p = tms.token("tenant003", { signal: ac.signal });
      await sleep(50);
      ac.abort();
      await assert.rejects(p, "TMS_ABORTED");
    },
  },
  {
    name: "retry: a 503 is retried",
    fn: async ({ lib, emu, options }) => {
      await emu.faults([{ endpoint: "token", kind: 503, count: 1 }]);
      const tms = new lib.TokenManager(options());
      const t = await tms.token("tenant004");
      assert.equal(t.userTenant, "tenant004");
      assert.equal((await emu.counts()).token, 2);
    },
  },
  {
    name: "fetch: calls an API with the bearer token",
    fn: async ({ lib, emu, options }) => {
      const tms = new lib.TokenManager(options());
      const res = await tms.fetch("tenant005", `${emu.url}/api/kpi/v1/tenants/tenant005/kpis`);
      assert.equal(res.status, 200);
      await res.text();
    },
  },
];
