// store-codec.js in headless Chromium (the page imports it as a plain ES module from a local
// server on 127.0.0.1, a secure context for crypto.subtle): the codec cases, and a value sealed
// in Node opens in the browser. Skipped with TMS_SKIP_CHROMIUM=1, as the other browser tests.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium, testServer } from "../runtimes/lib/browser.mjs";
import { sealedInNode } from "./lib/node-sealed.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "../..");
const skip = process.env.TMS_SKIP_CHROMIUM === "1" && "TMS_SKIP_CHROMIUM=1";
let server, browser, results;

before(async () => {
  if (skip) return;
  // Only the two directories the page needs are served.
  server = await testServer({ "/src/js/": join(ROOT, "src/js"), "/tests/stores/": HERE });
  browser = await launchChromium();
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/tests/stores/runners/browser-codec.html`);
  results = await page.evaluate(async (sealed) => window.runCodecCases(sealed), await sealedInNode());
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("browser: the codec cases in Chromium", { skip }, async (t) => {
  assert.ok(results?.length >= 3, `only ${results?.length} cases`);
  for (const r of results) await t.test(r.name, () => assert.ok(r.ok, r.message));
});
