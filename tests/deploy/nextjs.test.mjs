// Vercel's bundler as users meet it: Next.js (npm `next`, pinned in tests/deploy/package.json,
// with `react` and `react-dom`, which `next build` requires) builds the smallest app holding
// the npm README's edge route (quickstart/next-route.js, copied as written), with the packed
// package installed by `npm install <tarball>`, and `next start` runs the built route in Next's edge sandbox against an
// emulator, settings in `.env.local` (the README's local-development path). The build must
// resolve the package through `edge-light` (the manifest lists the `.wasm` as the route's
// WebAssembly module). Offline: NEXT_TELEMETRY_DISABLED=1. The app is built in
// tests/deploy/.build/next-app (gitignored), where `next` resolves from tests/deploy/node_modules.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startEmulator } from "../runtimes/lib/setup.mjs";
import { dotEnvFor } from "../runtimes/lib/quickstart.mjs";
import { freePort, installTarball, runToEnd, startGroup, tool } from "./lib.mjs";

const APP = join(ROOT, "tests/deploy/.build/next-app");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NO_COLOR: "1" };
let emu;

before(async () => {
  rmSync(APP, { recursive: true, force: true });
  mkdirSync(join(APP, "app/api/token"), { recursive: true });
  for (const f of ["package.json", "next.config.mjs"]) copyFileSync(join(ROOT, "tests/deploy/next-app", f), join(APP, f));
  copyFileSync(join(ROOT, "tests/runtimes/quickstart/next-route.js"), join(APP, "app/api/token/route.js"));
  await installTarball(APP);
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
  rmSync(APP, { recursive: true, force: true });
});

test("next: `next build` bundles the edge route through edge-light, `next start` serves tokens", async () => {
  const build = await runToEnd(tool("next"), ["build"], { cwd: APP, env }, 300_000);
  assert.equal(build.code, 0, build.out);
  const manifest = JSON.parse(readFileSync(join(APP, ".next/server/middleware-manifest.json"), "utf8"));
  const route = manifest.functions["/api/token/route"];
  assert.ok(route, `an edge function for /api/token: ${Object.keys(manifest.functions)}`);
  assert.ok(route.wasm?.some((w) => /tms_edge_bg.*\.wasm$/.test(w.filePath)), `the route's wasm module: ${JSON.stringify(route.wasm)}`);

  writeFileSync(join(APP, ".env.local"), dotEnvFor(emu));
  const port = await freePort();
  const server = startGroup(tool("next"), ["start", "-H", "127.0.0.1", "-p", String(port)], { cwd: APP, env });
  try {
    await server.waitFor(/Ready in/, 60_000);
    await fetch(`${emu.url}/_emulator/reset`, { method: "POST" });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/api/token?tenant=tenant001`);
      const text = await res.text();
      assert.equal(res.status, 200, `${text}\n${server.output().slice(-3000)}`);
      assert.equal(JSON.parse(text).userTenant, "tenant001");
    }
    const res = await fetch(`http://127.0.0.1:${port}/api/token`);
    assert.equal((await res.json()).userTenant, emu.credentials.hostTenant, "no tenant: the host tenant");
    const counts = (await (await fetch(`${emu.url}/_emulator/stats`)).json()).requests;
    assert.equal(counts.token, 2, "one upstream request per tenant, cached across invocations");
  } finally {
    await server.stop();
  }
  assert.ok(existsSync(APP));
});
