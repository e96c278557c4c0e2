// tms-edge/deno-kv: a TokenStore over Deno KV (`await Deno.openKv()`, on Deno Deploy or with
// --unstable-kv locally).
//
// Entries: the value at [...prefix, key] as { v, exp }, the lease at [...prefix, "lease", key]
// as { token, exp } (prefix defaults to ["tms-edge"]). `expireIn` is only the earliest time
// Deno may delete an entry, not a promise that a read after it misses, so the expiry is kept
// inside the entry and checked on every read.
//
// Lease: one atomic operation that checks the versionstamps of BOTH the lease entry and the
// value entry. Checking the lease alone lets two leaders through (design.md, "Many isolates"):
// an isolate reads a miss, another takes the lease, writes the token and releases, and the
// first, finding no lease, takes it too. Checking the value's versionstamp as this store last
// read it refuses that second lease: the caller gets null and reads the token instead.
// Release deletes the lease only if it is still the entry we wrote (compare-and-delete on the
// versionstamp), so a release after expiry leaves a later holder's lease alone.
//
// Reads are strongly consistent (Deno KV's default). Errors (a closed handle, a failed commit
// for another reason) reject, which tms-edge turns into a TMS_STORE event.

const SEEN_MAX = 10_000; // as many keys as tms-edge keeps tokens in memory (maxEntries default)

/**
 * @param {Deno.Kv} kv from Deno.openKv()
 * @param {{ prefix?: Deno.KvKey }} [options]
 */
export function denoKvStore(kv, options = {}) {
  if (!kv || typeof kv.get !== "function" || typeof kv.atomic !== "function") {
    throw new TypeError("denoKvStore: pass the Deno.Kv of `await Deno.openKv()`");
  }
  const prefix = options.prefix ?? ["tms-edge"];
  if (!Array.isArray(prefix)) throw new TypeError("denoKvStore: options.prefix must be an array (a Deno KV key)");
  const valueKey = (key) => [...prefix, String(key)];
  const leaseKey = (key) => [...prefix, "lease", String(key)];
  // The value entry's versionstamp (null: absent) as this store last read or wrote it.
  const seen = new Map();
  const remember = (key, versionstamp) => {
    seen.delete(key);
    seen.set(key, versionstamp);
    if (seen.size > SEEN_MAX) seen.delete(seen.keys().next().value);
  };

  return {
    async get(key) {
      const entry = await kv.get(valueKey(key));
      remember(key, entry.versionstamp);
      const e = entry.value;
      if (!e || typeof e.v !== "string" || typeof e.exp !== "number" || e.exp <= Date.now()) return null;
      return e.v;
    },

    async set(key, value, ttlMs) {
      const ttl = ttlOf(ttlMs);
      const res = await kv.set(valueKey(key), { v: String(value), exp: Date.now() + ttl }, { expireIn: ttl });
      remember(key, res.versionstamp);
    },

    async lease(key, ttlMs) {
      const ttl = ttlOf(ttlMs);
      const [lease, value] = await kv.getMany([leaseKey(key), valueKey(key)]);
      const now = Date.now();
      if (lease.value && typeof lease.value.exp === "number" && lease.value.exp > now) return null;
      const valueStamp = seen.has(key) ? seen.get(key) : value.versionstamp;
      if (valueStamp !== value.versionstamp) return null; // written since we read it: read again
      const token = randomToken();
      const res = await kv
        .atomic()
        .check({ key: leaseKey(key), versionstamp: lease.versionstamp })
        .check({ key: valueKey(key), versionstamp: valueStamp })
        .set(leaseKey(key), { token, exp: now + ttl }, { expireIn: ttl })
        .commit();
      if (!res.ok) return null;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await kv.atomic().check({ key: leaseKey(key), versionstamp: res.versionstamp }).delete(leaseKey(key)).commit();
      };
    },
  };
}

function ttlOf(ttlMs) {
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new TypeError("denoKvStore: ttlMs must be a positive number of milliseconds");
  }
  return Math.ceil(ttlMs);
}

/** 128 random bits naming this holder (kept in the entry; the versionstamp does the check). */
function randomToken() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
