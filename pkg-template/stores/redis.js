// tms-edge/redis: a TokenStore over a Redis client the caller made and connected:
// npm `redis` (node-redis 4 and later), `ioredis`, or `@upstash/redis` (REST, for edge
// runtimes). Values are stored as they are given (sealed by tms-edge), so isolates using
// different clients on one database share entries.
//
// Lease: `SET {<key>}:lease <random token> NX PX ttl`; release deletes the lease only while it
// still holds our token (a Lua compare-and-delete), so a release that comes after the lease
// expired and another isolate took it leaves theirs alone (the scheme of @upstash/lock).
// The lease is taken by a script that also checks that the value is still the one this store
// last read or wrote for the key: a caller that read a miss, while another isolate then wrote
// the token and released, must not become a second leader (design.md, "Many isolates": a lease
// that checked the lease alone let two leaders through). It gets null and reads again.
// The braces are a cluster hash tag: the lease key lives in the value key's slot, so the
// script may touch both.
//
// Errors are not caught here: a rejected call is what tms-edge turns into a TMS_STORE event.
// A client that queues commands while disconnected (node-redis and ioredis do by default)
// makes calls wait instead; tms-edge's storeTimeout bounds that wait.

// KEYS[1] lease, KEYS[2] value; ARGV[1] token, ARGV[2] ttl ms, ARGV[3] "1" to check that the
// value equals ARGV[4] ("" for none) before taking the lease.
const LEASE = `if ARGV[3] == "1" and (redis.call("GET", KEYS[2]) or "") ~= ARGV[4] then return 0 end
if redis.call("SET", KEYS[1], ARGV[1], "NX", "PX", ARGV[2]) then return 1 else return 0 end`;
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;
// Upstash's client JSON-parses every reply by default ("true" → true, '{"a":1}' → object), so a
// value would not always come back as the string that was stored. Reading through a script that
// returns the value behind one "s" makes every reply unparseable as JSON, so the client hands it
// over untouched (with or without automaticDeserialization), and the "s" is cut off here. Plain
// string concatenation: no Lua library needed. A side effect: EVAL is not a read-only command
// (EVAL_RO is), so an Upstash global database runs it in the primary region rather than a
// nearer read replica; reads then see the latest write, which the lease's followers rely on, at
// the cost of the distance to the primary.
const GET_PREFIXED = `local v = redis.call("GET", KEYS[1]) if v then return "s" .. v else return false end`;

const FLAVOURS = ["node-redis", "ioredis", "upstash"];

/** Which client this is, by the shape of its API (or the `flavour` option). */
function detect(client) {
  if (typeof client?.defineCommand === "function") return "ioredis";
  if (typeof client?.sendCommand === "function") return "node-redis";
  if (typeof client?.createScript === "function" && typeof client?.eval === "function") return "upstash";
  return null;
}

/**
 * @param {object} client a connected node-redis, ioredis or @upstash/redis client
 * @param {{ flavour?: "node-redis" | "ioredis" | "upstash" }} [options]
 */
export function redisStore(client, options = {}) {
  const flavour = options.flavour ?? detect(client);
  if (!FLAVOURS.includes(flavour)) {
    throw new TypeError(`redisStore: pass a client of npm redis, ioredis or @upstash/redis (or options.flavour: ${FLAVOURS.join(", ")})`);
  }
  const ops = OPS[flavour](client);
  // The value this store last read or wrote per key ("" for a miss), for the lease's check.
  const seen = new BoundedMap(SEEN_MAX);

  return {
    async get(key) {
      let v = await ops.get(key);
      // node-redis hands back bytes when the client was made with a Buffer type mapping.
      if (v instanceof Uint8Array) v = new TextDecoder().decode(v);
      const value = typeof v === "string" ? v : null;
      seen.set(key, value ?? "");
      return value;
    },
    async set(key, value, ttlMs) {
      const text = String(value);
      await ops.setPx(key, text, pxOf(ttlMs));
      seen.set(key, text);
    },
    async lease(key, ttlMs) {
      const leaseKey = `{${key}}:lease`;
      const token = randomToken();
      const last = seen.get(key);
      const px = String(pxOf(ttlMs));
      const taken = await ops.evalScript(LEASE, [leaseKey, key], [token, px, last === undefined ? "0" : "1", last ?? ""]);
      if (Number(taken) !== 1) return null;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await ops.evalScript(RELEASE, [leaseKey], [token]);
      };
    },
  };
}

// Each flavour's calls, in its own argument style.
const OPS = {
  "node-redis": (c) => ({
    get: (key) => c.get(key),
    // { PX } is understood by node-redis 4, 5 and 6 (6 also has { expiration }).
    setPx: (key, value, px) => c.set(key, value, { PX: px }),
    evalScript: (script, keys, args) => c.eval(script, { keys, arguments: args }),
  }),
  ioredis: (c) => ({
    get: (key) => c.get(key),
    setPx: (key, value, px) => c.set(key, value, "PX", px),
    evalScript: (script, keys, args) => c.eval(script, keys.length, ...keys, ...args),
  }),
  upstash: (c) => ({
    get: async (key) => {
      const v = await c.eval(GET_PREFIXED, [key], []);
      return typeof v === "string" && v.startsWith("s") ? v.slice(1) : null;
    },
    setPx: (key, value, px) => c.set(key, value, { px }),
    evalScript: (script, keys, args) => c.eval(script, keys, args),
  }),
};

const SEEN_MAX = 10_000; // as many keys as tms-edge keeps tokens in memory (maxEntries default)

/** A Map that forgets its oldest key past `max` (a forgotten key only skips the lease's check). */
class BoundedMap extends Map {
  constructor(max) {
    super();
    this.max = max;
  }
  set(key, value) {
    this.delete(key);
    super.set(key, value);
    if (this.size > this.max) this.delete(this.keys().next().value);
    return this;
  }
}

/** Redis PX takes a positive whole number of milliseconds. */
function pxOf(ttlMs) {
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new TypeError("redisStore: ttlMs must be a positive number of milliseconds");
  }
  return Math.ceil(ttlMs);
}

/** 128 random bits: another holder cannot guess our lease token. */
function randomToken() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
