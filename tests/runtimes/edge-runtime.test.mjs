// Vercel edge-runtime (npm `edge-runtime`, the VM Vercel's Edge Functions run on locally): the
// shared cases run inside it from a script bundled with esbuild through the edge-light condition
// (the `.wasm?module` import becomes a WebAssembly.Module compiled in the VM's own realm), and the
// README's Vercel quick start, bundled the same way, serves tokens over HTTP (edge-runtime's
// runServer on 127.0.0.1).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EdgeRuntime, runServer } from "edge-runtime";
import { bundleEdge } from "./lib/bundle.mjs";
import { HERE, OUT, ensureDir, installPackage, reportCases, startEmulator, suiteFiles, suitesEntry, summary, withSuiteEmulator } from "./lib/setup.mjs";
import { envFor } from "./lib/workerd.mjs";

const RUNTIME = "edge-runtime";
let consumer;

before(async () => {
  consumer = (await installPackage(RUNTIME)).dir;
});

/** A script registering `handler` (the default export of `module`) as the fetch listener. */
function listenerEntry(dir, module, named = "default") {
  const file = join(dir, "listener.js");
  writeFileSync(
    file,
    `import { ${named} as handler } from ${JSON.stringify(module)};\n` +
      `addEventListener("fetch", (event) => event.respondWith(handler(event.request)));\n`,
  );
  return file;
}

describe("edge-runtime: shared cases", () => {
  let runtime;
  before(async () => {
    const dir = ensureDir(join(OUT, RUNTIME, "cases"));
    const entry = join(dir, "entry.js");
    writeFileSync(entry, suitesEntry(join(HERE, "runners/edge-cases.js"), "casesHandler", suiteFiles()));
    const script = await bundleEdge(listenerEntry(dir, entry), join(dir, "dist/bundle.js"), consumer);
    runtime = new EdgeRuntime({ initialCode: readFileSync(script, "utf8") });
  });

  for (const suite of suiteFiles()) {
    test(`edge-runtime suite ${suite.name}`, async (t) => {
      const { status, text } = await withSuiteEmulator(suite, async (emu) => {
        const res = await runtime.dispatchFetch("http://127.0.0.1/run", {
          method: "POST",
          body: JSON.stringify({ suite: suite.name, url: emu.url, credentials: emu.credentials }),
        });
        return { status: res.status, text: await res.text() };
      });
      assert.equal(status, 200, text.slice(0, 2000));
      const outcome = JSON.parse(text);
      t.diagnostic(summary(RUNTIME, suite.name, outcome));
      await reportCases(t, RUNTIME, outcome);
    });
  }
});

describe("edge-runtime: the README Vercel quick start", () => {
  let emu, server;
  before(async () => {
    emu = await startEmulator();
    const dir = ensureDir(join(OUT, RUNTIME, "quickstart"));
    const script = await bundleEdge(listenerEntry(dir, join(HERE, "quickstart/vercel.js")), join(dir, "dist/bundle.js"), consumer);
    // Vercel provides the project's environment variables as process.env.
    const env = envFor(emu);
    const runtime = new EdgeRuntime({
      initialCode: readFileSync(script, "utf8"),
      extend: (context) => Object.assign(context, { process: { env } }),
    });
    server = await runServer({ runtime, host: "127.0.0.1", port: 0 });
  });
  after(async () => {
    await server?.close();
    await emu?.stop();
  });

  test("edge-runtime: quick start serves a token per tenant, cached across requests", async () => {
    await fetch(`${emu.url}/_emulator/reset`, { method: "POST" });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}?tenant=tenant001`);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.userTenant, "tenant001");
    }
    const counts = (await (await fetch(`${emu.url}/_emulator/stats`)).json()).requests;
    assert.equal(counts.token, 1, "cached across requests");
  });
});
