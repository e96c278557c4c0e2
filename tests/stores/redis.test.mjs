// tms-edge/redis on a real Redis (Debian's redis-server, started here on 127.0.0.1 and a free
// port), through each client it supports. The dev dependencies exist for this file:
//   redis          node-redis, the client of npm `redis` (also drives the Upstash stand-in)
//   ioredis        the other common Node client
//   @upstash/redis the REST client for edge runtimes, pointed at lib/upstash-standin.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import IORedis from "ioredis";
import { Redis as UpstashRedis } from "@upstash/redis";
import { redisStore } from "../../pkg-template/stores/redis.js";
import { createCodec } from "../../src/js/store-codec.js";
import { freePort, startRedis } from "./lib/redis-server.mjs";
import { startUpstashStandIn } from "./lib/upstash-standin.mjs";
import { runCases, storeCases } from "./lib/conformance.mjs";

const TOKEN = "standin-token-not-a-secret";
let server, standin, codec, raw;
const closers = [];

before(async () => {
  server = await startRedis();
  standin = await startUpstashStandIn(server.url, TOKEN);
  codec = await createCodec("client-secret-for-the-store-test");
  raw = createClient({ url: server.url });
  await raw.connect();
});
after(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await raw?.close?.().catch(() => {});
  await standin?.stop();
  await server?.stop();
});

/** Every key and value in Redis (strings; leases included), read with SCAN. */
async function scan() {
  const out = [];
  for await (const keys of raw.scanIterator({ MATCH: "*", COUNT: 1000 })) {
    for (const k of [].concat(keys)) out.push([k, await raw.get(k)]);
  }
  return out;
}

async function nodeRedis(url, opts = {}) {
  const c = createClient({ url, ...opts });
  c.on("error", () => {}); // failures reach the caller as rejections
  await c.connect();
  closers.push(() => (c.isOpen ? c.close() : Promise.resolve()));
  return c;
}
async function ioredis(port, opts = {}) {
  const c = new IORedis({ host: "127.0.0.1", port, lazyConnect: true, ...opts });
  c.on("error", () => {});
  await c.connect();
  closers.push(async () => c.disconnect());
  return c;
}
const upstash = (url, opts = {}) => new UpstashRedis({ url, token: TOKEN, enableTelemetry: false, ...opts });

const FLAVOURS = {
  "node-redis": async () => [await nodeRedis(server.url), await nodeRedis(server.url)],
  ioredis: async () => [await ioredis(server.port), await ioredis(server.port)],
  // Three configurations: the defaults (auto-pipelining, JSON parsing, base64 replies), no
  // pipelining with raw replies, and plain-JSON replies.
  upstash: async () => [
    upstash(standin.url),
    upstash(standin.url, { enableAutoPipelining: false, automaticDeserialization: false }),
    upstash(standin.url, { responseEncoding: false }),
  ],
};

