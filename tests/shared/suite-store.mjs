// The shared tier (`store`) on every runtime, with an in-memory TokenStore (the adapters on
// their real engines are tested in tests/stores/): several managers (isolates) sharing one
// store cost one token request per tenant; encryption, hashed keys, and every store fault
// (down, slow, garbage, tampered, another tenant's value) leave the calls served.
import { assert, sleep } from "./harness.mjs";

export const emulatorOptions = Object.freeze({ tenants: 20 });

const tenant = (n) => `tenant${String(n).padStart(3, "0")}`;

/** A TokenStore over a Map, with a lease; `faults` changes how it misbehaves. */
function memoryStore() {
  const values = new Map();
  const leases = new Map();
  const s = {
    values,
    fault: null,
    calls: 0,
    async get(key) {
      s.calls++;
      if (s.fault === "down") throw new Error("ECONNREFUSED redis://:hunter2@10.0.0.1");
      if (s.fault === "slow") await sleep(5_000);
      if (s.fault === "garbage") return "v1.not-a-sealed-value";
      const e = values.get(key);
      return e && e.until > Date.now() ? e.value : null;
    },
    async set(key, value, ttlMs) {
      s.calls++;
      if (s.fault === "down") throw new Error("down");
      if (s.fault === "slow") await sleep(5_000);
      values.set(key, { value, until: Date.now() + ttlMs });
    },
    async lease(key, ttlMs) {
      s.calls++;
      if (s.fault === "down") throw new Error("down");
      const until = leases.get(key);
      if (until && until > Date.now()) return null;
      leases.set(key, Date.now() + ttlMs);
      return async () => leases.delete(key);
    },
  };
  return s;
}

