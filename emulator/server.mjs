// Local emulator of the Insights Hub Token Management Service (TMS) for tms-edge's tests and demo.
//
//   import { startEmulator } from './emulator/server.mjs';   // or './emulator/index.mjs'
//   const emu = await startEmulator({ tenants: 230 });   // emu.url, emu.credentials, emu.env, emu.close()
//
// Running this file starts the command line of cli.mjs (`node emulator/server.mjs --help`).
// Plain Node 20, no dependencies; listens on loopback only.
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { normalizeOptions } from './config.mjs';
import { CONTROL_PREFIX, handleControl, statsOf } from './control.mjs';
import { isEntryModule } from './entry.mjs';
import { envFor } from './env.mjs';
import { applyPostFault, createFaultList, HUGE_BODY_BYTES, isPreFault, preFaultResult } from './faults.mjs';
import { errorResult, parseJsonBody, readBody, send } from './http.mjs';
import { createKeyRing } from './keys.mjs';
import { createRecorder, redact } from './log.mjs';
import { isFormContentType } from './piam.mjs';
import { findEndpoint } from './routes.mjs';
import { createSocketTracker } from './sockets.mjs';
import { hang, hugeBody, stallBody } from './streaming.mjs';
import { issueTenantToken, issueToken } from './tokens.mjs';

async function createState(options) {
  const state = {
    apps: options.apps,
    tenants: options.tenants,
    hostTenants: options.hostTenants,
    tenantClients: options.tenantClients,
    keys: await createKeyRing({ decoys: !options.singleKey }),
    sockets: createSocketTracker(),
    config: { ...options.config },
    recorder: createRecorder(),
    faults: createFaultList(),
    url: null, // set once listening: the jku header needs the real port
    issue(app, tenant, { expired = false, forge = null } = {}) {
      return issueToken({ keys: state.keys, jku: `${state.url}/token_keys`, app, tenant, config: state.config, expired, forge });
    },
    issueTenantToken(client, subTenant, { expired = false, forge = null } = {}) {
      return issueTenantToken({ keys: state.keys, jku: `${state.url}/token_keys`, client, subTenant, config: state.config, expired, forge });
    },
    /** Counters, log and faults cleared, config back to the start options. Keys and sockets are kept. */
    reset() {
      state.recorder.clear();
      state.faults.clear();
      state.config = { ...options.config };
    },
  };
  return state;
}

/** A form body (piam): the parsed fields, and a plain object of them for the log. */
function parseFormBody({ text, tooLarge }) {
  if (tooLarge) return { body: null, form: new URLSearchParams(), bodyError: 'request body too large' };
  const form = new URLSearchParams(text);
  return { body: Object.fromEntries(form), form, bodyError: null };
}

/** Everything a handler needs to know about a TMS request, read once. */
async function readCall(req, url, params) {
  let parsed = { body: null, bodyError: null };
  if (req.method === 'POST') {
    const raw = await readBody(req);
    parsed = isFormContentType(req.headers['content-type']) ? parseFormBody(raw) : parseJsonBody(raw);
  }
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

export async function startEmulator(opts = {}) {
  const options = normalizeOptions(opts);
  const state = await createState(options);
  const shutdown = new AbortController(); // aborts latency waits on close()
  // Every request waiting out the latency listens on it: hundreds at once are expected.
  setMaxListeners(0, shutdown.signal);

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
    const tenants = endpoint.tenants(call, auth);
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
      if (fault.kind === 'stallBody') {
        const entry = record(200, 'stallBody');
        entry.durationMs = null; // filled in when the socket goes away
        return stallBody(req, res, options.hangMs, () => { entry.durationMs = elapsed(); });
      }
      if (fault.kind === 'hugeBody') {
        const entry = record(200, 'hugeBody');
        entry.durationMs = null;
        const body = { bytes: fault.bytes ?? HUGE_BODY_BYTES, chunked: fault.chunked ?? false, gzip: fault.gzip ?? false, hangMs: options.hangMs };
        return hugeBody(req, res, body, () => { entry.durationMs = elapsed(); });
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
    const isControl = url.pathname.startsWith(CONTROL_PREFIX);
    state.sockets.use(req, res, isControl ? 'control' : 'tms');
    if (isControl) return handleControl(req, res, url, state);
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
  server.on('connection', (socket) => state.sockets.add(socket));

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
      state.sockets.destroyAll();
    });
    return closing;
  }

  const tenantCredentials = options.tenantClients.map((c) => ({
    clientId: c.clientId, clientSecret: c.clientSecret, tenant: c.tenant, subTenants: [...c.subTenants], gateway: url,
  }));
  const env = envFor({ credentials, tenantCredentials });

  // The control plane's main operations in-process, for a user's own tests (same effects and
  // errors as the /_emulator/ routes; FaultError on a bad fault).
  const control = {
    stats: () => statsOf(state),
    faults: (faults) => {
      state.faults.add({ faults });
      return state.faults.list();
    },
    clearFaults: () => state.faults.clear(),
    reset: () => state.reset(),
    rotateKeys: (opts) => state.keys.rotate(opts),
    publishKeys: () => state.keys.publish(),
    sockets: () => state.sockets.view(),
  };

  return { url, port, credentials, tenantCredentials, env, close, ...control, state };
}

// `node emulator/server.mjs` keeps working: the command line lives in cli.mjs. Not awaited:
// cli.mjs imports this module, which must finish evaluating first.
if (isEntryModule(import.meta.url)) {
  import('./cli.mjs').then(({ main }) => main(process.argv.slice(2)));
}