/** Clients whose server is gone, configured to fail at once rather than queue (see redis.js). */
async function downStores() {
  const dead = await startRedis();
  const nr = await nodeRedis(dead.url, { disableOfflineQueue: true, socket: { reconnectStrategy: false } });
  const io = await ioredis(dead.port, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await dead.stop();
  await new Promise((r) => setTimeout(r, 200)); // the clients notice the closed sockets
  const deadStandin = await startUpstashStandIn(server.url, TOKEN);
  await deadStandin.stop(); // nothing listens on its port any more
  const freeUrl = `http://127.0.0.1:${await freePort()}`;
  return {
    "node-redis": redisStore(nr),
    ioredis: redisStore(io),
    upstash: redisStore(upstash(deadStandin.url, { retry: false })),
    "upstash, refused token": redisStore(new UpstashRedis({ url: standin.url, token: "wrong", retry: false, enableTelemetry: false })),
    "upstash, nothing listening": redisStore(upstash(freeUrl, { retry: false })),
  };
}

for (const flavour of Object.keys(FLAVOURS)) {
  describe(`redisStore with ${flavour}`, () => {
    let cases;
    before(async () => {
      const clients = await FLAVOURS[flavour]();
      const down = await downStores();
      const downFor = Object.entries(down).filter(([name]) => name.startsWith(flavour));
      let n = 0; // the fleet's isolates take the clients in turn
      cases = await runCases(
        storeCases({
          stores: clients.map((c) => redisStore(c)),
          makeStore: () => redisStore(clients[n++ % clients.length]),
          ttlMs: 300,
          scan,
          codec,
          down: downFor,
          prefix: `${flavour}-${Date.now()}`,
        }),
      );
    });
    // One test per case, so that node --test counts and names each.
    const names = storeCases({ stores: [{}, {}], scan: true, codec: true, makeStore: true, down: flavour === "upstash" ? [["upstash"], ["upstash, refused token"], ["upstash, nothing listening"]] : [[flavour]] }).map((c) => c.name);
    for (const name of names) {
      test(name, () => {
        const r = cases.find((c) => c.name === name);
        assert.ok(r, "case did not run");
        assert.ok(r.ok, r.message);
      });
    }
  });
}

describe("redisStore details", () => {
  test("the TTL is Redis's own (PX), and the lease key shares the value key's cluster slot", async () => {
    const store = redisStore(await nodeRedis(server.url));
    const key = `tms-edge:v1:px-${Date.now()}`;
    await store.set(key, "v", 5000);
    const pttl = await raw.pTTL(key);
    assert.ok(pttl > 4000 && pttl <= 5000, `PTTL ${pttl}`);
    const release = await store.lease(key, 7000);
    const leaseKey = `{${key}}:lease`;
    const lttl = await raw.pTTL(leaseKey);
    assert.ok(lttl > 6000 && lttl <= 7000, `lease PTTL ${lttl}`);
    assert.match(await raw.get(leaseKey), /^[0-9a-f]{32}$/);
    assert.equal(await raw.sendCommand(["CLUSTER", "KEYSLOT", key]).catch(() => "n/a"), await raw.sendCommand(["CLUSTER", "KEYSLOT", leaseKey]).catch(() => "n/a"));
    await release();
    assert.equal(await raw.exists(leaseKey), 0);
  });

  test("an ioredis store and an Upstash store share entries (one value format)", async () => {
    const io = redisStore(await ioredis(server.port));
    const up = redisStore(upstash(standin.url));
    const key = `tms-edge:v1:share-${Date.now()}`;
    await io.set(key, '{"not":"parsed"}', 10_000);
    assert.equal(await up.get(key), '{"not":"parsed"}');
    await up.set(key, "v1.abc", 10_000);
    assert.equal(await io.get(key), "v1.abc");
  });

  test("the Upstash stand-in saw the client's real requests (base64 replies, pipelines)", () => {
    assert.ok(standin.requests.some((r) => r.path === "/pipeline" && r.encoding === "base64"), "no auto-pipelined request");
    assert.ok(standin.requests.some((r) => r.encoding === ""), "no request without base64");
    assert.ok(standin.requests.some((r) => r.path === "" && Array.isArray(r.body) && r.body[0] === "eval"), "no single eval request");
  });

  test("a node-redis client that maps replies to Buffers still reads strings", async () => {
    const { RESP_TYPES } = await import("redis");
    const c = (await nodeRedis(server.url)).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    const store = redisStore(c);
    const key = `tms-edge:v1:buf-${Date.now()}`;
    await store.set(key, "v1.bytes-ünï", 10_000);
    assert.equal(await store.get(key), "v1.bytes-ünï");
  });

  test("an unknown client is refused at once, naming the supported ones", () => {
    assert.throws(() => redisStore({ get() {}, set() {} }), /redis, ioredis or @upstash\/redis/);
    assert.throws(() => redisStore(undefined), TypeError);
    assert.throws(() => redisStore({}, { flavour: "memcached" }), TypeError);
  });
});