export const cases = [
  {
    name: "many isolates sharing a store: one token request per tenant, values sealed, keys hashed",
    async fn(ctx) {
      const store = memoryStore();
      const isolates = Array.from({ length: 20 }, () => new ctx.lib.TokenManager(ctx.options({ store })));
      const tenants = [tenant(1), tenant(2), tenant(3), tenant(4)];
      const tokens = await Promise.all(isolates.flatMap((tm) => tenants.map((t) => tm.token(t))));
      tokens.forEach((t, i) => assert.equal(t.userTenant, tenants[i % tenants.length], "each gets its tenant's token"));
      assert.equal((await ctx.emu.counts()).token, tenants.length, "one TMS request per tenant for 20 isolates");
      const byTenant = new Map();
      for (const t of tokens) byTenant.set(t.userTenant, (byTenant.get(t.userTenant) ?? new Set()).add(t.accessToken));
      for (const [t, set] of byTenant) assert.equal(set.size, 1, `every isolate has the same token of ${t}`);
      const hits = isolates.reduce((n, tm) => n + tm.stats().storeHits, 0);
      assert.equal(hits, tenants.length * 19, "the others took it from the store");
      // Nothing readable in the store: no tenant, secret or token in a key or a value.
      const { clientSecret } = ctx.emu.credentials;
      const dump = JSON.stringify([...store.values].map(([k, v]) => [k, v.value]));
      for (const k of store.values.keys()) assert.ok(k.startsWith("tms-edge:v1:"), `key ${k}`);
      for (const secret of [clientSecret, ...tenants, ...[...byTenant.values()].map((s) => [...s][0])]) {
        assert.ok(!dump.includes(secret), "a tenant, the secret or a token in clear text in the store");
      }
      // A new isolate (an evicted one, re-created) reads instead of requesting.
      const fresh = new ctx.lib.TokenManager(ctx.options({ store }));
      assert.equal((await fresh.token(tenant(1))).accessToken, [...byTenant.get(tenant(1))][0], "from the store");
      assert.equal((await ctx.emu.counts()).token, tenants.length, "still no new request");
    },
  },
  {
    name: "tokens() and allTokens() share through the store too: a second isolate's batch is served from it",
    async fn(ctx) {
      const store = memoryStore();
      const list = Array.from({ length: 10 }, (_, i) => tenant(i + 1));
      const a = new ctx.lib.TokenManager(ctx.options({ store }));
      const ra = await a.tokens(list);
      assert.equal(ra.tokens.size, 10, `a: ${[...ra.errors.values()].map((e) => e.message)}`);
      const before = await ctx.emu.counts();
      const b = new ctx.lib.TokenManager(ctx.options({ store }));
      const rb = await b.tokens(list);
      assert.equal(rb.tokens.size, 10, "b");
      for (const t of list) assert.equal(rb.tokens.get(t).accessToken, ra.tokens.get(t).accessToken, `the same token of ${t}`);
      const after = await ctx.emu.counts();
      assert.equal(after.batch, before.batch, "b sent no batch");
      assert.equal(b.stats().storeHits, 10, "all from the store");
      const all = await new ctx.lib.TokenManager(ctx.options({ store })).allTokens();
      assert.equal(all.tokens.size, 20, "allTokens");
      assert.equal((await ctx.emu.counts()).batch, after.batch + 2, "only the 10 tenants not yet stored were requested");
    },
  },
  ...["down", "slow", "garbage"].map((fault) => ({
    name: `a store that is ${fault} never fails a call: TMS_STORE events, tokens from the TMS`,
    async fn(ctx) {
      const store = memoryStore();
      store.fault = fault;
      const events = [];
      const tm = new ctx.lib.TokenManager(ctx.options({ store, storeTimeout: 200, onEvent: (e) => events.push(e) }));
      const started = Date.now();
      const t = await tm.token(tenant(5));
      assert.equal(t.userTenant, tenant(5), "served");
      assert.ok(t.expiresAt > Date.now(), "valid");
      assert.ok(Date.now() - started < 4_000, `bounded by storeTimeout: ${Date.now() - started} ms`);
      if (fault !== "garbage") {
        const errs = events.filter((e) => e.type === "error" && e.code === "TMS_STORE");
        assert.ok(errs.length >= 1, "TMS_STORE error events");
        assert.ok(!JSON.stringify(events).includes("hunter2"), "the store's error text is not passed on");
        assert.ok(tm.stats().storeErrors >= 1, "storeErrors");
      } else {
        assert.ok(tm.stats().storeMisses >= 1, "garbage is a miss");
      }
    },
  })),
  {
    name: "a tampered value, a value moved to another tenant's key, or another secret's value is a miss",
    async fn(ctx) {
      const store = memoryStore();
      const a = new ctx.lib.TokenManager(ctx.options({ store }));
      const ta = await a.token(tenant(6));
      await a.token(tenant(7));
      const [k6, k7] = [...store.values.keys()];
      // Move tenant006's value under tenant007's key; flip a byte of another.
      const v6 = store.values.get(k6).value;
      store.values.set(k7, { value: v6, until: Date.now() + 60_000 });
      const b = new ctx.lib.TokenManager(ctx.options({ store }));
      const tb = await b.token(tenant(7));
      assert.equal(tb.userTenant, tenant(7), "never another tenant's token");
      assert.notEqual(tb.accessToken, ta.accessToken, "the moved value did not open");
      const tampered = v6.slice(0, 20) + (v6[20] === "A" ? "B" : "A") + v6.slice(21);
      store.values.set(k6, { value: tampered, until: Date.now() + 60_000 });
      const c = new ctx.lib.TokenManager(ctx.options({ store }));
      assert.equal((await c.token(tenant(6))).userTenant, tenant(6), "tampered: requested anew");
      assert.equal((await ctx.emu.counts()).token, 4, "two requests, then one for each miss");
    },
  },
  {
    name: "a leaseholder that dies is replaced once its lease has run out; the followers poll the store",
    async fn(ctx) {
      const store = memoryStore();
      const opts = ctx.options({ store, timeout: 300, retries: 0 });
      // Another isolate took the lease and died: the lease runs for timeout x 1 + 1 s.
      const key = await (async () => {
        const probe = new ctx.lib.TokenManager(opts);
        await probe.token(tenant(8));
        const k = [...store.values.keys()][0];
        store.values.clear();
        return k;
      })();
      await store.lease(key, 1_300);
      const started = Date.now();
      const tm = new ctx.lib.TokenManager(opts);
      const t = await tm.token(tenant(8));
      assert.equal(t.userTenant, tenant(8), "served after taking over");
      assert.ok(Date.now() - started >= 1_000, `waited for the lease: ${Date.now() - started} ms`);
      assert.ok(Date.now() - started < 5_000, "not much longer");
      assert.equal((await ctx.emu.counts()).token, 2, "one request by the probe, one after the take-over");
    },
  },
];
