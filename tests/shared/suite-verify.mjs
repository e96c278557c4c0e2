// Token checks, signature verification and tenant service credentials (api.md, "(new)"
// sections), on every runtime: WebCrypto is proven wherever this suite runs.
//
// The emulator lists three keys, the signing key second; its forged-token faults each break
// exactly one check. Key rotation runs last in this file (the emulator keeps its keys across
// resets) and leaves every key published.
import { assert, rejects, sleep } from "./harness.mjs";

export const emulatorOptions = Object.freeze({ tenants: 20 });

const FORGED = [
  ["badSignature", /signature does not verify/],
  ["unknownKid", /`kid`/],
  ["algNone", /`alg` is not RS256/],
  ["algHS256", /`alg` is not RS256/],
  ["wrongIssuer", /`iss`/],
  ["futureIat", /`iat` lies in the future/],
  ["wrongTyp", /`typ` is not JWT/],
];


/** Options for the emulator's tenant service credentials (the host tenant's). */
async function tenantOptions(ctx, overrides = {}) {
  const [own] = await ctx.emu.tenantCredentials();
  const { gateway } = ctx.options();
  return { own, options: { gateway, clientId: own.clientId, clientSecret: own.clientSecret, tenant: own.tenant, ...overrides } };
}

export const cases = [
  {
    name: "verify: true checks the RS256 signature once per token obtained, with one shared key fetch, never on a hit",
    async fn(ctx) {
      const tm = new ctx.lib.TokenManager(ctx.options({ verify: true }));
      // Ten tenants at once on a cold manager: one key set fetch, shared.
      const tenants = Array.from({ length: 10 }, (_, i) => `tenant${String(i + 1).padStart(3, "0")}`);
      const tokens = await Promise.all(tenants.map((t) => tm.token(t)));
      tokens.forEach((t, i) => assert.equal(t.userTenant, tenants[i], "tenant"));
      let counts = await ctx.emu.counts();
      assert.equal(counts.tokenKeys, 1, "one key set fetch for ten concurrent tokens");
      assert.equal(counts.token, 10, "ten token requests");
      for (let i = 0; i < 100; i++) await tm.token(tenants[i % 10]);
      counts = await ctx.emu.counts();
      assert.equal(counts.tokenKeys, 1, "hits fetch no keys");
      assert.equal(tm.stats().hits, 100, "hits");
      const batch = await tm.tokens(["tenant011", "tenant012", "tenant013"]);
      assert.equal(batch.tokens.size, 3, `batch verified: ${[...batch.errors.values()].map((e) => e.message)}`);
      assert.equal((await ctx.emu.counts()).tokenKeys, 1, "keys kept");
    },
  },
  ...FORGED.map(([kind, message]) => ({
    name: `a forged token (${kind}) is refused with TMS_INVALID_TOKEN naming the check, and is neither cached nor returned`,
    async fn(ctx) {
      const verify = kind === "badSignature" || kind === "unknownKid";
      const tm = new ctx.lib.TokenManager(ctx.options({ verify: true, retries: 0 }));
      await ctx.emu.faults([{ endpoint: "token", kind }]);
      const err = await rejects(tm.token("tenant001"), "TMS_INVALID_TOKEN", kind);
      assert.match(err.message, message, "the message names the failed check");
      assert.ok(!/eyJ/.test(err.message), "never the token");
      const good = await tm.token("tenant001");
      assert.equal(good.userTenant, "tenant001", "the next call gets a genuine token: the forged one was not cached");
      assert.equal((await ctx.emu.counts()).token, 2, "two requests");
      if (!verify) {
        // Without `verify` the claim checks still apply.
        const plain = new ctx.lib.TokenManager(ctx.options({ retries: 0 }));
        await ctx.emu.faults([{ endpoint: "token", kind }]);
        await rejects(plain.token("tenant002"), "TMS_INVALID_TOKEN", `${kind} without verify`);
      }
    },
  })),
  {
    name: "a forged token in a batch fails only its tenant",
    async fn(ctx) {
      const tm = new ctx.lib.TokenManager(ctx.options({ verify: true, retries: 0 }));
      await ctx.emu.faults([{ endpoint: "batch", kind: "badSignature", tenant: "tenant004" }]);
      const r = await tm.tokens(["tenant003", "tenant004", "tenant005"]);
      assert.deepEqual([...r.tokens.keys()].sort(), ["tenant003", "tenant005"], "the others get their tokens");
      assert.equal(r.errors.get("tenant004")?.code, "TMS_INVALID_TOKEN", "the forged one fails");
    },
  },
  {
    name: "tm.verify(jwt): claims of a genuine token; the failed check named for forged, expired and broken ones",
    async fn(ctx) {
      const tm = new ctx.lib.TokenManager(ctx.options({ verify: true }));
      const token = await tm.token("tenant006");
      const claims = await tm.verify(token.accessToken);
      assert.equal(claims.ten, "tenant006", "claims");
      assert.ok(claims.exp * 1000 >= token.expiresAt, "expiresAt is never after exp");
      const [h, p, s] = token.accessToken.split(".");
      const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === "A" ? "B" : "A"}${s.slice(11)}`;
      let e = await rejects(tm.verify(flipped), "TMS_INVALID_TOKEN", "a flipped signature bit");
      assert.match(e.message, /signature/, "names the signature");
      assert.ok(!e.message.includes(s.slice(0, 20)), "never the token");
      const claimsOf = JSON.parse(atob(p.replace(/-/g, "+").replace(/_/g, "/")));
      const reencode = (o) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      e = await rejects(tm.verify(`${h}.${reencode({ ...claimsOf, ten: "tenant007" })}.${s}`), "TMS_INVALID_TOKEN", "changed claims");
      assert.match(e.message, /signature/, "a changed payload breaks the signature");
      e = await rejects(tm.verify(`${h}.${reencode({ ...claimsOf, exp: 1 })}.${s}`), "TMS_INVALID_TOKEN", "expired");
      assert.match(e.message, /`exp`/, "names exp");
      await rejects(tm.verify("not-a-jwt"), "TMS_INVALID_TOKEN", "garbage");
      await rejects(tm.verify(42), "TMS_INVALID_TOKEN", "not a string");
      // verify() of any token works without `verify: true` too.
      const plain = new ctx.lib.TokenManager(ctx.options());
      assert.equal((await plain.verify(token.accessToken)).ten, "tenant006", "plain manager");
    },
  },
  {
    name: "the issuer option: a token from another issuer is refused",
    async fn(ctx) {
      const tm = new ctx.lib.TokenManager(ctx.options({ issuer: ["https://someone.else/oauth/token"], retries: 0 }));
      const e = await rejects(tm.token("tenant008"), "TMS_INVALID_TOKEN", "issuer");
      assert.match(e.message, /`iss`/, "names iss");
      const ok = new ctx.lib.TokenManager(ctx.options());
      const iss = (await ok.verify((await ok.token("tenant008")).accessToken)).iss;
      const listed = new ctx.lib.TokenManager(ctx.options({ issuer: [iss] }));
      assert.equal((await listed.token("tenant008")).userTenant, "tenant008", "a listed issuer is accepted");
    },
  },
  {
    name: "tenant service credentials: the tenant's token, cached, refreshed, verified; fetch() with it",
    async fn(ctx) {
      const { own, options } = await tenantOptions(ctx, { verify: true });
      const tm = new ctx.lib.TokenManager(options);
      const t = await tm.token();
      assert.equal(t.userTenant, own.tenant, "userTenant");
      assert.equal(t.hostTenant, own.tenant, "hostTenant");
      assert.equal((await tm.token(own.tenant)).accessToken, t.accessToken, "cached");
      const same = await Promise.all(Array.from({ length: 20 }, () => tm.token(undefined, { forceRefresh: false })));
      assert.ok(same.every((x) => x.accessToken === t.accessToken), "hits");
      const counts = await ctx.emu.counts();
      assert.equal(counts.piam, 1, "one request to the tenant's OAuth server");
      assert.equal(counts.token, 0, "none to the TMS");
      const res = await tm.fetch(own.tenant, `${options.gateway}/api/kpi/v1/tenants/${own.tenant}/kpis`);
      assert.equal(res.status, 200, "the KPI API accepts the tenant token");
      await res.text();
      await rejects(tm.token("tenant001"), "TMS_CONFIG", "another tenant");
      await rejects(tm.tokens(["tenant001"]), "TMS_CONFIG", "tokens()");
      await rejects(tm.userTenants(), "TMS_CONFIG", "userTenants()");
      await rejects(tm.allTokens(), "TMS_CONFIG", "allTokens()");
    },
  },
  {
    name: "tenant service credentials with a subtenant: impersonation; 401 for a wrong secret names the endpoint",
    async fn(ctx) {
      const { own, options } = await tenantOptions(ctx);
      const sub = own.subTenants[0];
      const tm = new ctx.lib.TokenManager({ ...options, subTenant: sub });
      const t = await tm.token();
      assert.equal(t.userTenant, sub, "userTenant is the subtenant");
      assert.equal(t.hostTenant, own.tenant, "hostTenant is the tenant");
      assert.equal(ctx.lib.decodeJwt(t.accessToken).claims.ten, sub, "ten");
      const wrong = new ctx.lib.TokenManager({ ...options, clientSecret: `${options.clientSecret}-wrong` });
      const e = await rejects(wrong.token(), "TMS_UNAUTHORIZED", "wrong secret");
      assert.equal(e.status, 401, "status");
      assert.match(e.message, /\/oauth\/token/, "names the endpoint");
      assert.ok(!e.message.includes(options.clientSecret), "never the secret");
      const bad = new ctx.lib.TokenManager({ ...options, subTenant: "no-such-subtenant" });
      await rejects(bad.token(), "TMS_UNAUTHORIZED", "a subtenant it may not impersonate (403)");
      assert.throws(() => new ctx.lib.TokenManager({ ...options, appName: "x" }), "TMS_CONFIG", "both credential kinds");
    },
  },
  {
    name: "fromEnv: MINDSPHERE_* tenant credentials when MDSP_KEY_STORE_CLIENT_ID is not set; application credentials win",
    async fn(ctx) {
      const { own, options } = await tenantOptions(ctx);
      const c = ctx.emu.credentials;
      const tenantEnv = {
        MINDSPHERE_CLIENT_ID: own.clientId,
        MINDSPHERE_CLIENT_SECRET: own.clientSecret,
        MINDSPHERE_TENANT: own.tenant,
        MINDSPHERE_SUB_TENANT: own.subTenants[0],
        MDSP_GATEWAY_URL: options.gateway,
      };
      const tm = ctx.lib.TokenManager.fromEnv(tenantEnv);
      assert.equal((await tm.token()).userTenant, own.subTenants[0], "tenant credentials from MINDSPHERE_*");
      const both = ctx.lib.TokenManager.fromEnv({
        ...tenantEnv,
        MDSP_KEY_STORE_CLIENT_ID: c.clientId,
        MDSP_KEY_STORE_CLIENT_SECRET: c.clientSecret,
        MDSP_OS_VM_APP_NAME: c.appName,
        MDSP_OS_VM_APP_VERSION: c.appVersion,
        MDSP_HOST_TENANT: c.hostTenant,
      });
      assert.equal((await both.token()).userTenant, c.hostTenant, "application credentials win");
      let e;
      try {
        ctx.lib.TokenManager.fromEnv({ MDSP_GATEWAY_URL: options.gateway, MDSP_KEY_STORE_CLIENT_ID: c.clientId });
      } catch (err) {
        e = err;
      }
      assert.equal(e?.code, "TMS_CONFIG", "missing secret");
      assert.match(e.message, /MDSP_KEY_STORE_CLIENT_SECRET/, "names the variable");
    },
  },
  {
    name: "key rotation: a new kid causes one refetch; an unknown kid refetches at most once a minute",
    async fn(ctx) {
      const tm = new ctx.lib.TokenManager(ctx.options({ verify: true, retries: 0 }));
      await tm.token("tenant009");
      assert.equal((await ctx.emu.counts()).tokenKeys, 1, "first fetch");
      await ctx.emu.rotateKeys({ publish: true });
      const t = await tm.token("tenant010");
      assert.equal(t.userTenant, "tenant010", "a token of the new key verifies");
      assert.equal((await ctx.emu.counts()).tokenKeys, 2, "one refetch for the new kid");
      try {
        await ctx.emu.rotateKeys({ publish: false });
        const e = await rejects(tm.token("tenant011"), "TMS_INVALID_TOKEN", "an unpublished kid");
        assert.match(e.message, /`kid`/, "names the kid");
        assert.equal((await ctx.emu.counts()).tokenKeys, 2, "no refetch within 60 s of the last one");
        await rejects(tm.token("tenant012"), "TMS_INVALID_TOKEN", "again");
        assert.equal((await ctx.emu.counts()).tokenKeys, 2, "still none");
        // A manager of its own refetches once and then knows the key.
        await ctx.emu.publishKeys();
        await sleep(10);
        const other = new ctx.lib.TokenManager(ctx.options({ verify: true }));
        assert.equal((await other.token("tenant013")).userTenant, "tenant013", "published: verifies");
      } finally {
        await ctx.emu.publishKeys();
      }
    },
  },
];
