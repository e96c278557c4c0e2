// tms-edge/durable-object: a TokenStore for Cloudflare Workers kept by a Durable Object.
//
//   // worker.js
//   import { TokenManager } from "tms-edge";
//   import { durableObjectStore, TokenCoordinator } from "tms-edge/durable-object";
//   export { TokenCoordinator };                       // the class the binding names
//   ... new TokenManager({ ...options, store: durableObjectStore(env.TMS_TOKENS, { name: env.MDSP_HOST_TENANT }) })
//
//   # wrangler.toml
//   [[durable_objects.bindings]]
//   name = "TMS_TOKENS"
//   class_name = "TokenCoordinator"
//   [[migrations]]
//   tag = "v1"
//   new_sqlite_classes = ["TokenCoordinator"]
//
// Why a Durable Object: it is single-threaded and strongly consistent, so a lease taken in it
// holds across every isolate and location (Workers KV cannot lock: eventually consistent, no
// compare-and-swap). One object serves one `name`; the adapter only sees hashed store keys,
// so it cannot pick an object per tenant by itself: pass `{ name }`, e.g. the host tenant
// (one object per application deployment), or leave the default "tms-edge" (one object for
// everything bound to this namespace). The name only selects the object (idFromName hashes
// it); it is not stored.
//
// The object keeps values and leases in memory and writes each change to ctx.storage before
// it answers, so a replaced or restarted object (after an eviction, a deploy, a move) reads
// them back and still knows who holds a lease. Expiry is inside each entry and checked on
// every read. It works with the KV-style storage API of both SQLite- and KV-backed objects.
//
// The worker talks to the object with stub.fetch (JSON over a URL that never leaves the
// runtime), which needs no `cloudflare:workers` import and no RPC compatibility flag: this
// module also loads outside workerd (types, bundlers, tests).
//
// A lease is refused (null) when another holds it and also when the value changed since this
// store last read or wrote it: an isolate that read a miss while another wrote the token and
// released must read again, not lead a second request. Release deletes the lease only while it
// still holds this holder's token.

const ORIGIN = "https://tms-edge-coordinator.invalid";
const SEEN_MAX = 10_000; // as many keys as tms-edge keeps tokens in memory (maxEntries default)

/**
 * @param {DurableObjectNamespace} namespace the binding of a TokenCoordinator class
 * @param {{ name?: string }} [options] the object's name (default "tms-edge")
 */
export function durableObjectStore(namespace, options = {}) {
  if (!namespace || typeof namespace.idFromName !== "function" || typeof namespace.get !== "function") {
    throw new TypeError("durableObjectStore: pass a Durable Object namespace binding (of a TokenCoordinator class)");
  }
  const name = options.name ?? "tms-edge";
  if (typeof name !== "string" || name.length === 0) throw new TypeError("durableObjectStore: options.name must be a non-empty string");
  const id = namespace.idFromName(name);
  // The value version this store last read or wrote per key (null: none).
  const seen = new Map();
  const remember = (key, version) => {
    seen.delete(key);
    seen.set(key, version);
    if (seen.size > SEEN_MAX) seen.delete(seen.keys().next().value);
  };

  // A fresh stub per call: a stub that saw an error may stay broken, and getting one is cheap.
  async function call(op, body) {
    const res = await namespace.get(id).fetch(`${ORIGIN}/${op}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`durableObjectStore: the coordinator answered ${res.status} to ${op}`);
    }
    return res.json();
  }

  return {
    async get(key) {
      const r = await call("get", { key: String(key) });
      remember(key, r.version ?? null);
      return typeof r.value === "string" ? r.value : null;
    },
    async set(key, value, ttlMs) {
      const r = await call("set", { key: String(key), value: String(value), ttlMs: ttlOf(ttlMs) });
      remember(key, r.version);
    },
    async lease(key, ttlMs) {
      const body = { key: String(key), ttlMs: ttlOf(ttlMs) };
      if (seen.has(key)) body.seen = seen.get(key);
      const r = await call("lease", body);
      if (typeof r.token !== "string") return null;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await call("release", { key: String(key), token: r.token });
      };
    },
  };
}

/**
 * The Durable Object class. Re-export it from the worker's main module and bind it.
 * Entries in storage: "v:<key>" → { v, exp, version }, "l:<key>" → { token, exp }.
 */
export class TokenCoordinator {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
    /** key → entry or null (known absent); filled from storage on first use. */
    this.values = new Map();
    this.leases = new Map();
  }

  async fetch(request) {
    let op, body;
    try {
      op = new URL(request.url).pathname.slice(1);
      body = await request.json();
    } catch {
      return reply(400, { error: "bad request" });
    }
    if (!body || typeof body.key !== "string") return reply(400, { error: "bad request" });
    const now = Date.now();
    switch (op) {
      case "get": {
        const e = live(await this.#load(this.values, "v:", body.key), now);
        return reply(200, e ? { value: e.v, version: e.version } : { value: null, version: null });
      }
      case "set": {
        if (typeof body.value !== "string" || !validTtl(body.ttlMs)) return reply(400, { error: "bad request" });
        const e = { v: body.value, exp: now + body.ttlMs, version: randomHex(8) };
        await this.#store(this.values, "v:", body.key, e);
        return reply(200, { version: e.version });
      }
      case "lease": {
        if (!validTtl(body.ttlMs)) return reply(400, { error: "bad request" });
        if (live(await this.#load(this.leases, "l:", body.key), now)) return reply(200, { token: null });
        if ("seen" in body) {
          const e = live(await this.#load(this.values, "v:", body.key), now);
          if ((e?.version ?? null) !== body.seen) return reply(200, { token: null });
        }
        const lease = { token: randomHex(16), exp: now + body.ttlMs };
        await this.#store(this.leases, "l:", body.key, lease);
        return reply(200, { token: lease.token });
      }
      case "release": {
        const lease = await this.#load(this.leases, "l:", body.key);
        if (lease && lease.token === body.token) await this.#store(this.leases, "l:", body.key, null);
        return reply(200, {});
      }
      default:
        return reply(404, { error: "unknown operation" });
    }
  }

  /** The entry from memory, else from storage (then kept in memory; expired ones dropped). */
  async #load(map, kind, key) {
    if (!map.has(key)) {
      const stored = (await this.ctx.storage.get(kind + key)) ?? null;
      // Another request may have set it while storage was read.
      if (!map.has(key)) map.set(key, stored);
    }
    const e = map.get(key);
    if (e && e.exp <= Date.now()) {
      await this.#store(map, kind, key, null);
      return null;
    }
    return e;
  }

  /** Memory first (this object answers every later request), storage before replying. */
  async #store(map, kind, key, entry) {
    if (entry === null) {
      map.set(key, null);
      await this.ctx.storage.delete(kind + key);
    } else {
      map.set(key, entry);
      await this.ctx.storage.put(kind + key, entry);
    }
  }
}

const live = (e, now) => (e && e.exp > now ? e : null);
const validTtl = (t) => typeof t === "number" && Number.isFinite(t) && t > 0;

function reply(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

function ttlOf(ttlMs) {
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new TypeError("durableObjectStore: ttlMs must be a positive number of milliseconds");
  }
  return Math.ceil(ttlMs);
}

function randomHex(bytes) {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
