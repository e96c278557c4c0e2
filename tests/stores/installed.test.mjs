// The store adapters from the packed tarball, installed as users get it (tests/runtimes'
// installPackage): a worker importing "tms-edge" and "tms-edge/durable-object", bundled the way
// wrangler does (workerd condition), runs in Miniflare with the TokenCoordinator it re-exports
// bound as a Durable Object. Needs `make build` (pkg/), as the runtime tests do.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { installPackage } from "../runtimes/lib/setup.mjs";
import { bundleWorkerd } from "../runtimes/lib/bundle.mjs";
import { COMPAT_DATE } from "../runtimes/lib/workerd.mjs";

let dir, mf, output;

const WORKER = `
import { TokenManager } from "tms-edge";
import { durableObjectStore, TokenCoordinator } from "tms-edge/durable-object";
import { workersKvStore } from "tms-edge/workers-kv";
import { redisStore } from "tms-edge/redis";
import { denoKvStore } from "tms-edge/deno-kv";
export { TokenCoordinator };
export default {
  async fetch(request, env) {
    const store = durableObjectStore(env.TMS_TOKENS, { name: "hosttenant" });
    const kv = workersKvStore(env.KV);
    await store.set("tms-edge:v1:installed", "sealed-value", 60000);
    await kv.set("tms-edge:v1:installed", "kv-value", 1000);
    const release = await store.lease("tms-edge:v1:installed", 10000);
    const second = await durableObjectStore(env.TMS_TOKENS, { name: "hosttenant" }).lease("tms-edge:v1:installed", 10000);
    await release();
    return Response.json({
      manager: typeof TokenManager,
      others: [typeof redisStore, typeof denoKvStore],
      value: await store.get("tms-edge:v1:installed"),
      kv: await kv.get("tms-edge:v1:installed"),
      leased: typeof release,
      second,
    });
  },
};
`;

before(async () => {
  const { dir: consumer } = await installPackage("stores");
  dir = mkdtempSync(join(tmpdir(), "tms-stores-installed-"));
  const entry = join(consumer, "stores-entry.js");
  writeFileSync(entry, WORKER);
  const script = await bundleWorkerd(entry, join(dir, "dist"), consumer);
  output = [];
  mf = new Miniflare({
    modules: true,
    scriptPath: script,
    modulesRoot: join(dir, "dist"),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: COMPAT_DATE,
    durableObjects: { TMS_TOKENS: { className: "TokenCoordinator", useSQLite: true } },
    kvNamespaces: ["KV"],
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", (d) => output.push(String(d)));
      stderr.on("data", (d) => output.push(String(d)));
    },
  });
});
after(async () => {
  await mf?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("installed package: tms-edge/durable-object and /workers-kv work in workerd beside tms-edge", async () => {
  const res = await mf.dispatchFetch("http://127.0.0.1/");
  const text = await res.text();
  assert.equal(res.status, 200, `${text.slice(0, 2000)}\n${output.join("").slice(-3000)}`);
  assert.deepEqual(JSON.parse(text), {
    manager: "function",
    others: ["function", "function"],
    value: "sealed-value",
    kv: "kv-value",
    leased: "function",
    second: null,
  });
});
