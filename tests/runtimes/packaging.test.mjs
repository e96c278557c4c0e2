// The packed tarball as users get it: its files and exports map, the Node entry and the README's
// Node quick start from an installed consumer, and TypeScript consumers with and without the DOM
// lib (tsc --noEmit, skipLibCheck off, no @types at all).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, HERE, installPackage, packPackage, startEmulator } from "./lib/setup.mjs";
import { envFor } from "./lib/workerd.mjs";

const CONDITIONS = ["types", "workerd", "edge-light", "deno", "node", "browser", "default"];
let consumer;

before(async () => {
  consumer = (await installPackage("packaging")).dir;
});

describe("packaging: the tarball", () => {
  let files, pj;
  before(() => {
    const tgz = packPackage();
    files = execFileSync("tar", ["-tzf", tgz], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ""));
    pj = JSON.parse(execFileSync("tar", ["-xOzf", tgz, "package/package.json"], { encoding: "utf8" }));
  });

  test("packaging: package.json: ESM, exports with types first and one entry per wasm loading", () => {
    assert.equal(pj.name, "tms-edge");
    assert.equal(pj.type, "module");
    assert.match(pj.version, /^\d+\.\d+\.\d+/);
    const dot = pj.exports["."];
    assert.deepEqual(Object.keys(dot), CONDITIONS, "conditions, in order (types first, default last)");
    assert.equal(pj.types, dot.types);
  });

  test("packaging: every export target and every file an entry imports is in the tarball", () => {
    const targets = Object.values(pj.exports).flatMap((v) => (typeof v === "string" ? [v] : Object.values(v)));
    for (const t of targets) assert.ok(files.includes(t.replace(/^\.\//, "")), `${t} is in the tarball`);
    const pkgDir = join(consumer, "node_modules/tms-edge");
    for (const entry of new Set(Object.values(pj.exports["."]).filter((t) => t.endsWith(".js")))) {
      const src = readFileSync(join(pkgDir, entry), "utf8");
      for (const [, spec] of src.matchAll(/(?:import|from)\s*(?:source\s+\w+\s+from\s+)?["'](\.[^"'?]+)(?:\?module)?["']/g)) {
        assert.ok(files.includes(join(entry, "..", spec).replace(/^\.\//, "")), `${entry} imports ${spec}, which is in the tarball`);
      }
    }
    for (const [, spec] of readFileSync(join(pkgDir, "tms_edge.js"), "utf8").matchAll(/from ['"](\.\/[^'"]+)['"]/g)) {
      assert.ok(files.includes(spec.slice(2)), `tms_edge.js imports ${spec}`);
    }
    assert.deepEqual(files.filter((f) => /(^|\/)\.|\.tgz$|\.map$/.test(f)), [], "no dotfiles, tarballs or maps");
  });

  test("packaging: the Deno entry needs no permission (no Deno.readFileSync of the wasm)", () => {
    const src = readFileSync(join(consumer, "node_modules/tms-edge/deno.js"), "utf8");
    assert.ok(!/Deno\.read/.test(src), "deno.js does not read files");
  });
});

describe("packaging: Node 20 from the installed package", () => {
  let emu;
  before(async () => {
    emu = await startEmulator();
  });
  after(async () => {
    await emu?.stop();
  });

  test("packaging: `import \"tms-edge\"` in Node needs no init", () => {
    const out = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", `import { TokenManager, decodeJwt, TmsError } from "tms-edge"; try { decodeJwt("x") } catch (e) { console.log(typeof TokenManager, e instanceof TmsError, e.code) }`],
      { cwd: consumer, encoding: "utf8" },
    );
    assert.equal(out.trim(), "function true TMS_INVALID_TOKEN");
  });

  test("packaging: the README Node quick start runs as written", async () => {
    const dir = join(consumer, "runtimes-node");
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(HERE, "quickstart/node.mjs"), join(dir, "token.mjs"));
    const api = `${emu.url}/api/kpi/v1/tenants/tenant001/kpis`;
    const out = await new Promise((resolve, reject) =>
      execFile(process.execPath, [join(dir, "token.mjs"), "tenant001", api], { cwd: dir, env: { ...process.env, ...envFor(emu) } }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    assert.match(out, /^tenant001: token until \d{4}-\d\d-\d\dT/m);
    assert.match(out, new RegExp(`^${api.replace(/[.?*+^$()[\]{}|\\/]/g, "\\$&")}: HTTP 200$`, "m"));
  });
});

describe("packaging: TypeScript consumers (tsc --noEmit)", () => {
  let dir;
  before(() => {
    dir = join(consumer, "runtimes-types");
    mkdirSync(dir, { recursive: true });
    for (const f of ["consumer.ts", "consumer-dom.ts"]) copyFileSync(join(HERE, "types", f), join(dir, f));
  });

  const variants = [
    { name: "no DOM lib, lib es2022 only, no @types (nodenext)", lib: ["es2022"], module: "nodenext", files: ["consumer.ts"] },
    { name: "no DOM lib, lib es2022 only, no @types (bundler)", lib: ["es2022"], module: "esnext", resolution: "bundler", files: ["consumer.ts"] },
    { name: "DOM lib (nodenext)", lib: ["es2022", "dom"], module: "nodenext", files: ["consumer.ts", "consumer-dom.ts"] },
    { name: "DOM lib (bundler)", lib: ["es2022", "dom", "dom.iterable"], module: "esnext", resolution: "bundler", files: ["consumer.ts", "consumer-dom.ts"] },
  ];
  for (const v of variants) {
    test(`packaging: types resolve and check: ${v.name}`, async () => {
      const cfg = join(dir, `tsconfig.${v.name.replace(/\W+/g, "-")}.json`);
      writeFileSync(
        cfg,
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: "es2022",
            lib: v.lib,
            types: [],
            typeRoots: [],
            module: v.module,
            moduleResolution: v.resolution ?? v.module,
            skipLibCheck: false,
            exactOptionalPropertyTypes: false,
          },
          files: v.files,
        }),
      );
      const r = await new Promise((resolve) =>
        execFile(join(BIN, "tsc"), ["-p", cfg, "--pretty", "false"], { cwd: dir }, (err, stdout, stderr) => resolve({ code: err?.code ?? 0, out: stdout + stderr })),
      );
      assert.equal(r.code, 0, r.out);
    });
  }
});

describe("packaging: the README quick starts are the tested files", () => {
  const files = ["worker.js", "wrangler.toml", "deno.ts", "vercel.js", "node.mjs", "browser.html"];
  // The repository README and the npm README carry the "Supported runtimes" section.
  const docs = [join(HERE, "../../README.md"), join(HERE, "../../pkg-template/README.md")].filter(
    (f) => existsSync(f) && readFileSync(f, "utf8").includes("## Supported runtimes"),
  );
  for (const f of files) {
    test(`packaging: quickstart/${f} appears verbatim in ${docs.length} README(s)`, () => {
      assert.ok(docs.length > 0, "no README with a Supported runtimes section");
      const code = readFileSync(join(HERE, "quickstart", f), "utf8").trim();
      for (const d of docs) assert.ok(readFileSync(d, "utf8").includes(code), `${d} does not contain quickstart/${f} as written`);
    });
  }
});
