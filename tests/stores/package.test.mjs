// The adapters as the package ships them, without building the wasm: pkg-template's
// package.json and stores/ laid out as node_modules/tms-edge in a temp project. Checks that
// every subpath export resolves and loads in Node (no workerd, Deno or Node-only import at
// load time), and that the types check with lib es2022 alone (nodenext and bundler).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "../..");
const SUBPATHS = ["redis", "deno-kv", "durable-object", "workers-kv"];
let dir;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "tms-stores-pkg-"));
  const pkg = join(dir, "node_modules/tms-edge");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, "package.json"), readFileSync(join(ROOT, "pkg-template/package.json"), "utf8").replace("@VERSION@", "0.0.0"));
  cpSync(join(ROOT, "pkg-template/stores"), join(pkg, "stores"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  cpSync(join(HERE, "types/consumer.ts"), join(dir, "consumer.ts"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("package: every store subpath is exported with types first, and listed in files", () => {
  const pj = JSON.parse(readFileSync(join(ROOT, "pkg-template/package.json"), "utf8").replace("@VERSION@", "0.0.0"));
  assert.ok(pj.files.includes("stores/"));
  for (const sub of SUBPATHS) {
    const e = pj.exports[`./${sub}`];
    assert.ok(e, `./${sub} exported`);
    assert.equal(Object.keys(e)[0], "types");
    assert.equal(e.types, `./stores/${sub}.d.ts`);
    assert.equal(e.default, `./stores/${sub}.js`);
  }
  assert.ok(pj.exports["."], "the main entry is still there");
});

test("package: every store subpath loads in Node and exports its function", async () => {
  const want = { redis: ["redisStore"], "deno-kv": ["denoKvStore"], "durable-object": ["durableObjectStore", "TokenCoordinator"], "workers-kv": ["workersKvStore"] };
  const script = join(dir, "load.mjs");
  writeFileSync(script, SUBPATHS.map((s, i) => `import * as m${i} from "tms-edge/${s}";`).join("\n") + `\nconsole.log(JSON.stringify([${SUBPATHS.map((_, i) => `Object.keys(m${i}).sort()`).join(",")}]));\n`);
  const out = await new Promise((resolve, reject) =>
    execFile(process.execPath, [script], { cwd: dir }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
  );
  assert.deepEqual(JSON.parse(out), SUBPATHS.map((s) => want[s].sort()));
});

for (const [name, module, resolution] of [["nodenext", "nodenext", "nodenext"], ["bundler", "esnext", "bundler"]]) {
  test(`package: store types check with lib es2022 only (${name})`, async () => {
    const cfg = join(dir, `tsconfig.${name}.json`);
    writeFileSync(
      cfg,
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, target: "es2022", lib: ["es2022"], types: [], typeRoots: [], module, moduleResolution: resolution, skipLibCheck: false },
        files: ["consumer.ts"],
      }),
    );
    const r = await new Promise((resolve) =>
      execFile(join(ROOT, "node_modules/.bin/tsc"), ["-p", cfg, "--pretty", "false"], { cwd: dir }, (err, stdout, stderr) => resolve({ code: err?.code ?? 0, out: stdout + stderr })),
    );
    assert.equal(r.code, 0, r.out);
  });
}

test("package: the adapters import nothing (each file stands alone, web standards only)", () => {
  for (const sub of SUBPATHS) {
    const src = readFileSync(join(ROOT, `pkg-template/stores/${sub}.js`), "utf8");
    assert.ok(!/^\s*import\s/m.test(src) && !/\brequire\(/.test(src), `${sub}.js imports something`);
  }
  for (const f of ["store-codec.js", "store-call.js"]) {
    const src = readFileSync(join(ROOT, "src/js", f), "utf8");
    assert.ok(!/^\s*import\s/m.test(src), `${f} imports something (wasm-bindgen copies it alone)`);
  }
});
