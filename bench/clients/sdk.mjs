// The vendor's TypeScript SDK: @mindconnect/mindconnect-nodejs, class TokenManagerAuth
// (a dev dependency of the benchmark only: bench/package.json).
//
// What it needs to run against the emulator (read from its dist/src/api/*.js):
// - gateway: any URL; it POSTs `${gateway}/api/technicaltokenmanager/v3/oauth/token`.
// - token keys: `${gateway.replace("gateway", `${hostTenant}.piam`)}/token_keys`; a gateway
//   of http://127.0.0.1:PORT has no "gateway" in it, so that is http://127.0.0.1:PORT/token_keys,
//   which the emulator serves. It takes keys[0].value (a PEM) when keys[0].kid matches.
// - HTTP_PROXY/http_proxy must be unset, or it sends everything through a proxy agent.
// - One instance per user tenant (no /oauthTokens, no /userTenants).
import { createRequire } from "node:module";

export const name = "sdk";

let TokenManagerAuth;

export async function load() {
  let mod;
  try {
    mod = createRequire(import.meta.url)("@mindconnect/mindconnect-nodejs");
  } catch (err) {
    const e = new Error(`@mindconnect/mindconnect-nodejs is not installed (cd bench && npm ci): ${err.code ?? err.message}`);
    e.unavailable = true;
    throw e;
  }
  TokenManagerAuth = mod.TokenManagerAuth;
  if (typeof TokenManagerAuth !== "function") {
    const e = new Error("@mindconnect/mindconnect-nodejs has no TokenManagerAuth export");
    e.unavailable = true;
    throw e;
  }
}

export function create(ctx) {
  const c = ctx.credentials;
  const basic = `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString("base64")}`;
  // One instance per user tenant, as users must (the class has no tenant parameter per call).
  const byTenant = new Map();
  const instance = (tenant = c.hostTenant) => {
    let auth = byTenant.get(tenant);
    if (auth === undefined) {
      auth = new TokenManagerAuth(ctx.url, basic, c.hostTenant, tenant, c.appName, c.appVersion);
      byTenant.set(tenant, auth);
    }
    return auth;
  };
  return {
    // GetToken() resolves to the access token string.
    token: (tenant) => instance(tenant).GetToken(),
    accessToken: (t) => t,
    /** One instance per tenant; `concurrency` instances fetch at a time. */
    async fanout(tenants, { concurrency }) {
      const { pool } = await import("./baseline.mjs");
      return pool(tenants, concurrency, (t) => instance(t).GetToken());
    },
    retained: byTenant,
  };
}
