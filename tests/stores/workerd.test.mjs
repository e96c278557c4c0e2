// tms-edge/durable-object and tms-edge/workers-kv in workerd (Miniflare 4, compatibility date
// 2025-06-01): the TokenStore cases (lib/conformance.mjs) on Miniflare's real SQLite-backed
// Durable Objects and KV, run inside the worker runners/workerd-stores.mjs; and a restart of
// workerd on the same persisted storage, which the replaced object must remember.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { sealedInNode } from "./lib/node-sealed.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "../..");
const COMPAT_DATE = "2025-06-01";
let dir;

function start(persist) {
  const output = [];
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(HERE, "runners/workerd-stores.mjs"),
    modulesRoot: ROOT,
    modulesRules: [{ type: "ESModule", include: ["**/*.js", "**/*.mjs"] }],
    compatibilityDate: COMPAT_DATE,
    durableObjects: {
      COORD: { className: "TestCoordinator", useSQLite: true },
      PLAIN: { className: "TokenCoordinator", useSQLite: true },
      BROKEN: "BrokenCoordinator",
    },
    kvNamespaces: ["KV"],
    durableObjectsPersist: join(persist, "do"),
    kvPersist: join(persist, "kv"),
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio(stdout, stderr) {
      stdout.on("data", (d) => output.push(String(d)));
      stderr.on("data", (d) => output.push(String(d)));
    },
  });
  return { mf, output };
}

async function getJson(mf, output, path) {
  const res = await mf.dispatchFetch(`http://127.0.0.1${path}`);
  const text = await res.text();
  assert.equal(res.status, 200, `${path}: ${res.status} ${text.slice(0, 2000)}\n${output.join("").slice(-3000)}`);
  return JSON.parse(text);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tms-workerd-stores-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

for (const [route, label] of [["/do", "durable-object"], ["/kv", "workers-kv"], [async () => `/codec?sealed=${encodeURIComponent(JSON.stringify(await sealedInNode()))}`, "store-codec"]]) {
  describe(`${label} in workerd`, () => {
    let mf, output, results;
    before(async () => {
      ({ mf, output } = start(join(dir, label)));
      results = await getJson(mf, output, typeof route === "function" ? await route() : route);
    });
    after(async () => mf?.dispose());
    test(`${label}: the cases in workerd`, async (t) => {
      assert.ok(results.length >= 3, `only ${results.length} cases`);
      // One subtest per case, so that node --test counts and names each.
      for (const r of results) await t.test(r.name, () => assert.ok(r.ok, r.message));
    });
  });
}

test("durable-object: a replaced object (workerd restarted on its storage) still knows values and leases", async () => {
  const persist = join(dir, "restart");
  let { mf, output } = start(persist);
  try {
    assert.deepEqual(await getJson(mf, output, "/persist-write"), { held: true, short: true });
  } finally {
    await mf.dispose();
  }
  await new Promise((r) => setTimeout(r, 300)); // the short lease expires meanwhile
  ({ mf, output } = start(persist));
  try {
    assert.deepEqual(await getJson(mf, output, "/persist-check"), { value: "kept", leaseRefused: true, expiredLeaseTaken: true });
  } finally {
    await mf.dispose();
  }
});
