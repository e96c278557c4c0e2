// The demo, end to end: scripts/demo.sh (emulator + worker in workerd + page) on free ports,
// driven by headless Chromium through playwright-core.
//
//   node --test tests/demo/demo.test.mjs        (after `make build`)
//
// Checks: the page loads and fills in, the burst of 500 token() calls reaches the TMS once (as
// the page's log shows), the fault switches reach the emulator and retries show in the log, the
// JWT inspector decodes in the browser, a cold cache is not reported as failures, nothing spills
// out of its card at 420 and 360 px, no secret or token appears in the page (DOM text,
// attributes, form values) or in any response the page received, and TERM ends demo.sh with
// exit code 0. Saves tests/out/demo.png.
// Stops everything it started: demo.sh (which stops its children), Chromium, temp directories.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const SCREENSHOT = join(root, "tests/out/demo.png");
const JWT = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/;
const BASE = "/api/technicaltokenmanager/v3";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts scripts/demo.sh on free ports; resolves with its URLs once it printed them. */
function startDemo(stateDir) {
  const child = spawn("bash", ["scripts/demo.sh"], {
    cwd: root,
    env: { ...process.env, DEMO_PORT: "0", EMULATOR_PORT: "0", DEMO_CRON_SEC: "0", DEMO_STATE_DIR: stateDir },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: a last-resort kill can reach workerd too
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => { err += d; });
  const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
  child.exitPromise = exited;
  const ready = new Promise((resolveReady, rejectReady) => {
    const timer = setTimeout(() => rejectReady(new Error(`demo did not start in 90 s\n${out}\n${err}`)), 90_000);
    child.stdout.on("data", (d) => {
      out += d;
      const page = /open\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
      const emulator = /emulator\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (page && emulator) {
        clearTimeout(timer);
        resolveReady({ page, emulator });
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rejectReady(new Error(`demo exited early (${code ?? signal})\n${out}\n${err}`));
    });
  });
  async function stop() {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      let timer;
      const done = await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 15_000, null); })]);
      clearTimeout(timer);
      if (!done) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
        await exited;
        throw new Error("demo.sh did not stop on SIGTERM within 15 s");
      }
    }
  }
  return { child, ready, stop };
}

async function refused(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch {
    return true;
  }
}

const skip = process.env.TMS_SKIP_CHROMIUM === "1" ? "TMS_SKIP_CHROMIUM=1" : existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

