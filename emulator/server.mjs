// Local emulator of the Insights Hub Token Management Service (TMS) for tms-edge's tests and demo.
//
//   import { startEmulator } from './emulator/server.mjs';
//   const emu = await startEmulator({ tenants: 230 });   // emu.url, emu.credentials, emu.close()
//
//   node emulator/server.mjs [--port N] [--tenants N] [--batch-limit N] [--page-size N]
//                            [--lifetime SEC] [--latency MS] [--verbose]
//
// Plain Node 20, no dependencies; listens on loopback only.
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import { realpathSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { normalizeOptions } from './config.mjs';
import { CONTROL_PREFIX, handleControl } from './control.mjs';
import { applyPostFault, createFaultList, isPreFault, preFaultResult } from './faults.mjs';
import { errorResult, parseJsonBody, readBody, send } from './http.mjs';
import { createKeyStore } from './jwt.mjs';
import { createRecorder, redact } from './log.mjs';
import { findEndpoint } from './routes.mjs';
import { issueToken } from './tokens.mjs';

function createState(options) {
  const state = {
    apps: options.apps,
    tenants: options.tenants,
    hostTenants: options.hostTenants,
    keys: createKeyStore(),
    config: { ...options.config },
    recorder: createRecorder(),
    faults: createFaultList(),
    url: null, // set once listening: the jku header needs the real port
    issue(app, tenant, { expired = false } = {}) {
      return issueToken({ keys: state.keys, jku: `${state.url}/token_keys`, app, tenant, config: state.config, expired });
    },
    /** Counters, log and faults cleared, config back to the start options. Keys are kept. */
    reset() {
      state.recorder.clear();
      state.faults.clear();
      state.config = { ...options.config };
    },
  };
  return state;
}

/** Everything a handler needs to know about a TMS request, read once. */
async function readCall(req, url, params) {
  const parsed = req.method === 'POST' ? parseJsonBody(await readBody(req)) : { body: null, bodyError: null };
  return {
    method: req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    contentType: req.headers['content-type'] ?? null,
    params,
    ...parsed,
  };
}

/**
 * "hang": never answer. The socket is destroyed after hangMs (120 s at most) or as soon as the
 * client goes away, so nothing lingers; close() destroys it too.
 */
function hang(req, res, hangMs, onDone) {
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), hangMs);
  timer.unref(); // a hanging request alone must not keep the process alive
  let finished = false;
  const done = () => {
    if (finished) return; // 'end' and 'close' may both fire
    finished = true;
    clearTimeout(timer);
    socket.destroy();
    onDone();
  };
  socket.once('end', done); // client half-closed: it will never read an answer
  res.once('close', done); // connection gone (client abort or close())
}

