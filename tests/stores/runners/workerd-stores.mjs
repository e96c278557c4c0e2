// A module worker run by Miniflare (workerd) for tests/stores/workerd.test.mjs: the TokenStore
// cases on tms-edge/durable-object and tms-edge/workers-kv over Miniflare's real Durable Objects
// (SQLite-backed) and KV. Each route answers JSON.
import { durableObjectStore, TokenCoordinator } from "../../../pkg-template/stores/durable-object.js";
import { workersKvStore } from "../../../pkg-template/stores/workers-kv.js";
import { createCodec } from "../../../src/js/store-codec.js";
import { runCases, storeCases } from "../lib/conformance.mjs";
import { codecCases } from "../lib/codec-cases.mjs";

// Bound as users bind it (the PLAIN binding), and as a test subclass that can also list its
// storage (the scan of the no-plaintext case).
export { TokenCoordinator };
export class TestCoordinator extends TokenCoordinator {
  async fetch(request) {
    if (new URL(request.url).pathname === "/__dump") {
      const entries = await this.ctx.storage.list();
      return Response.json([...entries].map(([k, v]) => [k, JSON.stringify(v)]));
    }
    return super.fetch(request);
  }
}
/** An object whose every request fails, as one whose storage is unavailable. */
export class BrokenCoordinator {
  fetch() {
    throw new Error("storage unavailable");
  }
}

const rejecting = (what) => () => Promise.reject(new Error(`${what} down`));
const NAME = "hosttenant-under-test";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const codec = await createCodec("client-secret-for-the-workerd-store-test");
    const prefix = url.searchParams.get("prefix") ?? `w${Date.now()}`;
    switch (url.pathname) {
      case "/do": {
        const stores = [durableObjectStore(env.COORD, { name: NAME }), durableObjectStore(env.COORD, { name: NAME })];
        const scan = async () => (await env.COORD.get(env.COORD.idFromName(NAME)).fetch("https://x.invalid/__dump")).json();
        const fakeNamespace = { idFromName: (n) => n, get: () => ({ fetch: rejecting("stub") }) };
        const cases = storeCases({
          stores,
          makeStore: () => durableObjectStore(env.COORD, { name: NAME }),
          ttlMs: 300,
          scan,
          codec,
          prefix,
          down: [
            ["the object throws", durableObjectStore(env.BROKEN)],
            ["the stub rejects", durableObjectStore(fakeNamespace)],
          ],
        });
        cases.push({
          name: "durable-object: the class as exported (no test subclass) serves get, set and lease",
          async run() {
            const s = durableObjectStore(env.PLAIN);
            await s.set(`tms-edge:v1:${prefix}-plain`, "v", 60_000);
            if ((await s.get(`tms-edge:v1:${prefix}-plain`)) !== "v") throw new Error("round trip failed");
            const r = await s.lease(`tms-edge:v1:${prefix}-plain`, 10_000);
            if (!r || (await durableObjectStore(env.PLAIN).lease(`tms-edge:v1:${prefix}-plain`, 10_000)) !== null) throw new Error("lease not exclusive");
            await r();
          },
        });
        cases.push({
          name: "durable-object: objects are chosen by name (another name, another object)",
          async run() {
            const a = durableObjectStore(env.COORD, { name: "tenant-a" });
            const b = durableObjectStore(env.COORD, { name: "tenant-b" });
            await a.set(`tms-edge:v1:${prefix}-named`, "a", 60_000);
            if ((await b.get(`tms-edge:v1:${prefix}-named`)) !== null) throw new Error("name b sees name a's value");
            if ((await durableObjectStore(env.COORD, { name: "tenant-a" }).get(`tms-edge:v1:${prefix}-named`)) !== "a") throw new Error("name a lost it");
          },
        });
        cases.push({
          name: "durable-object: a bad request is answered 400 (and the adapter rejects)",
          async run() {
            const res = await env.COORD.get(env.COORD.idFromName(NAME)).fetch("https://x.invalid/set", { method: "POST", body: "{" });
            if (res.status !== 400) throw new Error(`status ${res.status}`);
            await res.body?.cancel();
          },
        });
        return Response.json(await runCases(cases));
      }
      case "/kv": {
        const puts = [];
        // Records what the adapter asks KV for, then passes it on to the real binding.
        const recording = {
          getWithMetadata: (...a) => env.KV.getWithMetadata(...a),
          put: (key, value, opts) => (puts.push(opts), env.KV.put(key, value, opts)),
        };
        const stores = [workersKvStore(recording), workersKvStore(env.KV)];
        const scan = async () => {
          const out = [];
          for (const { name, metadata } of (await env.KV.list()).keys) out.push([name, `${await env.KV.get(name)} ${JSON.stringify(metadata)}`]);
          return out;
        };
        const fakeKv = { getWithMetadata: rejecting("kv"), put: rejecting("kv") };
        const cases = storeCases({ stores, lease: false, ttlMs: 300, scan, codec, prefix, down: [["the namespace rejects", workersKvStore(fakeKv)]] });
        cases.push({
          name: "workers-kv: expirationTtl is at least 60 s (KV's minimum), else the ttl in seconds",
          async run() {
            puts.length = 0;
            await stores[0].set(`tms-edge:v1:${prefix}-ttl1`, "x", 300);
            await stores[0].set(`tms-edge:v1:${prefix}-ttl2`, "x", 59_001);
            await stores[0].set(`tms-edge:v1:${prefix}-ttl3`, "x", 3_600_000);
            await stores[0].set(`tms-edge:v1:${prefix}-ttl4`, "x", 90_500);
            const ttls = puts.map((p) => p.expirationTtl);
            if (JSON.stringify(ttls) !== "[60,60,3600,91]") throw new Error(`expirationTtl ${JSON.stringify(ttls)}`);
          },
        });
        cases.push({
          name: "workers-kv: no lease (read-through only)",
          async run() {
            if ("lease" in stores[0]) throw new Error("has a lease");
          },
        });
        return Response.json(await runCases(cases));
      }
      case "/codec": {
        const sealedInNode = JSON.parse(url.searchParams.get("sealed"));
        return Response.json(await runCases(codecCases(createCodec, { sealedInNode })));
      }
      // The restart check: write through one workerd, read through the next (same persist dir).
      case "/persist-write": {
        const s = durableObjectStore(env.COORD, { name: "persisted" });
        await s.set("tms-edge:v1:persist", "kept", 600_000);
        const held = await s.lease("tms-edge:v1:persist", 600_000);
        const short = await s.lease("tms-edge:v1:persist-short", 200);
        return Response.json({ held: !!held, short: !!short });
      }
      case "/persist-check": {
        const s = durableObjectStore(env.COORD, { name: "persisted" });
        return Response.json({
          value: await s.get("tms-edge:v1:persist"),
          leaseRefused: (await s.lease("tms-edge:v1:persist", 10_000)) === null,
          expiredLeaseTaken: (await s.lease("tms-edge:v1:persist-short", 10_000)) !== null,
        });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  },
};
