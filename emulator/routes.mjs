// The emulated TMS endpoints (plus token_keys, the tenant OAuth endpoint of piam.mjs and a
// tenant-scoped KPI endpoint for the demo).
// Each endpoint is split into auth() (inspects the credential, needed for the log even when a
// fault short-circuits the request), tenants() (the user tenants the request names, used for the
// log and for tenant-filtered faults) and handle() (pure: returns a result, writes nothing).
import { createHash } from 'node:crypto';

import { decodeBasic, sameSecret, splitAuthHeader } from './auth.mjs';
import { errorResult, isJsonContentType, jsonResult } from './http.mjs';
import { handlePiam, piamTenants, tenantClientAuth } from './piam.mjs';

export const BASE_PATH = '/api/technicaltokenmanager/v3';

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNonEmptyString = (v) => typeof v === 'string' && v.length > 0;
// Tokens must never be cached by anything between client and service.
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

// --- auth inspectors: { scheme, valid, reason, app | claims } -----------------------------------

/** X-SPACE-AUTH-KEY: Basic base64(clientId:clientSecret), the TMS app credentials. */
function spaceKeyAuth(call, state) {
  const raw = call.headers['x-space-auth-key'];
  if (!raw) return { scheme: null, valid: false, reason: 'missing X-SPACE-AUTH-KEY header' };
  const { scheme, credential } = splitAuthHeader(raw);
  if (scheme !== 'Basic') return { scheme, valid: false, reason: 'X-SPACE-AUTH-KEY must use the Basic scheme' };
  const { id, secret } = decodeBasic(credential);
  const app = state.apps.find((a) => a.clientId === id);
  // Same message for unknown id and wrong secret: do not help anyone enumerate client ids.
  if (!app || !sameSecret(secret, app.clientSecret)) return { scheme, valid: false, reason: 'invalid client credentials' };
  return { scheme, valid: true, app };
}

/** Authorization: Bearer <JWT issued by this emulator>. */
function bearerAuth(call, state) {
  const raw = call.headers.authorization;
  if (!raw) return { scheme: null, valid: false, reason: 'missing Authorization header' };
  const { scheme, credential } = splitAuthHeader(raw);
  if (scheme !== 'Bearer') return { scheme, valid: false, reason: 'Authorization must use the Bearer scheme' };
  const verdict = state.keys.verify(credential);
  return verdict.ok
    ? { scheme, valid: true, claims: verdict.claims }
    : { scheme, valid: false, reason: verdict.reason };
}

const noAuth = () => ({ scheme: null, valid: false, reason: null });

// --- shared checks ------------------------------------------------------------------------------

const unauthorized = (reason) => errorResult(401, 'unauthorized', reason);
const bearerUnauthorized = (reason) =>
  errorResult(401, 'invalid_token', reason, { 'www-authenticate': 'Bearer error="invalid_token"' });

/** Content type and JSON object body; returns an error result or null. */
function checkJsonObject(call) {
  if (!isJsonContentType(call.contentType)) {
    return errorResult(415, 'unsupported_media_type', 'Content-Type must be application/json');
  }
  if (call.bodyError) return errorResult(400, 'invalid_request', call.bodyError);
  if (!isPlainObject(call.body)) return errorResult(400, 'invalid_request', 'request body must be a JSON object');
  return null;
}

function checkFields(body, fields) {
  const missing = fields.filter((f) => !isNonEmptyString(body[f]));
  return missing.length ? errorResult(400, 'invalid_request', `missing or empty string fields: ${missing.join(', ')}`) : null;
}

// The credentials identify one app; the body must name that same app and its host tenant.
function checkApp(app, appName, appVersion, hostTenant) {
  if (appName !== app.name || appVersion !== app.version) {
    return errorResult(403, 'access_denied', 'appName/appVersion do not match the app of these credentials');
  }
  if (hostTenant !== app.hostTenant) return errorResult(403, 'access_denied', 'host tenant is not the host tenant of this app');
  return null;
}

const isAuthorized = (state, app, tenant) => tenant === app.hostTenant || state.tenants.includes(tenant);

// --- handlers -----------------------------------------------------------------------------------

function handleToken(call, auth, state) {
  if (!auth.valid) return unauthorized(auth.reason);
  const invalid = checkJsonObject(call) ?? checkFields(call.body, ['appName', 'appVersion', 'hostTenant', 'userTenant']);
  if (invalid) return invalid;
  const { appName, appVersion, hostTenant, userTenant } = call.body;
  const denied = checkApp(auth.app, appName, appVersion, hostTenant);
  if (denied) return denied;
  if (!isAuthorized(state, auth.app, userTenant)) return errorResult(403, 'access_denied', 'user tenant has not authorized this app');
  const issue = (tenant, opts) => state.issue(auth.app, tenant, opts);
  return { ...jsonResult(200, issue(userTenant), NO_STORE), meta: { tenant: userTenant, issue } };
}