export async function startEmulator(opts = {}) {
  const options = normalizeOptions(opts);
  const state = createState(options);
  const shutdown = new AbortController(); // aborts latency waits on close()
  // Every request waiting out the latency listens on it: hundreds at once are expected.
  setMaxListeners(0, shutdown.signal);
  const sockets = new Set();

  const logLine = (entry) => {
    if (options.quiet) return;
    // stderr, so that stdout stays the two startup lines; path only, never headers or bodies.
    process.stderr.write(`[tms-emulator] #${entry.seq} ${entry.method} ${entry.path} -> ${entry.status}` +
      ` (${entry.endpoint}${entry.fault ? `, fault ${entry.fault}` : ''}, ${entry.durationMs} ms)\n`);
  };

  async function handleTms(req, res, url, endpoint, params) {
    const started = performance.now();
    const time = new Date().toISOString();
    state.recorder.count(endpoint.name); // counted on arrival, whatever happens next

    const call = await readCall(req, url, params);
    const auth = endpoint.auth(call, state);
    const tenants = endpoint.tenants(call);
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const record = (status, fault) => {
      const entry = state.recorder.record({
        time, endpoint: endpoint.name, method: req.method, path: url.pathname, status,
        userTenants: tenants, authScheme: auth.scheme, authValid: auth.valid, contentType: call.contentType,
        body: redact(call.body), query: redact(call.query), durationMs: elapsed(), fault,
      });
      logLine(entry);
      return entry;
    };

    const latency = state.config.latencyMs;
    if (latency > 0) {
      try {
        await sleep(latency, undefined, { signal: shutdown.signal });
      } catch {
        return req.socket.destroy(); // emulator closing: never answer half-way through shutdown
      }
    }

    // From here on everything is synchronous, so a count-limited fault cannot be taken twice.
    const fault = state.faults.match(endpoint.name, tenants);
    if (fault && isPreFault(fault)) {
      state.faults.consume(fault);
      if (fault.kind === 'hang') {
        const entry = record('hang', 'hang');
        entry.durationMs = null; // filled in when the socket goes away
        return hang(req, res, options.hangMs, () => { entry.durationMs = elapsed(); });
      }
      if (fault.kind === 'reset') {
        record('reset', 'reset');
        return req.socket.destroy();
      }
      const result = preFaultResult(fault);
      send(res, result);
      return record(result.status, fault.kind);
    }

    const result = endpoint.handle(call, auth, state);
    let applied = null;
    if (fault && result.status === 200 && applyPostFault(fault, result, state)) {
      state.faults.consume(fault);
      applied = fault.kind;
    }
    send(res, result);
    record(result.status, applied);
  }

  async function handle(req, res) {
    // The base only lets URL parse the request target; nothing is ever sent to it.
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname.startsWith(CONTROL_PREFIX)) return handleControl(req, res, url, state);
    const found = findEndpoint(req.method, url.pathname);
    if (!found) return send(res, errorResult(404, 'not_found', 'no such endpoint'));
    if (found.allow) return send(res, errorResult(405, 'method_not_allowed', `use ${found.allow}`, { allow: found.allow }));
    return handleTms(req, res, url, found.endpoint, found.params);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      process.stderr.write(`[tms-emulator] internal error: ${err?.message ?? err}\n`);
      send(res, errorResult(500, 'server_error', 'emulator internal error'));
    });
  });
  // Every socket is tracked so that close() can destroy keep-alive and hanging connections
  // instead of waiting for them.
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  const hostInUrl = options.host === '::1' ? '[::1]' : options.host;
  const url = `http://${hostInUrl}:${port}`;
  state.url = url;

  const app = options.apps[0];
  const credentials = {
    clientId: app.clientId, clientSecret: app.clientSecret, appName: app.name,
    appVersion: app.version, hostTenant: app.hostTenant, gateway: url,
  };

  let closing = null;
  function close() {
    closing ??= new Promise((resolve) => {
      shutdown.abort();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  }

  return { url, port, credentials, close, state };
}

// --- command line --------------------------------------------------------------------------------

const CLI_OPTIONS = {
  port: { type: 'string', default: '8787' },
  tenants: { type: 'string' },
  'batch-limit': { type: 'string' },
  'page-size': { type: 'string' },
  lifetime: { type: 'string' },
  latency: { type: 'string' },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};

const USAGE = 'usage: node emulator/server.mjs [--port N (default 8787, 0 = any free port)] [--tenants N]\n' +
  '       [--batch-limit N] [--page-size N] [--lifetime SEC] [--latency MS] [--verbose]\n';

function cliInt(name, value) {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new Error(`--${name} must be a non-negative integer`);
  return Number(value);
}

async function main(argv) {
  let emu;
  try {
    const { values } = parseArgs({ args: argv, options: CLI_OPTIONS, strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(USAGE);
      return;
    }
    emu = await startEmulator({
      port: cliInt('port', values.port),
      tenants: cliInt('tenants', values.tenants),
      batchLimit: cliInt('batch-limit', values['batch-limit']),
      pageSize: cliInt('page-size', values['page-size']),
      lifetimeSec: cliInt('lifetime', values.lifetime),
      latencyMs: cliInt('latency', values.latency),
      quiet: !values.verbose,
    });
  } catch (err) {
    process.stderr.write(`tms-emulator: ${err.message}\n${USAGE}`);
    process.exit(2);
  }
  // Exactly these two lines on stdout; the dev credentials are meant to be printed.
  process.stdout.write(`TMS emulator listening on ${emu.url}\n`);
  process.stdout.write(`credentials: ${JSON.stringify(emu.credentials)}\n`);

  const stop = () => emu.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run main() only when this file is the program, not when a test imports it.
function invokedDirectly() {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (invokedDirectly()) await main(process.argv.slice(2));
