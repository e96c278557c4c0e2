// The control plane under /_emulator/: stats, live log, reset, config, fault injection, signing
// keys (rotation) and open sockets.
// CORS is open ("*") here, and only here, so that a demo page on another origin can drive the
// emulator; the TMS routes stay CORS-less like the real service. Nothing served here contains
// a secret: the log is redacted and credentials are never exposed.
import { applyConfigPatch, ConfigError } from './config.mjs';
import { FaultError, HUGE_BODY_BYTES } from './faults.mjs';
import { compressed } from './streaming.mjs';
import { errorResult, jsonResult, parseJsonBody, readBody, send } from './http.mjs';

export const CONTROL_PREFIX = '/_emulator/';

const CORS = { 'access-control-allow-origin': '*' };

const publicConfig = (config) => ({ ...config });
const faultsView = (state) => ({ faults: state.faults.list() });

/** The body of GET /_emulator/stats (also emu.stats() in-process). */
export const statsOf = (state) => ({
  ...state.recorder.stats(), config: publicConfig(state.config), ...faultsView(state), sockets: state.sockets.view(),
});

// Rotation options, checked as strictly as the config: a typo must not rotate with defaults.
function rotateOptions(body) {
  if (body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) return { error: 'body must be a JSON object' };
  const unknown = Object.keys(body).filter((k) => k !== 'publish' && k !== 'retire');
  if (unknown.length) return { error: `unknown field(s) ${unknown.join(', ')} (known: publish, retire)` };
  if (Object.values(body).some((v) => typeof v !== 'boolean')) return { error: 'publish and retire must be booleans' };
  return { options: body };
}

// An empty body means "defaults" for the routes whose body is optional.
async function optionalJsonBody(req) {
  const raw = await readBody(req);
  if (raw.text.trim() === '' && !raw.tooLarge) return { body: null };
  const { body, bodyError } = parseJsonBody(raw);
  return bodyError ? { error: errorResult(400, 'invalid_request', bodyError) } : { body };
}

// Control bodies are accepted whatever their Content-Type: a page may send text/plain to
// avoid a preflight.
async function jsonBody(req) {
  const { body, bodyError } = parseJsonBody(await readBody(req));
  return bodyError ? { error: errorResult(400, 'invalid_request', bodyError) } : { body };
}

const ROUTES = {
  '/_emulator/stats': {
    GET: (req, url, state) => jsonResult(200, statsOf(state)),
  },
  // The tenant service credentials (development secrets, printed at start anyway): test
  // runners in other processes read them here.
  '/_emulator/tenant-credentials': {
    GET: (req, url, state) =>
      jsonResult(200, {
        tenantCredentials: state.tenantClients.map((c) => ({
          clientId: c.clientId, clientSecret: c.clientSecret, tenant: c.tenant, subTenants: [...c.subTenants], gateway: state.url,
        })),
      }),
  },
  '/_emulator/sockets': {
    GET: (req, url, state) => jsonResult(200, state.sockets.view()),
  },
  '/_emulator/keys': {
    GET: (req, url, state) => jsonResult(200, state.keys.view()),
  },
  '/_emulator/keys/rotate': {
    POST: async (req, url, state) => {
      const { body, error } = await optionalJsonBody(req);
      if (error) return error;
      const { options, error: invalid } = rotateOptions(body);
      if (invalid) return errorResult(400, 'invalid_request', invalid);
      return jsonResult(200, await state.keys.rotate(options));
    },
  },
  '/_emulator/keys/publish': {
    POST: (req, url, state) => jsonResult(200, state.keys.publish()),
  },
  '/_emulator/log': {
    GET: (req, url, state) => {
      const since = url.searchParams.get('since') ?? '0';
      if (!/^-?\d{1,15}$/.test(since)) return errorResult(400, 'invalid_request', 'since must be an integer');
      return jsonResult(200, { entries: state.recorder.since(Number(since)) });
    },
  },
  '/_emulator/reset': {
    POST: (req, url, state) => {
      state.reset();
      return jsonResult(200, { reset: true, config: publicConfig(state.config) });
    },
  },
  '/_emulator/config': {
    GET: (req, url, state) => jsonResult(200, publicConfig(state.config)),
    POST: async (req, url, state) => {
      const { body, error } = await jsonBody(req);
      if (error) return error;
      try {
        state.config = applyConfigPatch(state.config, body);
      } catch (err) {
        if (err instanceof ConfigError) return errorResult(400, 'invalid_request', err.message);
        throw err;
      }
      return jsonResult(200, publicConfig(state.config));
    },
  },
  '/_emulator/faults': {
    GET: (req, url, state) => jsonResult(200, faultsView(state)),
    POST: async (req, url, state) => {
      const { body, error } = await jsonBody(req);
      if (error) return error;
      try {
        state.faults.add(body);
      } catch (err) {
        if (err instanceof FaultError) return errorResult(400, 'invalid_request', err.message);
        throw err;
      }
      // A gzipped huge body is compressed now, so that the request it answers is not delayed.
      for (const f of body.faults) {
        if (f.kind === 'hugeBody' && f.gzip) await compressed(f.bytes ?? HUGE_BODY_BYTES);
      }
      return jsonResult(200, faultsView(state));
    },
    DELETE: (req, url, state) => {
      state.faults.clear();
      return jsonResult(200, faultsView(state));
    },
  },
};

export async function handleControl(req, res, url, state) {
  const route = ROUTES[url.pathname];
  if (!route) return send(res, errorResult(404, 'not_found', 'no such control endpoint'), CORS);
  const allow = [...Object.keys(route), 'OPTIONS'].join(', ');

  if (req.method === 'OPTIONS') {
    // CORS preflight: allow whatever headers the page asks for; nothing here is credentialed.
    return send(res, { status: 204 }, {
      ...CORS,
      'access-control-allow-methods': allow,
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type',
      'access-control-max-age': '600',
    });
  }
  const handler = route[req.method];
  if (!handler) return send(res, errorResult(405, 'method_not_allowed', `use ${allow}`, { allow }), CORS);
  return send(res, await handler(req, url, state), CORS);
}
