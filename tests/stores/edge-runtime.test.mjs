// tms-edge/redis with @upstash/redis inside Vercel's edge-runtime (npm `edge-runtime`), bundled
// with esbuild through the edge-light condition as Vercel does, against a real redis-server
// behind the local Upstash REST stand-in; and store-codec.js in the same VM.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { EdgeRuntime } from "edge-runtime";
import { freePort, startRedis } from "./lib/redis-server.mjs";
import { startUpstashStandIn } from "./lib/upstash-standin.mjs";
import { sealedInNode } from "./lib/node-sealed.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const TOKEN = "standin-token-not-a-secret";
let dir, server, standin, results;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tms-edge-stores-"));
  server = await startRedis();
  standin = await startUpstashStandIn(server.url, TOKEN);
  const outfile = join(dir, "bundle.js");
  await build({
    entryPoints: [join(HERE, "runners/edge-stores.mjs")],
    outfile,
    bundle: true,
    format: "iife",
    platform: "neutral",
    target: "es2022",
    conditions: ["edge-light", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    logLevel: "error",
  });
  const runtime = new EdgeRuntime({ initialCode: readFileSync(outfile, "utf8") });
  const res = await runtime.dispatchFetch("http://127.0.0.1/run", {
    method: "POST",
    body: JSON.stringify({ url: standin.url, token: TOKEN, deadUrl: `http://127.0.0.1:${await freePort()}`, sealedInNode: await sealedInNode() }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text.slice(0, 2000));
  results = JSON.parse(text);
});
after(async () => {
  await standin?.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("edge-runtime: the cases in the edge VM", async (t) => {
  assert.ok(results.length >= 15, `only ${results?.length} cases`);
  // One subtest per case, so that node --test counts and names each.
  for (const r of results) await t.test(r.name, () => assert.ok(r.ok, r.message));
});
