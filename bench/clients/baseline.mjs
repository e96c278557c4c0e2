// The hand-written baseline: what a careful user writes in plain JS without a library.
// A Map cache keyed by tenant, refreshed 5 minutes before expiry (at most half the lifetime),
// and one shared in-flight promise per tenant so that concurrent misses make one request.
// It calls the emulator's POST /oauth/token with fetch itself. No batching, no paging, no
// retries: for many tenants it makes one request per tenant with bounded concurrency.
export const name = "baseline";

export async function load() {}

export class TokenCache {
  constructor({ gateway, clientId, clientSecret, appName, appVersion, hostTenant, refreshBeforeExpirySec = 300 }) {
    this.url = `${gateway.replace(/\/+$/, "")}/api/technicaltokenmanager/v3/oauth/token`;
    this.auth = `Basic ${btoa(`${clientId}:${clientSecret}`)}`;
    this.app = { appName, appVersion, hostTenant };
    this.hostTenant = hostTenant;
    this.margin = refreshBeforeExpirySec * 1000;
    this.cache = new Map(); // tenant -> { accessToken, expiresAt, refreshAt }
    this.inflight = new Map(); // tenant -> Promise<token>
  }

  async token(tenant = this.hostTenant) {
    const hit = this.cache.get(tenant);
    if (hit !== undefined && Date.now() < hit.refreshAt) return hit;
    let p = this.inflight.get(tenant);
    if (p === undefined) {
      p = this.#fetch(tenant).finally(() => this.inflight.delete(tenant));
      this.inflight.set(tenant, p);
    }
    try {
      return await p;
    } catch (err) {
      // A failed refresh still serves a token that has not expired.
      if (hit !== undefined && Date.now() < hit.expiresAt) return hit;
      throw err;
    }
  }

  async #fetch(tenant) {
    const sentAt = Date.now();
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-space-auth-key": this.auth },
      body: JSON.stringify({ ...this.app, userTenant: tenant }),
    });
    if (!res.ok) throw new Error(`token request for ${tenant} failed: HTTP ${res.status}`);
    const body = await res.json();
    const lifetime = Number(body.expires_in) * 1000;
    const expiresAt = sentAt + lifetime;
    const token = { accessToken: body.access_token, expiresAt, refreshAt: expiresAt - Math.min(this.margin, lifetime / 2) };
    this.cache.set(tenant, token);
    return token;
  }
}

/** Runs fn over items with at most `limit` in flight. */
export async function pool(items, limit, fn) {
  let next = 0, ok = 0, failed = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
        ok++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return { ok, failed };
}

export function create(ctx) {
  const cache = new TokenCache({ ...ctx.credentials, gateway: ctx.url });
  return {
    token: (tenant) => cache.token(tenant),
    accessToken: (t) => t.accessToken,
    /** One request per tenant, `concurrency` at a time (it has no batch or paging support). */
    fanout: (tenants, { concurrency }) => pool(tenants, concurrency, (t) => cache.token(t)),
    retained: cache,
  };
}
