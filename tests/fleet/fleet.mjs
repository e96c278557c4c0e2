// The fleet simulation (`make fleet`; a short form runs in `make test`): M isolates sharing one
// store, random eviction and re-creation, staggered calls over several token lifetimes, T
// tenants. Prints TMS token requests per tenant per lifetime and per refresh cycle for each
// adapter and with no store, side by side. Real engines: Redis (Debian's redis-server, through
// node-redis, ioredis, and @upstash/redis against the local REST stand-in), Deno KV (in Deno),
// Durable Objects and Workers KV (in workerd, Miniflare); everything on 127.0.0.1.
//
//   node tests/fleet/fleet.mjs [--isolates 50] [--tenants 100] [--lifetime 8] [--lifetimes 3]
//                              [--only none,node-redis,ioredis,upstash,deno-kv,durable-object,workers-kv] [--json]
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "redis";
import IORedis from "ioredis";
import { Redis as UpstashRedis } from "@upstash/redis";

import { startEmulator } from "../../emulator/server.mjs";
import { startRedis } from "../stores/lib/redis-server.mjs";
import { startUpstashStandIn } from "../stores/lib/upstash-standin.mjs";
import { runFleet } from "./fleet-core.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const ADAPTERS = ["none", "node-redis", "ioredis", "upstash", "deno-kv", "durable-object", "workers-kv"];

/** Runs the fleet once per adapter; resolves { params, rows }. */
export async function fleets({ isolates = 50, tenants = 100, lifetime = 8, lifetimes = 3, only = ADAPTERS, log = () => {} } = {}) {
  const lib = await import(pathToFileURL(`${ROOT}pkg/node.js`).href);
  const emu = await startEmulator({ port: 0, quiet: true, tenants, lifetimeSec: lifetime });
  const redis = only.some((a) => ["node-redis", "ioredis", "upstash"].includes(a)) ? await startRedis() : null;
  const closers = [];
  const tenantIds = Array.from({ length: tenants }, (_, i) => `tenant${String(i + 1).padStart(3, "0")}`);
  // expires_in is lifetime - 1 s; refresh 0.5 s before expiry (the floor is one request per cycle).
  const lifetimeMs = (lifetime - 1) * 1000;
  const refreshBeforeExpiryMs = 500;
  const options = { ...emu.credentials, gateway: emu.url, refreshBeforeExpiry: refreshBeforeExpiryMs / 1000, storeTimeout: 2_000 };
  const tokenRequests = async () => emu.stats().requests.token;
  const params = { isolates, tenants, lifetimeMs, lifetimes, refreshBeforeExpiryMs };
  const rows = [];
  try {
    for (const adapter of only) {
      log(`fleet: ${adapter} ...`);
      emu.reset();
      let row;
      if (adapter === "deno-kv" || adapter === "durable-object" || adapter === "workers-kv") {
        row = await inRuntime(adapter, { ...params, options, emu, tenantIds });
      } else {
        const makeStore = await storeFactory(adapter, lib, redis, closers);
        row = await runFleet({ TokenManager: lib.TokenManager, options, makeStore, tenants: tenantIds, isolates, lifetimeMs, refreshBeforeExpiryMs, lifetimes, tokenRequests, seed: 7 });
      }
      rows.push({ adapter, ...row });
      log(`fleet: ${adapter}: ${row.perTenantPerLifetime} requests per tenant per lifetime, ${row.perTenantPerCycle} per cycle`);
    }
  } finally {
    // A closer that fails must not keep the others (or the Redis server) from stopping.
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch {
        // already closed
      }
    }
    await redis?.stop();
    await emu.close();
  }
  return { params, rows };
}

async function storeFactory(adapter, lib, redis, closers) {
  if (adapter === "none") return null;
  const { redisStore } = await import(pathToFileURL(`${ROOT}pkg/stores/redis.js`).href);
  // Every adapter starts from an empty store: the Redis rows share one server.
  const admin = createClient({ url: redis.url });
  await admin.connect();
  await admin.flushAll();
  await admin.close();
  if (adapter === "node-redis") {
    // One connection per isolate, as each isolate of a fleet has its own.
    return () => {
      const c = createClient({ url: redis.url });
      c.on("error", () => {});
      const ready = c.connect();
      closers.push(() => ready.then(() => c.close()));
      return lazy(ready.then(() => redisStore(c)));
    };
  }
  if (adapter === "ioredis") {
    return () => {
      const c = new IORedis({ host: "127.0.0.1", port: redis.port });
      c.on("error", () => {});
      closers.push(async () => c.disconnect());
      return redisStore(c);
    };
  }
  if (adapter === "upstash") {
    const standin = await startUpstashStandIn(redis.url, "fleet-token");
    closers.push(() => standin.stop());
    return () => redisStore(new UpstashRedis({ url: standin.url, token: "fleet-token", enableTelemetry: false }));
  }
  throw new Error(`unknown adapter ${adapter}`);
}

/** A TokenStore whose methods wait for `storePromise` (a client still connecting). */
function lazy(storePromise) {
  const call = (m) => async (...a) => (await storePromise)[m](...a);
  return { get: call("get"), set: call("set"), lease: call("lease") };
}

/** Deno KV in Deno, Durable Objects and Workers KV in workerd: a child run of fleet-core. */
async function inRuntime(adapter, p) {
  const mod = await import(new URL(adapter === "deno-kv" ? "./deno-fleet-runner.mjs" : "./workerd-fleet-runner.mjs", import.meta.url).href);
  return mod.run(adapter, p);
}

const invoked = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invoked) {
  const { values } = parseArgs({
    options: {
      isolates: { type: "string", default: "50" },
      tenants: { type: "string", default: "100" },
      lifetime: { type: "string", default: "8" },
      lifetimes: { type: "string", default: "3" },
      only: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  const only = values.only ? values.only.split(",") : ADAPTERS;
  const out = await fleets({
    isolates: Number(values.isolates),
    tenants: Number(values.tenants),
    lifetime: Number(values.lifetime),
    lifetimes: Number(values.lifetimes),
    only,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  console.log(formatTable(out));
  if (values.json) console.log(JSON.stringify(out));
  process.exit(0);
}

export function formatTable({ params, rows }) {
  const head = `fleet: ${params.isolates} isolates, ${params.tenants} tenants, token lifetime ${params.lifetimeMs / 1000} s, ${params.lifetimes} lifetimes, evictions at random`;
  const lines = [head, "| adapter | token requests | per tenant per lifetime | per tenant per refresh cycle | calls | wrong tenant | expired | errors | evictions |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"];
  for (const r of rows) {
    lines.push(`| ${r.adapter} | ${r.requests} | ${r.perTenantPerLifetime} | ${r.perTenantPerCycle} | ${r.calls} | ${r.wrongTenant} | ${r.expired} | ${r.errors} | ${r.evictions} |`);
  }
  return lines.join("\n");
}
