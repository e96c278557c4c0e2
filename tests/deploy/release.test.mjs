// Release checks of the packed package, with the tools a publisher runs (pinned in
// tests/deploy/package.json): publint (package.json fields, exports, files: --strict turns its
// suggestions into failures too) and @arethetypeswrong/cli (types resolve for every subpath
// under node16 and bundler resolution; profile esm-only: the package is ESM, CommonJS users
// `await import()` it). The `.wasm` subpath is excluded from attw: it is not a JS module and has
// no types to resolve.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, packPackage } from "../runtimes/lib/setup.mjs";
import { runToEnd, tool } from "./lib.mjs";

test("release: publint --strict finds nothing", async () => {
  const r = await runToEnd(tool("publint"), ["run", join(ROOT, "pkg"), "--strict"], { cwd: ROOT });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /All good!/, r.out);
});

test("release: attw (esm-only profile) finds no problem in the tarball", async () => {
  const r = await runToEnd(tool("attw"), [packPackage(), "--profile", "esm-only", "--exclude-entrypoints", "./tms_edge_bg.wasm", "--format", "json"], { cwd: ROOT });
  assert.equal(r.code, 0, r.out.slice(-4000));
  const { analysis, problems } = JSON.parse(r.out);
  const shown = Object.values(problems ?? {}).flat().filter((p) => !["node10", "node16-cjs"].includes(p.resolutionKind));
  assert.deepEqual(shown, [], "no problem outside the ignored CommonJS resolutions");
  for (const entry of [".", "./emulator"]) assert.ok(entry in analysis.entrypoints, `attw checked ${entry}`);
});
