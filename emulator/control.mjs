// The control plane under /_emulator/: stats, live log, reset, config and fault injection.
// CORS is open ("*") here, and only here, so that a demo page on another origin can drive the
// emulator; the TMS routes stay CORS-less like the real service. Nothing served here contains
// a secret: the log is redacted and credentials are never exposed.
import { applyConfigPatch, ConfigError } from './config.mjs';
import { FaultError } from './faults.mjs';
import { errorResult, jsonResult, parseJsonBody, readBody, send } from './http.mjs';

export const CONTROL_PREFIX = '/_emulator/';

const CORS = { 'access-control-allow-origin': '*' };

const publicConfig = (config) => ({ ...config });
const faultsView = (state) => ({ faults: state.faults.list() });

// Control bodies are accepted whatever their Content-Type: a page may send text/plain to
// avoid a preflight.
async function jsonBody(req) {
  const { body, bodyError } = parseJsonBody(await readBody(req));
  return bodyError ? { error: errorResult(400, 'invalid_request', bodyError) } : { body };
}

const ROUTES = {
  '/_emulator/stats': {
    GET: (req, url, state) => jsonResult(200, { ...state.recorder.stats(), config: publicConfig(state.config), ...faultsView(state) }),
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