function handleBatch(call, auth, state) {
  if (!auth.valid) return unauthorized(auth.reason);
  const invalid = checkJsonObject(call) ?? checkFields(call.body, ['appName', 'appVersion', 'hostTenantId']);
  if (invalid) return invalid;
  const { appName, appVersion, hostTenantId, userTenantIds } = call.body;
  if (!Array.isArray(userTenantIds) || userTenantIds.length === 0 || !userTenantIds.every(isNonEmptyString)) {
    return errorResult(400, 'invalid_request', 'userTenantIds must be a non-empty array of strings');
  }
  const limit = state.config.batchLimit;
  if (userTenantIds.length > limit) {
    return errorResult(400, 'invalid_request', `at most ${limit} userTenantIds per request`);
  }
  const denied = checkApp(auth.app, appName, appVersion, hostTenantId);
  if (denied) return denied;
  // Unauthorized tenants are left out rather than failing the whole batch.
  const oauthTokens = [...new Set(userTenantIds)]
    .filter((tenant) => isAuthorized(state, auth.app, tenant))
    .map((tenant) => ({ userTenantId: tenant, token: state.issue(auth.app, tenant) }));
  return { ...jsonResult(200, { oauthTokens }, NO_STORE), meta: { issue: (tenant, opts) => state.issue(auth.app, tenant, opts) } };
}

// "0", "12": a non-negative decimal integer; anything else is a client bug worth a 400.
function parseIndex(value, fallback) {
  if (value === undefined) return fallback;
  return /^\d{1,9}$/.test(value) ? Number(value) : null;
}

function handleUserTenants(call, auth, state) {
  if (!auth.valid) return bearerUnauthorized(auth.reason);
  if (!state.hostTenants.has(auth.claims.ten)) {
    return errorResult(403, 'access_denied', 'userTenants needs a token of the host (operator) tenant');
  }
  const maxSize = state.config.pageSize;
  const page = parseIndex(call.query.page, 0);
  const requested = parseIndex(call.query.size, maxSize);
  if (page === null || requested === null || requested === 0) {
    return errorResult(400, 'invalid_request', 'page must be an integer >= 0 and size an integer >= 1');
  }
  const size = Math.min(requested, maxSize); // larger sizes are clamped, like the real service
  const all = state.tenants;
  return jsonResult(200, {
    page: { size, totalElements: all.length, totalPages: Math.ceil(all.length / size), number: page },
    userTenants: all.slice(page * size, page * size + size).map((id) => ({ id })),
  });
}

function handleTokenKeys(call, auth, state) {
  return jsonResult(200, state.keys.tokenKeys());
}

/** Deterministic per tenant so that the demo and tests can assert exact values. */
export function kpisFor(tenant) {
  const h = createHash('sha256').update(tenant).digest();
  const ratio = (byte, min) => Math.round((min + (byte / 255) * (1 - min)) * 10_000) / 10_000;
  const availability = ratio(h[0], 0.8);
  const performance = ratio(h[1], 0.75);
  const quality = ratio(h[2], 0.9);
  const oee = Math.round(availability * performance * quality * 10_000) / 10_000;
  return { oee, availability, performance, quality };
}

function handleKpi(call, auth) {
  if (!auth.valid) return bearerUnauthorized(auth.reason);
  const { tenant } = call.params;
  if (auth.claims.ten !== tenant) return errorResult(403, 'access_denied', 'token belongs to another tenant');
  return jsonResult(200, { tenant, kpis: kpisFor(tenant), computedAt: new Date().toISOString() });
}

// --- routing ------------------------------------------------------------------------------------

const bodyTenants = (key) => (call) => {
  const value = call.body?.[key];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((t) => typeof t === 'string');
};

export const ENDPOINTS = [
  { name: 'token', method: 'POST', path: `${BASE_PATH}/oauth/token`, auth: spaceKeyAuth, tenants: bodyTenants('userTenant'), handle: handleToken },
  { name: 'batch', method: 'POST', path: `${BASE_PATH}/oauthTokens`, auth: spaceKeyAuth, tenants: bodyTenants('userTenantIds'), handle: handleBatch },
  { name: 'userTenants', method: 'GET', path: `${BASE_PATH}/userTenants`, auth: bearerAuth, tenants: () => [], handle: handleUserTenants },
  // At the server root: in production token_keys lives on the tenant's piam host, not under TMS.
  { name: 'tokenKeys', method: 'GET', path: '/token_keys', auth: noAuth, tenants: () => [], handle: handleTokenKeys },
  // At the server root too: the client posts to {authUrl}/oauth/token, authUrl = this server.
  { name: 'piam', method: 'POST', path: '/oauth/token', auth: tenantClientAuth, tenants: piamTenants, handle: handlePiam },
  { name: 'kpi', method: 'GET', pattern: /^\/api\/kpi\/v1\/tenants\/([^/]+)\/kpis$/, params: ['tenant'], auth: bearerAuth, tenants: (call) => [call.params.tenant], handle: handleKpi },
];

function matchPath(endpoint, pathname) {
  if (endpoint.path) return endpoint.path === pathname ? {} : null;
  const m = endpoint.pattern.exec(pathname);
  if (!m) return null;
  try {
    return Object.fromEntries(endpoint.params.map((name, i) => [name, decodeURIComponent(m[i + 1])]));
  } catch {
    return null; // bad percent-encoding: treat as no match
  }
}

/** { endpoint, params } for a match, { allow } when only the method is wrong, else null. */
export function findEndpoint(method, pathname) {
  for (const endpoint of ENDPOINTS) {
    const params = matchPath(endpoint, pathname);
    if (!params) continue;
    return endpoint.method === method ? { endpoint, params } : { allow: endpoint.method };
  }
  return null;
}
