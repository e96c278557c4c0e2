// The real wrangler (npm `wrangler`, pinned in tests/deploy/package.json: 4.86.0 is the last 4.x
// that runs on Node 20) on the README's Cloudflare quick start, in a user's project directory
// with the packed package installed: `wrangler deploy --dry-run` bundles it (the `.wasm` stays a
// module of its own), and `wrangler dev --local` serves it with the README's `.dev.vars`
// pointing at an emulator. Offline: no metrics (WRANGLER_SEND_METRICS=false), its config
// directory under the test's temp dir (XDG_CONFIG_HOME), no login. Its `Request.cf` lookup fails
// offline and it says so; that is harmless (a placeholder is used).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startEmulator } from "../runtimes/lib/setup.mjs";
import { settingsFor } from "../runtimes/lib/quickstart.mjs";
import { freePort, runToEnd, startGroup, tool, userProject } from "./lib.mjs";

const QS = join(ROOT, "tests/runtimes/quickstart");
// The local-development command as the npm README gives it (the test picks a free port).
export const DEV_COMMAND = "npx wrangler dev --local --port 8788";
let dir, emu, env;

before(async () => {
  dir = await userProject("tms-wrangler-");
  mkdirSync(join(dir, "src"));
  copyFileSync(join(QS, "wrangler.toml"), join(dir, "wrangler.toml"));
  copyFileSync(join(QS, "worker.js"), join(dir, "src/index.js"));
  env = { ...process.env, WRANGLER_SEND_METRICS: "false", XDG_CONFIG_HOME: join(dir, ".config"), NO_COLOR: "1", CI: "1" };
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("wrangler", () => {
  test("wrangler: deploy --dry-run bundles the quick start worker, the .wasm as a module", async () => {
    const r = await runToEnd(tool("wrangler"), ["deploy", "--dry-run", "--outdir", "dist"], { cwd: dir, env });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /--dry-run: exiting now/, r.out);
    const files = readdirSync(join(dir, "dist"));
    assert.ok(files.includes("index.js"), `dist: ${files}`);
    const wasm = files.filter((f) => f.endsWith(".wasm"));
    assert.equal(wasm.length, 1, `one .wasm module in dist: ${files}`);
    const bundle = readFileSync(join(dir, "dist/index.js"), "utf8");
    assert.ok(bundle.includes(wasm[0]), "the bundle imports the .wasm module by name");
    assert.ok(!/readFileSync|Deno\.|\?module/.test(bundle), "the workerd entry, not another runtime's");
  });

  test("wrangler: dev --local serves tokens from the emulator, settings in .dev.vars", async () => {
    const readme = readFileSync(join(ROOT, "pkg-template/README.md"), "utf8");
    assert.ok(readme.includes(DEV_COMMAND), `the npm README shows \`${DEV_COMMAND}\``);
    writeFileSync(join(dir, ".dev.vars"), settingsFor("dev.vars", emu));
    const port = await freePort();
    const args = DEV_COMMAND.split(" ").slice(2).map((a) => (a === "8788" ? String(port) : a));
    const dev = startGroup(tool("wrangler"), [...args, "--ip", "127.0.0.1"], { cwd: dir, env });
    try {
      await dev.waitFor(/Ready on http:\/\/127\.0\.0\.1:\d+/, 90_000);
      await fetch(`${emu.url}/_emulator/reset`, { method: "POST" });
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/?tenant=tenant001`);
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.userTenant, "tenant001");
        assert.ok(body.expiresAt > Date.now());
      }
      const res = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal((await res.json()).userTenant, emu.credentials.hostTenant, "no tenant: the host tenant");
      const counts = (await (await fetch(`${emu.url}/_emulator/stats`)).json()).requests;
      assert.equal(counts.token, 2, "one upstream request per tenant, cached across requests");
      assert.match(dev.output(), /Using secrets defined in \.dev\.vars/);
      assert.ok(!dev.output().includes(emu.credentials.clientSecret), "wrangler does not print the secret");
    } finally {
      await dev.stop();
    }
  });
});
