// tms-edge/deno-kv in Deno (the npm `deno` binary) on a real Deno KV (SQLite in a temp dir):
// the shared TokenStore cases (lib/conformance.mjs) Deno-specific expiry checks and the codec cases, run by
// runners/deno-kv-cases.mjs with read/write access to that dir only.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sealedInNode } from "./lib/node-sealed.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const DENO = join(HERE, "../../node_modules/.bin/deno");
let dir, results, failure;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "tms-denokv-"));
  const sealed = JSON.stringify(await sealedInNode());
  const r = await new Promise((resolve) =>
    execFile(
      DENO,
      ["run", "--unstable-kv", `--allow-read=${dir}`, `--allow-write=${dir}`, join(HERE, "runners/deno-kv-cases.mjs"), dir, sealed],
      { env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" }, timeout: 90_000, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (line) results = JSON.parse(line.slice(7));
  else failure = `deno exited ${r.code} without a result\n${r.stderr.slice(-4000)}`;
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("deno-kv: the cases in Deno", async (t) => {
  assert.ok(results, failure);
  assert.ok(results.length >= 15, `only ${results.length} cases`);
  // One subtest per case, so that node --test counts and names each.
  for (const r of results) await t.test(r.name, () => assert.ok(r.ok, r.message));
});
