// Bun (npm `bun`, pinned in tests/deploy/package.json; its binary comes in a platform package):
// the shared cases run in Bun with "tms-edge" imported from the installed consumer directory
// (Bun resolves the `node` condition), and the README's Bun quick start serves tokens, started
// the way the README says, with the emulator's settings in a `.env` file that Bun loads itself.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, copyFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { HERE, ROOT, installPackage, reportCases, startEmulator, suiteFiles, summary, withSuiteEmulator } from "./lib/setup.mjs";
import { dotEnvFor, readmeCommand, waitForListening } from "./lib/quickstart.mjs";

const RUNTIME = "bun";
const BUN = join(ROOT, "tests/deploy/node_modules/.bin/bun");
// Bun keeps an install cache and a transpiler cache under ~/.bun: a test run writes neither
// there (the install cache goes to a temp dir, the transpiler cache is off), and sends no
// telemetry.
const bunEnv = (extra = {}) => ({
  ...process.env,
  NO_COLOR: "1",
  DO_NOT_TRACK: "1",
  BUN_INSTALL_CACHE_DIR: join(tmpdir(), "tms-bun-cache"),
  BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0",
  ...extra,
});

function run(args, opts) {
  return new Promise((resolve) => {
    execFile(BUN, args, { ...opts, maxBuffer: 64 << 20, timeout: 600_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// No skip when Bun is missing: setup installs it, and a missing runtime must fail the run.
if (!existsSync(BUN)) throw new Error(`${BUN} is missing: run scripts/setup.sh (it installs tests/deploy/)`);
let consumer, emu;

before(async () => {
  consumer = (await installPackage(RUNTIME)).dir;
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
  rmSync(join(tmpdir(), "tms-bun-cache"), { recursive: true, force: true });
});

describe("bun: shared cases", () => {
  for (const suite of suiteFiles()) {
    test(`bun suite ${suite.name}`, async (t) => {
      const dir = join(consumer, "runtimes-bun");
      mkdirSync(dir, { recursive: true });
      const entry = join(dir, `${suite.name}.entry.mjs`);
      writeFileSync(
        entry,
        [
          `import { TokenManager, decodeJwt, TmsError } from "tms-edge";`,
          `import { cases } from ${JSON.stringify(pathToFileURL(suite.file).href)};`,
          `import { main } from ${JSON.stringify(pathToFileURL(join(HERE, "runners/bun-cases.mjs")).href)};`,
          `await main({ TokenManager, decodeJwt, TmsError }, { ${JSON.stringify(suite.name)}: cases });`,
        ].join("\n") + "\n",
      );
      const r = await withSuiteEmulator(suite, (emu) =>
        run(["run", entry, JSON.stringify({ url: emu.url, credentials: emu.credentials })], { cwd: consumer, env: bunEnv() }),
      );
      const line = r.stdout.split("\n").find((l) => l.startsWith(`RESULT ${suite.name} `));
      assert.ok(line, `bun exited ${r.code} without a result\n${r.stderr.slice(-4000)}`);
      const outcome = JSON.parse(line.slice(`RESULT ${suite.name} `.length));
      t.diagnostic(summary(RUNTIME, suite.name, outcome));
      await reportCases(t, RUNTIME, outcome);
    });
  }
});

describe("bun: the README quick start", () => {
  let dir, server;
  before(() => {
    // A project of its own with the installed package, as after `npm install <tarball>`.
    dir = mkdtempSync(join(tmpdir(), "tms-bun-qs-"));
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(join(consumer, "node_modules/tms-edge"), join(dir, "node_modules/tms-edge"), "dir");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bun-quickstart", private: true, type: "module" }));
    copyFileSync(join(HERE, "quickstart/bun.js"), join(dir, "server.js"));
    writeFileSync(join(dir, ".env"), dotEnvFor(emu, { PORT: "0" }));
  });
  after(() => {
    if (server && server.exitCode === null) server.kill("SIGTERM");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("bun: quick start serves tokens, settings from .env", async () => {
    const [cmd, ...args] = readmeCommand(join(HERE, "quickstart/bun.js"));
    assert.equal(cmd, "bun");
    server = spawn(BUN, args, { cwd: dir, env: bunEnv(), stdio: ["ignore", "pipe", "pipe"] });
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
    assert.doesNotMatch(output(), /warn|error/i, "nothing alarming on start");
  });
});
