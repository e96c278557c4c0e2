// Headless Chromium (playwright-core, /usr/bin/chromium): the shared cases run in a page that
// imports "tms-edge" through an import map to the package's browser entry (plain ESM, no
// bundler; the .wasm is fetched next to it), and in a dedicated module worker. Files are served
// from 127.0.0.1 by the test server, which also proxies the emulator under the same origin. The
// README's browser quick start page runs as written.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium, testServer } from "./lib/browser.mjs";
import { HERE, OUT, ROOT, ensureDir, installPackage, reportCases, startEmulator, suiteFiles, summary, withSuiteEmulator } from "./lib/setup.mjs";

const RUNTIME = "browser";
const ENTRY = "/node_modules/tms-edge/browser.js";
let consumer, server, chromium, page;
const pageErrors = [];

const urlOf = (file) => "/tests/" + file.slice(join(ROOT, "tests").length + 1).split("\\").join("/");

before(async () => {
  consumer = (await installPackage(RUNTIME)).dir;
  const gen = ensureDir(join(OUT, RUNTIME, "gen"));
  writeFileSync(
    join(gen, "page.html"),
    `<!doctype html>
<script type="importmap">{ "imports": { "tms-edge": "${ENTRY}" } }</script>
<script type="module">
import { TokenManager, decodeJwt, TmsError } from "tms-edge";
import { run } from "/tests/runtimes/runners/browser-cases.mjs";
const lib = { TokenManager, decodeJwt, TmsError };
window.runSuite = async (file, opts) => run(lib, (await import(file)).cases, opts);
window.runInWorker = (file, opts) =>
  new Promise((resolve, reject) => {
    const w = new Worker("/gen/worker.mjs", { type: "module" });
    // The worker says "ready" once its imports (the package's top-level await) are done.
    w.onmessage = (e) => {
      if (e.data === "ready") return w.postMessage({ file, opts });
      w.terminate();
      e.data.error ? reject(new Error(e.data.error)) : resolve(e.data.outcome);
    };
    w.onerror = (e) => { w.terminate(); reject(new Error("worker: " + e.message)); };
  });
window.ready = true;
</script>
`,
  );
  // Import maps do not apply inside workers: the worker imports the entry by its path.
  writeFileSync(
    join(gen, "worker.mjs"),
    `import { TokenManager, decodeJwt, TmsError } from "${ENTRY}";
import { run } from "/tests/runtimes/runners/browser-cases.mjs";
const lib = { TokenManager, decodeJwt, TmsError };
self.onmessage = async (e) => {
  try {
    const { cases } = await import(e.data.file);
    postMessage({ outcome: await run(lib, cases, e.data.opts) });
  } catch (err) {
    postMessage({ error: String(err && err.stack || err) });
  }
};
postMessage("ready");
`,
  );
  server = await testServer({ "/": consumer, "/tests/": join(ROOT, "tests"), "/gen/": gen, "/qs/": join(HERE, "quickstart") });
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
  await page.goto(`${server.url}/gen/page.html`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
});

after(async () => {
  await page?.close().catch(() => {});
  await chromium?.close();
  await server?.close();
});

for (const where of ["page", "worker"]) {
  const label = where === "page" ? "browser" : "browser-worker";
  describe(`${label}: shared cases`, () => {
    for (const suite of suiteFiles()) {
      // A suite runs all its cases inside one page call, which can take minutes on a loaded machine.
      test(`${label} suite ${suite.name}`, { timeout: 600_000 }, async (t) => {
        const outcome = await withSuiteEmulator(suite, async (emu) => {
          server.target = emu.url;
          const opts = { url: server.url, credentials: emu.credentials, runtime: RUNTIME };
          return page.evaluate(([w, file, o]) => (w === "page" ? window.runSuite(file, o) : window.runInWorker(file, o)), [where, urlOf(suite.file), opts]);
        });
        t.diagnostic(summary(label, suite.name, outcome));
        if (pageErrors.length) t.diagnostic(`page errors: ${pageErrors.splice(0).join(" | ").slice(0, 2000)}`);
        await reportCases(t, label, outcome);
      });
    }
  });
}

describe("browser: the README quick start page", () => {
  let emu;
  before(async () => {
    emu = await startEmulator();
    server.target = emu.url;
  });
  after(async () => {
    await emu?.stop();
  });

  test("browser: quick start page shows a token", async () => {
    const p = await chromium.context.newPage();
    try {
      await p.goto(`${server.url}/qs/browser.html?secret=${encodeURIComponent(emu.credentials.clientSecret)}`);
      await p.waitForFunction(() => document.getElementById("out").textContent.length > 0, null, { timeout: 30_000 });
      assert.match(await p.textContent("#out"), /^tenant001 until \d{4}-/);
    } finally {
      await p.close();
    }
  });
});
