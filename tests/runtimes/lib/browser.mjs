// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) and a test server on
// 127.0.0.1 that serves files and proxies the emulator under the same origin (the TMS routes
// have no CORS, like the real service; the page's fetches go to its own origin).
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { chromium } from "playwright-core";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".map": "application/json",
};
const PROXIED = /^\/(api\/|_emulator\/|token_keys|oauth\/token)/;

/**
 * Serves `mounts` ({ "/prefix/": dir, "/": dir }, longest prefix first) and proxies /api/,
 * /_emulator/, /token_keys and /oauth/token (tenant credentials) to `server.target` (set it to the emulator URL). { url, close() }.
 */
export async function testServer(mounts) {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const state = { target: null };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (PROXIED.test(url.pathname)) return proxy(req, res, state.target);
    const prefix = prefixes.find((p) => url.pathname.startsWith(p));
    if (!prefix) return notFound(res);
    const root = mounts[prefix];
    const file = normalize(join(root, decodeURIComponent(url.pathname.slice(prefix.length))));
    if (!(file + sep).startsWith(root + sep) && file !== root) return notFound(res);
    if (!existsSync(file) || !statSync(file).isFile()) return notFound(res);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    createReadStream(file).pipe(res);
  });
  const sockets = new Set();
  server.on("connection", (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    set target(t) {
      state.target = t;
    },
    close: () =>
      new Promise((r) => {
        server.close(r);
        for (const s of sockets) s.destroy();
      }),
  };
}

function notFound(res) {
  res.writeHead(404, { "content-type": "text/plain" });
  res.end("not found");
}

/** Forwards one request; a reset or a client that goes away is passed on as such. */
function proxy(req, res, target) {
  if (!target) return notFound(res);
  const t = new URL(target);
  const up = httpRequest(
    { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
    (upRes) => {
      // A 401 with `WWW-Authenticate: Basic` (the tenant OAuth server sends one, as UAA does)
      // makes Chromium hold the request for a login prompt that never comes in a headless run;
      // the client under test reads only the status.
      const { "www-authenticate": _prompt, ...headers } = upRes.headers;
      res.writeHead(upRes.statusCode, headers);
      upRes.pipe(res);
      upRes.on("error", () => req.socket.destroy());
    },
  );
  up.on("error", () => req.socket.destroy()); // the emulator reset the connection: so do we
  res.on("close", () => {
    if (!res.writableFinished) up.destroy(); // the page gave up (abort, timeout)
  });
  req.pipe(up);
}

/**
 * Launches headless Chromium with its profile and its temporary files (the org.chromium.*
 * directories it would leave in /tmp) in one directory of its own, removed by close() or when
 * the run is cut short. Returns { context (new pages: context.newPage()), close() }.
 */
export async function launchChromium() {
  const base = mkdtempSync(join(tmpdir(), "tms-runtimes-chromium-"));
  const cleanup = () => rmSync(base, { recursive: true, force: true });
  const onSignal = (sig) => {
    cleanup();
    process.kill(process.pid, sig);
  };
  process.once("exit", cleanup);
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  const context = await chromium.launchPersistentContext(join(base, "profile"), {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    env: { ...process.env, TMPDIR: base },
  });
  return {
    context,
    async close() {
      await context.close();
      cleanup();
      process.off("exit", cleanup);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    },
  };
}
