// Deno (the npm `deno` binary): the shared cases run in Deno with "tms-edge" imported from the
// installed consumer directory (deno condition), with no permission but --allow-net=127.0.0.1;
// and the README's Deno quick start runs as written, with `npm:tms-edge` fetched from a local
// registry into an empty DENO_DIR (no node_modules anywhere).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { dotEnvFor, readmeCommand, waitForListening } from "./lib/quickstart.mjs";
import { BIN, HERE, installPackage, localRegistry, packPackage, reportCases, startEmulator, suiteFiles, summary, withSuiteEmulator } from "./lib/setup.mjs";

const RUNTIME = "deno";
const DENO = join(BIN, "deno");
let emu, consumer;

const denoEnv = (extra = {}) => ({ ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", ...extra });

function run(args, opts) {
  return new Promise((resolve) => {
    execFile(DENO, args, { ...opts, maxBuffer: 64 << 20, timeout: 600_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  consumer = (await installPackage(RUNTIME)).dir;
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
});

describe("deno: shared cases", () => {
  let entryDir;
  before(() => {
    // The entries live in the consumer project, so "tms-edge" resolves from its node_modules.
    entryDir = join(consumer, "runtimes-deno");
    mkdirSync(entryDir, { recursive: true });
  });

  for (const suite of suiteFiles()) {
    test(`deno suite ${suite.name}`, async (t) => {
      const entry = join(entryDir, `${suite.name}.entry.mjs`);
      writeFileSync(
        entry,
        [
          `import { TokenManager, decodeJwt, TmsError } from "tms-edge";`,
          `import { cases } from ${JSON.stringify(pathToFileURL(suite.file).href)};`,
          `import { main } from ${JSON.stringify(pathToFileURL(join(HERE, "runners/deno-cases.mjs")).href)};`,
          `await main({ TokenManager, decodeJwt, TmsError }, { ${JSON.stringify(suite.name)}: cases });`,
        ].join("\n") + "\n",
      );
      // Only network access to loopback: no --allow-read (the package needs none).
      const r = await withSuiteEmulator(suite, (emu) =>
        run(["run", "--allow-net=127.0.0.1", entry, JSON.stringify({ url: emu.url, credentials: emu.credentials })], {
          cwd: consumer,
          env: denoEnv(),
        }),
      );
      const line = r.stdout.split("\n").find((l) => l.startsWith(`RESULT ${suite.name} `));
      assert.ok(line, `deno exited ${r.code} without a result\n${r.stderr.slice(-4000)}`);
      const outcome = JSON.parse(line.slice(`RESULT ${suite.name} `.length));
      t.diagnostic(summary(RUNTIME, suite.name, outcome));
      for (const l of r.stdout.split("\n").filter((l) => l.startsWith("RETRIED "))) t.diagnostic(l);
      await reportCases(t, RUNTIME, outcome);
    });
  }
});

describe("deno: the README quick start (npm:tms-edge, no node_modules)", () => {
  let dir, registry, server;
  before(async () => {
    registry = await localRegistry(packPackage());
    dir = mkdtempSync(join(tmpdir(), "tms-deno-qs-"));
    copyFileSync(join(HERE, "quickstart/deno.ts"), join(dir, "main.ts"));
  });
  after(async () => {
    if (server && server.exitCode === null) server.kill("SIGTERM");
    await registry?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("deno: quick start type-checks (deno check)", async () => {
    const r = await run(["check", "main.ts"], { cwd: dir, env: denoEnv({ DENO_DIR: join(dir, ".deno"), NPM_CONFIG_REGISTRY: registry.url }) });
    assert.equal(r.code, 0, r.stderr);
  });

  test("deno: quick start serves tokens as the README runs it, settings from .env, no warning", async () => {
    // The command of the quick start's first line, with the README's local-development
    // addition: the emulator's settings in .env (--env-file).
    const [cmd, ...args] = readmeCommand(join(HERE, "quickstart/deno.ts"));
    assert.equal(cmd, "deno");
    assert.ok(!args.includes("--allow-read") && !args.includes("-A"), "no file access, no blanket permission");
    writeFileSync(join(dir, ".env"), dotEnvFor(emu, { PORT: "0" }));
    const env = denoEnv({ DENO_DIR: join(dir, ".deno"), NPM_CONFIG_REGISTRY: registry.url });
    server = spawn(DENO, [...args.slice(0, -1), "--env-file=.env", args.at(-1)], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    const { url, output } = await waitForListening(server, 60_000);
    await fetch(`${emu.url}/_emulator/reset`, { method: "POST" });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${url}/?tenant=tenant001`);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.userTenant, "tenant001");
    }
    const counts = (await (await fetch(`${emu.url}/_emulator/stats`)).json()).requests;
    assert.equal(counts.token, 1, "cached across requests");
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    // Deno warns once about request.signal's legacy abort after a response, unless the
    // quick start's --unstable-no-legacy-abort opts in to the new behaviour.
    assert.doesNotMatch(output(), /legacy|warn/i, output());
  });
});
