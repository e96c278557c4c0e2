// Local runner for the example worker: workerd through Miniflare, plus the static demo page.
//
//   MDSP_KEY_STORE_CLIENT_ID=… MDSP_KEY_STORE_CLIENT_SECRET=… MDSP_OS_VM_APP_NAME=… \
//   MDSP_OS_VM_APP_VERSION=… MDSP_HOST_TENANT=… MDSP_GATEWAY_URL=http://127.0.0.1:8787 \
//   node examples/worker/dev.mjs [--port 8788] [--cron-sec 10] [--emulator URL] [--url-file F]
//
// One HTTP server on 127.0.0.1:
//   /api/*              -> the worker (examples/worker/worker.js) running in workerd
//   /pkg/*              -> the built npm package (the page imports pkg/browser.js)
//   /demo-config.json   -> where the emulator's control plane is, and the cron period
//   everything else     -> www/
// The credentials reach the worker as bindings (its `env`); nothing here sends them elsewhere.
// `scripts/demo.sh` starts this together with the TMS emulator.
import http from "node:http";
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(here, "../..");
const WWW = join(root, "www");
const PKG = join(root, "pkg");

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.DEMO_PORT ?? "8788" },
    "cron-sec": { type: "string", default: process.env.DEMO_CRON_SEC ?? "10" },
    emulator: { type: "string", default: process.env.DEMO_EMULATOR_URL ?? process.env.MDSP_GATEWAY_URL ?? "" },
    "url-file": { type: "string" },
  },
  strict: true,
});
const port = Number(args.port);
const cronSec = Number(args["cron-sec"]);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error("--port must be 0..65535");
if (!Number.isFinite(cronSec) || cronSec < 0) throw new Error("--cron-sec must be >= 0 (0 = off)");

// The variables the worker reads (TokenManager.fromEnv) become its bindings.
const ENV_NAMES = [
  "MDSP_KEY_STORE_CLIENT_ID", "MDSP_KEY_STORE_CLIENT_SECRET", "MDSP_OS_VM_APP_NAME", "MDSP_OS_VM_APP_VERSION",
  "MDSP_HOST_TENANT", "MDSP_USER_TENANT", "MDSP_GATEWAY_URL", "MDSP_REGION", "HOST_BASEDOMAIN", "KPI_URL_TEMPLATE",
];
const bindings = Object.fromEntries(ENV_NAMES.filter((n) => process.env[n]).map((n) => [n, process.env[n]]));
for (const n of ENV_NAMES.slice(0, 5)) {
  if (!bindings[n]) throw new Error(`${n} is not set (scripts/demo.sh sets the emulator's dev credentials)`);
}

// --- the worker in workerd ----------------------------------------------------------------------
// Module names are virtual: worker.js imports "tms-edge" like any user's worker, which resolves
// to the module "tms-edge" next to it; that one re-exports the package's workerd entry, whose
// files are listed under node_modules/tms-edge/. Module rules: ESModule for .js, CompiledWasm for
// .wasm (workerd cannot compile wasm from bytes at run time).
const MODULE_RULES = [
  { type: "ESModule", test: /\.js$/ },
  { type: "CompiledWasm", test: /\.wasm$/ },
];

function packageModules(dir, base = dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      out.push(...packageModules(full, base));
      continue;
    }
    const rule = MODULE_RULES.find((r) => r.test.test(name));
    if (!rule) continue; // .d.ts, package.json, README
    const rel = relative(base, full).split(sep).join("/");
    out.push({ type: rule.type, path: join(here, "node_modules/tms-edge", rel), contents: readFileSync(full) });
  }
  return out;
}

// --- the HTTP front -----------------------------------------------------------------------------
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ts": "text/plain; charset=utf-8",
};

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

function sendFile(res, base, rel) {
  const file = resolve(base, "." + rel);
  if (file !== base && !file.startsWith(base + sep)) return notFound(res);
  let data;
  try {
    if (!statSync(file).isFile()) return notFound(res);
    data = readFileSync(file);
  } catch {
    return notFound(res);
  }
  res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", ...SECURITY_HEADERS });
  res.end(data);
}

