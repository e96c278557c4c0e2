// Cloudflare workerd through Miniflare: the shared cases run inside a module worker that imports
// "tms-edge" through the workerd condition (bundled as wrangler does: the .wasm stays a module,
// compiled by workerd at load), and the README's worker quick start serves tokens.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleWorkerd } from "./lib/bundle.mjs";
import { HERE, OUT, ensureDir, installPackage, reportCases, startEmulator, suiteFiles, suitesEntry, summary, withSuiteEmulator } from "./lib/setup.mjs";
import { envFor, startWorkerd } from "./lib/workerd.mjs";

const RUNTIME = "workerd";
let emu, consumer;

before(async () => {
  consumer = (await installPackage(RUNTIME)).dir;
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
});

describe("workerd: shared cases in a module worker", () => {
  let worker;
  before(async () => {
    const dir = ensureDir(join(OUT, RUNTIME, "cases"));
    const entry = join(dir, "entry.js");
    writeFileSync(entry, suitesEntry(join(HERE, "runners/workerd-cases.js"), "casesWorker", suiteFiles()));
    const script = await bundleWorkerd(entry, join(dir, "dist"), consumer);
    worker = await startWorkerd(script);
  });
  after(async () => {
    await worker?.dispose();
  });

  for (const suite of suiteFiles()) {
    test(`workerd suite ${suite.name}`, async (t) => {
      const { res, text } = await withSuiteEmulator(suite, async (emu) => {
        const res = await fetch(worker.url, {
          method: "POST",
          body: JSON.stringify({ suite: suite.name, url: emu.url, credentials: emu.credentials }),
        });
        return { res, text: await res.text() };
      });
      assert.equal(res.status, 200, text.slice(0, 2000));
      const outcome = JSON.parse(text);
      t.diagnostic(summary(RUNTIME, suite.name, outcome));
      await reportCases(t, RUNTIME, outcome);
      const warnings = worker.output.join("").match(/different request context[^\n]*/g) ?? [];
      t.diagnostic(`cross-request promise warnings so far: ${warnings.length}`);
    });
  }
});

describe("workerd: the README quick start worker", () => {
  let worker;
  before(async () => {
    const script = await bundleWorkerd(join(HERE, "quickstart/worker.js"), join(OUT, RUNTIME, "quickstart"), consumer);
    worker = await startWorkerd(script, { bindings: envFor(emu) });
  });
  after(async () => {
    await worker?.dispose();
  });

  test("workerd: quick start serves a token per tenant, cached across requests", async () => {
    const emuCounts = async () => (await (await fetch(`${emu.url}/_emulator/stats`)).json()).requests;
    await fetch(`${emu.url}/_emulator/reset`, { method: "POST" });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${worker.url}?tenant=tenant001`);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.userTenant, "tenant001");
      assert.ok(body.expiresAt > Date.now());
    }
    const res = await fetch(`${worker.url}`);
    assert.equal((await res.json()).userTenant, emu.credentials.hostTenant, "no tenant: the host tenant");
    assert.equal((await emuCounts()).token, 2, "one upstream request per tenant");
    const bad = await fetch(`${worker.url}?tenant=${encodeURIComponent("no such tenant!")}`);
    assert.equal(bad.status, 502);
    assert.match((await bad.json()).code, /^TMS_/);
  });
});
