// tms-edge/workers-kv: a read-through TokenStore on a Cloudflare Workers KV namespace.
//
//   import { workersKvStore } from "tms-edge/workers-kv";
//   new TokenManager({ ...options, store: workersKvStore(env.TMS_TOKENS) })
//
// No lease: Workers KV is eventually consistent (a write can take 60 s or more to be seen in
// other locations) and has no compare-and-swap, so it cannot make one isolate the only one to
// refresh. It still saves most token requests: an isolate that finds a token another wrote
// uses it. For one refresh per tenant across the fleet, use tms-edge/durable-object.
//
// KV refuses an expiration TTL under 60 s. The entry is written with max(60 s, ttl) and the
// real expiry goes in its metadata, checked on every read: a read after the TTL misses even
// while KV still holds the entry. (tms-edge also keeps its own expiry inside each sealed value.)

const KV_MIN_TTL_SECONDS = 60;

/** @param {KVNamespace} namespace a Workers KV binding */
export function workersKvStore(namespace) {
  if (!namespace || typeof namespace.getWithMetadata !== "function" || typeof namespace.put !== "function") {
    throw new TypeError("workersKvStore: pass a Workers KV namespace binding");
  }
  return {
    async get(key) {
      const { value, metadata } = await namespace.getWithMetadata(String(key), { type: "text" });
      if (typeof value !== "string") return null;
      if (metadata && typeof metadata.exp === "number" && metadata.exp <= Date.now()) return null;
      return value;
    },
    async set(key, value, ttlMs) {
      if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
        throw new TypeError("workersKvStore: ttlMs must be a positive number of milliseconds");
      }
      await namespace.put(String(key), String(value), {
        expirationTtl: Math.max(KV_MIN_TTL_SECONDS, Math.ceil(ttlMs / 1000)),
        metadata: { exp: Date.now() + ttlMs },
      });
    },
  };
}
