// The packed tarball as users get it: its files and exports map, the Node entry and the README's
// Node quick start from an installed consumer, and TypeScript consumers with and without the DOM
// lib (tsc --noEmit, skipLibCheck off, no @types at all).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN, HERE, installPackage, packPackage, startEmulator } from "./lib/setup.mjs";
import { README_GATEWAY, README_SECRET, dotEnvFor } from "./lib/quickstart.mjs";

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

  test("packaging: the README Node quick start runs as written, settings from .env", async () => {
    const dir = join(consumer, "runtimes-node");
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(HERE, "quickstart/node.mjs"), join(dir, "token.mjs"));
    writeFileSync(join(dir, ".env"), dotEnvFor(emu));
    // The README's local-development command, with the test emulator's port.
    const readme = readFileSync(join(HERE, "../../pkg-template/README.md"), "utf8");
    const command = /`(node --env-file=\.env token\.mjs tenant001 (\S+))`/.exec(readme);
    assert.ok(command, "the npm README shows the Node local-development command");
    const api = command[2].replace(README_GATEWAY, emu.url);
    const args = command[1].split(" ").slice(1).map((a) => (a === command[2] ? api : a));
    const { MDSP_GATEWAY_URL, ...rest } = process.env; // only .env's settings count
    const out = await new Promise((resolve, reject) =>
      execFile(process.execPath, args, { cwd: dir, env: rest }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    assert.match(out, /^tenant001: token until \d{4}-\d\d-\d\dT/m);
    assert.match(out, new RegExp(`^${api.replace(/[.?*+^$()[\]{}|\\/]/g, "\\$&")}: HTTP 200$`, "m"));
  });

  test("packaging: the npm README's API example runs as written", async () => {
    const readme = readFileSync(join(HERE, "../../pkg-template/README.md"), "utf8");
    const api = readme.slice(readme.indexOf("\n## API\n"));
    const code = /```js\n([\s\S]*?)```/.exec(api)?.[1];
    assert.ok(code, "the API section starts with a js example");
    const dir = join(consumer, "runtimes-node");
    mkdirSync(dir, { recursive: true });
    // The README's emulator (port 8787, --secret dev-secret) is this test's emulator.
    writeFileSync(join(dir, "api.mjs"), code.replaceAll(README_GATEWAY, emu.url).replaceAll(`"${README_SECRET}"`, JSON.stringify(emu.credentials.clientSecret)));
    const out = await new Promise((resolve, reject) =>
      execFile(process.execPath, [join(dir, "api.mjs")], { cwd: dir }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    const [first, second] = out.trim().split("\n");
    assert.match(first, /^tenant001 tenant001 \d{4}-\d\d-\d\dT\S+ \{"hits":0,"misses":1,"upstreamRequests":1,/);
    assert.equal(second, "TMS_UNAUTHORIZED 403");
  });

  test("packaging: `tms-emulator --secret … --print-env` prints the README's settings", async (t) => {
    const cli = readFileSync(join(consumer, "node_modules/tms-edge/emulator/cli.mjs"), "utf8");
    if (/Stand-in/.test(cli)) return t.skip("emulator/cli.mjs is not in this tree yet (the build ships a stand-in)");
    const child = spawn(join(consumer, "node_modules/.bin/tms-emulator"), ["--port", "0", "--secret", README_SECRET, "--print-env"], { cwd: consumer, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no settings in 15 s: ${out}`)), 15_000);
        child.stdout.on("data", (d) => {
          out += d;
          if (/\n\n/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once("exit", (code) => reject(new Error(`tms-emulator exited ${code}: ${out}`)));
      });
      const printed = Object.fromEntries(out.split("\n\n")[0].split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
      const readme = Object.fromEntries(readFileSync(join(HERE, "quickstart/dev.env"), "utf8").trim().split("\n").map((l) => l.split("=")));
      for (const [name, value] of Object.entries(readme)) {
        if (name === "MDSP_GATEWAY_URL") assert.match(printed[name] ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
        else assert.equal(printed[name], value, `${name} as in the README`);
      }
    } finally {
      child.kill("SIGTERM");
    }
  });

  test("packaging: the tms-emulator bin and the tms-edge/emulator export start an emulator", async () => {
    const bin = join(consumer, "node_modules/.bin/tms-emulator");
    assert.ok(existsSync(bin), "npm linked the bin");
    const child = spawn(bin, ["--port", "0"], { cwd: consumer, stdio: ["ignore", "pipe", "pipe"] });
    try {
      let out = "";
      const url = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL in 15 s: ${out}`)), 15_000);
        child.stdout.on("data", (d) => {
          out += d;
          const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[0]);
          }
        });
        child.once("exit", (code) => reject(new Error(`tms-emulator exited ${code}: ${out}`)));
      });
      assert.equal((await fetch(`${url}/token_keys`)).status, 200);
    } finally {
      child.kill("SIGTERM");
    }
    const out = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", `import { startEmulator } from "tms-edge/emulator"; const e = await startEmulator({ port: 0, quiet: true }); const r = await fetch(e.url + "/token_keys"); console.log(r.status, typeof e.credentials.clientId); await e.close();`],
      { cwd: consumer, encoding: "utf8" },
    );
    assert.equal(out.trim(), "200 string");
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
  const files = ["worker.js", "verify-worker.js", "wrangler.toml", "deno.ts", "vercel.js", "node.mjs", "browser.html", "bun.js", "next-route.js", "dev.env", "dev.vars"];
  // The npm README (users) carries them; the repository README (contributors) links to it and
  // does not repeat them.
  const npmReadme = readFileSync(join(HERE, "../../pkg-template/README.md"), "utf8");
  const repoReadme = readFileSync(join(HERE, "../../README.md"), "utf8");
  for (const f of files) {
    test(`packaging: quickstart/${f} appears verbatim in the npm README, not in the repository README`, () => {
      const code = readFileSync(join(HERE, "quickstart", f), "utf8").trim();
      assert.ok(npmReadme.includes(code), `pkg-template/README.md does not contain quickstart/${f} as written`);
      assert.ok(!repoReadme.includes(code), `README.md repeats quickstart/${f}: link to pkg-template/README.md instead`);
    });
  }
  test("packaging: the repository README links to the npm README", () => {
    assert.match(repoReadme, /\(pkg-template\/README\.md\)/);
  });
});