test("demo: page, burst coalescing, faults, JWT inspector, no secrets in the browser", { timeout: 180_000, skip }, async (t) => {
  assert.ok(existsSync(join(root, "pkg/workerd.js")), "pkg/ must be built first (make build)");
  const { chromium } = await import("playwright-core");

  const stateDir = mkdtempSync(join(tmpdir(), "tms-edge-demo-state-"));
  const profileDir = mkdtempSync(join(tmpdir(), "tms-edge-demo-chromium-"));
  const demo = startDemo(stateDir);
  let context = null;
  t.after(async () => {
    await context?.close().catch(() => {});
    await demo.stop().catch(() => {});
    rmSync(profileDir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });

  const { page: pageUrl, emulator } = await demo.ready;

  // The dev credentials as the emulator printed them (demo.sh keeps them out of the terminal).
  const credLine = readFileSync(join(stateDir, "emulator.out"), "utf8").split("\n")[1];
  const creds = JSON.parse(credLine.replace(/^credentials: /, ""));
  const authKey = Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString("base64");

  // Chromium: fresh profile, its temp files inside that profile directory too.
  const chromeTmp = join(profileDir, "tmp");
  mkdirSync(chromeTmp);
  context = await chromium.launchPersistentContext(join(profileDir, "user-data"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    env: { ...process.env, TMPDIR: chromeTmp },
    viewport: { width: 1440, height: 900 },
  });
  const bodies = [];
  context.on("response", (r) => {
    bodies.push(r.body().then((b) => ({ url: r.url(), text: b.toString("latin1") }), () => ({ url: r.url(), text: "" })));
  });
  const pageErrors = [];
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") pageErrors.push(`console: ${m.text()}`); });

  await page.goto(pageUrl);
  await page.waitForFunction(() => document.querySelector("#wasm-state")?.textContent.includes("loaded"), null, { timeout: 30_000 });
  assert.equal(await page.inputValue("#jwt-input"), "", "the JWT inspector starts empty");

  // 1. The KPI job (the cron trigger is off in tests): every tenant gets a token status and KPIs.
  await page.click("#run-job");
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll("#tenants tbody tr")];
    const users = rows.filter((r) => !r.classList.contains("host"));
    return users.length === 12 && users.every((r) => /%$/.test(r.cells[5]?.textContent ?? "") && r.querySelector(".state.fresh, .state.due"));
  }, null, { timeout: 30_000 });
  // Batching shows in the log: 12 tenants, /oauthTokens requests of at most 5.
  await page.waitForFunction(() => document.querySelectorAll('#log li[data-endpoint="batch"]').length >= 3, null, { timeout: 10_000 });

  // 1b. A cold cache, then the job: every token is fetched anew, and nothing is reported as a
  //     failed refresh (there was nothing to refresh) or as a tenant without a token.
  await page.click("#cold");
  await page.waitForFunction(() => !document.querySelector("#tenants .state.fresh, #tenants .state.due"), null, { timeout: 10_000 });
  await page.click("#run-job");
  await page.waitForFunction(() => {
    const users = [...document.querySelectorAll("#tenants tbody tr")].filter((r) => !r.classList.contains("host"));
    return users.length === 12 && users.every((r) => r.querySelector(".state.fresh, .state.due")) && !document.querySelector(".jobline .spin");
  }, null, { timeout: 30_000 });
  const jobLine = await page.textContent("#job-info");
  assert.match(jobLine, /12\/12 tokens/, jobLine);
  assert.doesNotMatch(jobLine, /fail|without a token/, "a cold cache is no failure");

  // 1b'. A new isolate (as after an eviction): an empty memory cache that gets every token from
  //      the shared Durable Object coordinator, not from the TMS.
  const before = await page.textContent("#shared-info");
  const tmsBefore = Number(/requests to the TMS: (\d+)/.exec(before)?.[1]);
  await page.click("#new-isolate");
  await page.waitForFunction(() => /Isolates so far: 2/.test(document.querySelector("#shared-info")?.textContent ?? "") && !document.querySelector(".jobline .spin"), null, { timeout: 30_000 });
  await page.waitForFunction(() => {
    const users = [...document.querySelectorAll("#tenants tbody tr")].filter((r) => !r.classList.contains("host"));
    return users.length === 12 && users.every((r) => r.querySelector(".state.fresh, .state.due"));
  }, null, { timeout: 30_000 });
  const shared = await page.textContent("#shared-info");
  const fromCoordinator = Number(/from the shared Durable Object: (\d+)/.exec(shared)?.[1]);
  const tmsAfter = Number(/requests to the TMS: (\d+)/.exec(shared)?.[1]);
  assert.ok(fromCoordinator >= 12, `the new isolate took its tokens from the coordinator: ${shared}`);
  assert.ok(tmsAfter - tmsBefore <= 2, `and asked the TMS for (almost) none: ${before} → ${shared}`);

  // 1c. A phone-sized window (420 px and 360 px): nothing spills out of the page or of its card
  //     (wide tables scroll inside theirs).
  for (const width of [420, 360]) {
    await page.setViewportSize({ width, height: 900 });
    const spills = await page.evaluate(() => {
      const out = [];
      const vw = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > vw) out.push(`page ${document.documentElement.scrollWidth} px wide in ${vw} px`);
      for (const card of document.querySelectorAll(".card, .tile, .top-inner")) {
        const c = card.getBoundingClientRect();
        for (const el of card.querySelectorAll("*")) {
          const r = el.getBoundingClientRect();
          if (r.width && !el.closest(".table-wrap, .log") && (r.right > c.right + 1 || r.left < c.left - 1)) out.push(`${card.className} > ${el.tagName.toLowerCase()}.${el.className}`);
        }
      }
      return out.slice(0, 10);
    });
    assert.deepEqual(spills, [], `at ${width} px`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // 2. Burst: 500 concurrent token() calls on a cold cache make exactly one upstream request.
  await page.selectOption("#burst-tenant", "tenant001");
  await page.click("#burst");
  await page.waitForSelector('#burst-result[data-state="done"]', { timeout: 30_000 });
  const burst = await page.$eval("#burst-result", (el) => ({ ...el.dataset }));
  assert.equal(burst.n, "500");
  assert.equal(burst.succeeded, "500", "every call of the burst succeeds");
  assert.equal(burst.upstream, "1", "the worker's stats: one upstream request for the burst");
  assert.equal(burst.logRequests, "1", "the page's log: one upstream request for the burst");
  const burstRows = await page.$$eval("#log li.burst", (lis) => lis.map((li) => li.dataset.endpoint));
  assert.deepEqual(burstRows, ["token"], "the log highlights exactly one POST /oauth/token for the burst");
  // And the emulator itself agrees: tenant001 was fetched once by /oauth/token (the job used batches).
  const log = (await (await fetch(`${emulator}/_emulator/log?since=0`)).json()).entries;
  const single = log.filter((e) => e.endpoint === "token" && e.userTenants.includes("tenant001"));
  assert.equal(single.length, 1, "one /oauth/token request for tenant001 in the emulator's log");
  assert.ok(log.filter((e) => e.endpoint === "batch").every((e) => e.userTenants.length <= 5), "batches of at most 5");

  // 3. Fault switches reach the control plane; a one-shot 429 shows as retries in the log.
  await page.click("#faults-card .switch:has(#f-latency)");
  await page.waitForFunction(() => document.querySelector("#armed").textContent.includes("latency 1500"), null, { timeout: 10_000 });
  assert.equal((await (await fetch(`${emulator}/_emulator/config`)).json()).latencyMs, 1500);
  await page.click("#faults-card .switch:has(#f-latency)");
  await page.waitForFunction(() => !document.querySelector("#f-latency").checked, null, { timeout: 10_000 });
  assert.equal((await (await fetch(`${emulator}/_emulator/config`)).json()).latencyMs, 0);

  await page.click("#f-429");
  await page.waitForFunction(() => {
    const items = [...document.querySelectorAll("#log li[data-seq]")]; // newest first
    const throttled = items.filter((li) => li.dataset.status === "429");
    const lastThrottled = throttled[0];
    return throttled.length >= 2 && items.some((li) => li.dataset.status === "200" && li.dataset.endpoint === "userTenants" &&
      Number(li.dataset.seq) > Number(lastThrottled.dataset.seq));
  }, null, { timeout: 20_000 });
  await page.waitForFunction(() => !document.querySelector(".jobline .spin"), null, { timeout: 20_000 });
  await page.waitForFunction(() => /retr/.test(document.querySelector("#job-info").textContent), null, { timeout: 10_000 });
  await page.waitForFunction(() => /No faults armed/.test(document.querySelector("#armed").textContent), null, { timeout: 10_000 });

  // 4. Screenshot, with the inspector showing a made-up sample (not a real token), which is then
  //    cleared: the scan below must find no JWT-shaped string at all.
  await page.click("#jwt-sample");
  await page.waitForSelector("#jwt-claims");
  await page.evaluate(() => window.scrollTo(0, 0));
  mkdirSync(join(root, "tests/out"), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  await page.fill("#jwt-input", "");
  await page.click("#jwt-decode");

  // 5. No secret or token anywhere the browser can see.
  const needles = new Map([
    ["client secret", creds.clientSecret],
    ["X-SPACE-AUTH-KEY value", authKey],
  ]);
  // Tokens straight from the emulator for tenants the worker also holds tokens for.
  const tmsPost = (path, body) => fetch(emulator + BASE + path, {
    method: "POST",
    headers: { "content-type": "application/json", "x-space-auth-key": `Basic ${authKey}` },
    body: JSON.stringify(body),
  }).then((r) => r.json());
  const single1 = await tmsPost("/oauth/token", { appName: creds.appName, appVersion: creds.appVersion, hostTenant: creds.hostTenant, userTenant: "tenant001" });
  const batch = await tmsPost("/oauthTokens", { appName: creds.appName, appVersion: creds.appVersion, hostTenantId: creds.hostTenant, userTenantIds: ["tenant002", "tenant003", "tenant004"] });
  const tokens = [single1.access_token, ...batch.oauthTokens.map((e) => e.token.access_token)];
  assert.equal(tokens.length, 4);
  tokens.forEach((tok, i) => {
    assert.match(tok, JWT);
    needles.set(`emulator token ${i + 1}`, tok);
    needles.set(`emulator token ${i + 1} signature`, tok.split(".")[2]);
  });

  const dom = await page.evaluate(() => {
    const values = [...document.querySelectorAll("input, textarea, select")].map((el) => el.value).join("\n");
    return `${document.documentElement.outerHTML}\n${document.body.innerText}\n${values}`;
  });
  const received = await Promise.all(bodies);
  assert.ok(received.some((b) => b.url.includes("/api/status")), "worker responses were recorded");
  assert.ok(received.some((b) => b.url.includes("/_emulator/log")), "emulator log responses were recorded");
  const places = [{ where: "page DOM", text: dom }, ...received.map((b) => ({ where: `response ${b.url}`, text: b.text }))];
  for (const { where, text } of places) {
    assert.doesNotMatch(text, JWT, `no JWT-shaped string in ${where}`);
    if (!where.endsWith(".wasm")) assert.doesNotMatch(text, /eyJ[\w-]{20,}/, `no base64url JSON (a JWT part) in ${where}`);
    for (const [what, needle] of needles) assert.ok(!text.includes(needle), `${what} leaked into ${where}`);
    assert.ok(!text.includes(`Basic ${authKey}`), `auth header in ${where}`);
  }

  // 6. The JWT inspector runs the wasm decodeJwt in this tab: a pasted token, and a bad one.
  await page.fill("#jwt-input", tokens[0]);
  await page.click("#jwt-decode");
  await page.waitForFunction(() => document.querySelector('#jwt-claims dd[data-claim="ten"]')?.textContent === "tenant001", null, { timeout: 10_000 });
  // 6b. Verify in the worker (tm.verify): every check passes for the genuine token; a changed
  //     signature fails the signature check, after all the others passed.
  await page.click("#jwt-verify");
  await page.waitForFunction(() => document.querySelectorAll("#jwt-checks li.pass").length === 7, null, { timeout: 15_000 });
  const [hd, pl, sig] = tokens[0].split(".");
  await page.fill("#jwt-input", `${hd}.${pl}.${sig.slice(0, 10)}${sig[10] === "A" ? "B" : "A"}${sig.slice(11)}`);
  await page.click("#jwt-verify");
  await page.waitForFunction(() => document.querySelector('#jwt-checks li.fail')?.dataset.check === "signature" &&
    document.querySelectorAll("#jwt-checks li.pass").length === 6, null, { timeout: 15_000 });
  await page.fill("#jwt-input", "not.a-jwt");
  await page.click("#jwt-decode");
  await page.waitForFunction(() => /TMS_INVALID_TOKEN/.test(document.querySelector("#jwt-output").textContent), null, { timeout: 10_000 });

  assert.deepEqual(pageErrors, [], "no uncaught errors or console errors in the page");

  // 7. Everything stops: demo.sh stops its children on TERM.
  await context.close();
  context = null;
  await demo.stop();
  const { code } = await demo.child.exitPromise;
  assert.equal(code, 0, "a stop on TERM (or Ctrl-C) is a clean exit: `make demo` reports no error");
  assert.ok(await refused(pageUrl), "demo page port is closed");
  assert.ok(await refused(`${emulator}/_emulator/stats`), "emulator port is closed");
});
