// Test helpers: start an emulator in-process on a free port and talk to it over real HTTP.
import { createPublicKey, verify as rsaVerify } from 'node:crypto';

import { startEmulator } from '../../emulator/server.mjs';

export const BASE = '/api/technicaltokenmanager/v3';

/** Starts an emulator that is closed when the test `t` ends; returns a small client for it. */
export async function start(t, opts = {}) {
  const emu = await startEmulator(opts);
  t.after(() => emu.close());
  return client(emu);
}

export const decodeJwt = (jwt) => {
  const [header, claims] = jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')));
  return { header, claims };
};

/**
 * Checks a JWT the way a careful client does with a JWKS: RS256 only, key found by kid, the
 * signature verified with the key built from the JWK (n, e). Returns a reason or 'ok'.
 */
export function verifyWithJwks(jwt, jwks) {
  const [h, c, s] = jwt.split('.');
  const { header } = decodeJwt(jwt);
  if (header.alg !== 'RS256') return 'alg';
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return 'kid';
  const key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
  return rsaVerify('sha256', Buffer.from(`${h}.${c}`), key, Buffer.from(s ?? '', 'base64url')) ? 'ok' : 'signature';
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `fn` until it returns a truthy value or `ms` elapse. */
export async function waitFor(fn, ms = 2000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error('waitFor: condition not met in time');
    await sleep(20);
  }
}

export function client(emu) {
  const c = emu.credentials;
  const basic = `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;

  async function req(method, path, { headers = {}, body, json, signal } = {}) {
    const init = { method, headers: { ...headers }, signal };
    if (json !== undefined) {
      init.body = JSON.stringify(json);
      init.headers['content-type'] ??= 'application/json';
    } else if (body !== undefined) {
      init.body = body;
    }
    const res = await fetch(emu.url + path, init);
    const text = await res.text();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: parsed };
  }

  const tokenBody = (userTenant, extra = {}) => ({
    appName: c.appName, appVersion: c.appVersion, hostTenant: c.hostTenant, userTenant, ...extra,
  });
  const batchBody = (ids, extra = {}) => ({
    appName: c.appName, appVersion: c.appVersion, hostTenantId: c.hostTenant, userTenantIds: ids, ...extra,
  });

  const api = {
    emu,
    c,
    basic,
    req,
    tokenBody,
    batchBody,
    token: (userTenant = c.hostTenant, { extra, auth = basic, headers = {}, signal } = {}) =>
      req('POST', `${BASE}/oauth/token`, { headers: { 'x-space-auth-key': auth, ...headers }, json: tokenBody(userTenant, extra), signal }),
    batch: (ids, { extra, auth = basic } = {}) =>
      req('POST', `${BASE}/oauthTokens`, { headers: { 'x-space-auth-key': auth }, json: batchBody(ids, extra) }),
    /** A valid access token for `tenant` (the host tenant by default). */
    async accessToken(tenant = c.hostTenant) {
      const r = await api.token(tenant);
      if (r.status !== 200) throw new Error(`token request failed: ${r.status}`);
      return r.json.access_token;
    },
    userTenants: (token, query = '') =>
      req('GET', `${BASE}/userTenants${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
    kpi: (tenant, token) =>
      req('GET', `/api/kpi/v1/tenants/${encodeURIComponent(tenant)}/kpis`, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
    /** POST /oauth/token at the root (tenant credentials); `form` is an object or a string. */
    piam: (form = { grant_type: 'client_credentials' }, { client = emu.tenantCredentials?.[0], auth, contentType } = {}) =>
      req('POST', '/oauth/token', {
        headers: {
          'content-type': contentType ?? 'application/x-www-form-urlencoded',
          ...(auth === null ? {} : { authorization: auth ?? `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` }),
        },
        body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
      }),
    jwks: async () => (await req('GET', '/token_keys')).json,
    control: (method, path, json) => req(method, `/_emulator/${path}`, json === undefined ? {} : { json }),
    faults: (...faults) => api.control('POST', 'faults', { faults }),
    config: (patch) => api.control('POST', 'config', patch),
    stats: async () => (await api.control('GET', 'stats')).json,
  };
  return api;
}