function notFound(res) {
  res.writeHead(404, { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS });
  res.end("not found\n");
}

let mf = null;
let ready = false; // the URL is announced only once workerd runs; until then: 503

async function toWorker(req, res, url) {
  if (!ready) {
    res.writeHead(503, { "content-type": "application/json", "retry-after": "1", ...SECURITY_HEADERS });
    return res.end('{"error":"starting"}');
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = chunks.length ? Buffer.concat(chunks) : undefined;
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !["host", "connection"].includes(k)));
  const r = await mf.dispatchFetch(`http://127.0.0.1${url.pathname}${url.search}`, {
    method: req.method,
    headers,
    body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
  });
  const out = Buffer.from(await r.arrayBuffer());
  res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json", ...SECURITY_HEADERS });
  res.end(out);
}

const demoConfig = JSON.stringify({ emulatorUrl: args.emulator.replace(/\/+$/, ""), cronSec });

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  let p;
  try {
    p = decodeURIComponent(url.pathname);
  } catch {
    return notFound(res);
  }
  if (p.startsWith("/api/")) {
    return toWorker(req, res, url).catch((err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json", ...SECURITY_HEADERS });
      res.end(JSON.stringify({ error: "worker_unavailable", message: String(err?.message ?? err) }));
    });
  }
  if (req.method !== "GET" && req.method !== "HEAD") return notFound(res);
  if (p === "/demo-config.json") {
    res.writeHead(200, { "content-type": TYPES[".json"], ...SECURITY_HEADERS });
    return res.end(demoConfig);
  }
  if (p.startsWith("/pkg/")) return sendFile(res, PKG, p.slice(4));
  return sendFile(res, WWW, p === "/" ? "/index.html" : p);
});
const sockets = new Set();
server.on("connection", (s) => {
  sockets.add(s);
  s.once("close", () => sockets.delete(s));
});
let cronTimer = null;
let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  clearInterval(cronTimer);
  server.close();
  for (const s of sockets) s.destroy();
  try {
    await mf?.dispose(); // stops workerd
  } finally {
    process.exit(0);
  }
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("SIGHUP", stop);

// The port first: when it is taken, fail before starting workerd.
try {
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", ok);
  });
} catch (err) {
  process.stderr.write(`demo: cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}\n`);
  process.exit(1);
}

const { Miniflare } = await import(join(root, "node_modules/miniflare/dist/src/index.js"));
mf = new Miniflare({
  name: "tms-edge-kpi-demo",
  modulesRoot: here,
  modules: [
    { type: "ESModule", path: join(here, "worker.js"), contents: readFileSync(join(here, "worker.js")) },
    { type: "ESModule", path: join(here, "tms-edge"), contents: 'export * from "./node_modules/tms-edge/workerd.js";\n' },
    {
      type: "ESModule",
      path: join(here, "tms-edge/durable-object"),
      contents: 'export * from "../node_modules/tms-edge/stores/durable-object.js";\n',
    },
    ...packageModules(PKG),
  ],
  compatibilityDate: "2025-01-01",
  bindings,
  // The shared tier: one Durable Object per host tenant (SQLite-backed, as wrangler.toml says).
  durableObjects: { TMS_COORDINATOR: { className: "TokenCoordinator", useSQLite: true } },
  host: "127.0.0.1",
  port: 0,
});

await mf.ready;
const worker = await mf.getWorker();
ready = true;

// The cron trigger, simulated: wrangler's minimum is a minute, the demo wants to see refreshes.
if (cronSec > 0) {
  const tick = () => worker.scheduled({ cron: `every ${cronSec}s (simulated)` }).catch((err) => {
    process.stderr.write(`demo: scheduled run failed: ${err?.message ?? err}\n`);
  });
  tick();
  cronTimer = setInterval(tick, cronSec * 1000);
}

const url = `http://127.0.0.1:${server.address().port}/`;
if (args["url-file"]) writeFileSync(args["url-file"], url + "\n");
process.stdout.write(`demo page listening on ${url}\n`);

