// Start options and the runtime-tunable config of the TMS emulator.
// Validation is strict on purpose: a typo in a test's config ("batchLimt") must fail loudly
// instead of silently testing the defaults.
import { randomBytes } from 'node:crypto';

// The emulator must never be reachable from another machine: it hands out dev credentials
// and signs tokens. Only loopback hosts are accepted.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

// The hard cap the brief sets for a hanging request.
export const MAX_HANG_MS = 120_000;

export const DEFAULTS = Object.freeze({
  port: 0,
  host: '127.0.0.1',
  tenants: 12,
  hostTenant: 'operator',
  batchLimit: 5, // seeds say 5; one mirror says 2, so it is configurable
  pageSize: 100, // seeds say 100; one mirror says 500
  lifetimeSec: 1800, // exp - iat of real tokens
  latencyMs: 0,
  expiresIn: null, // null = lifetimeSec - 1, as the real service sends
  quiet: true,
  hangMs: MAX_HANG_MS,
  secret: null, // null = a fresh random secret per client and start
  tenantClients: null, // null = the defaults of defaultTenantClients()
  singleKey: false, // true: /token_keys lists the signing key only (see keys.mjs)
});

// Subtenants of the host tenant's default service credentials.
export const DEFAULT_SUBTENANTS = Object.freeze(['subtenant1', 'subtenant2']);

export class ConfigError extends Error {}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isPositiveInt = (v) => Number.isInteger(v) && v >= 1;
const isNonEmptyString = (v) => typeof v === 'string' && v.length > 0;

// Rules for the fields that POST /_emulator/config may change at runtime.
const CONFIG_RULES = {
  latencyMs: [(v) => Number.isFinite(v) && v >= 0 && v <= 600_000, 'a number of milliseconds between 0 and 600000'],
  batchLimit: [isPositiveInt, 'a positive integer'],
  pageSize: [isPositiveInt, 'a positive integer'],
  lifetimeSec: [isPositiveInt, 'a positive integer'],
  // A number, a string (sent verbatim as a JSON string), "missing" (omitted) or null (default).
  expiresIn: [(v) => v === null || Number.isFinite(v) || typeof v === 'string', 'a number, a string, "missing" or null'],
};

/** Returns a new config with `patch` applied; throws ConfigError on unknown keys or bad values. */
export function applyConfigPatch(config, patch) {
  if (!isPlainObject(patch)) throw new ConfigError('config must be a JSON object');
  for (const [key, value] of Object.entries(patch)) {
    const rule = CONFIG_RULES[key];
    if (!rule) throw new ConfigError(`unknown config field "${key}" (known: ${Object.keys(CONFIG_RULES).join(', ')})`);
    if (!rule[0](value)) throw new ConfigError(`${key} must be ${rule[1]}`);
  }
  return { ...config, ...patch };
}

function tenantIds(tenants) {
  if (Number.isInteger(tenants) && tenants >= 0) {
    const width = Math.max(3, String(tenants).length);
    return Array.from({ length: tenants }, (_, i) => `tenant${String(i + 1).padStart(width, '0')}`);
  }
  if (Array.isArray(tenants) && tenants.every(isNonEmptyString) && new Set(tenants).size === tenants.length) {
    return [...tenants];
  }
  throw new ConfigError('tenants must be a non-negative integer or an array of distinct non-empty strings');
}

// A fresh secret per start unless one is fixed: nothing can come to depend on a dev secret
// by accident, while a user who pastes the env into a file may fix it on purpose.
const secretOr = (secret) => secret ?? `dev-secret-${randomBytes(16).toString('hex')}`;

// Secrets end up in .env files and Basic headers: printable ASCII without spaces or quotes
// keeps them pasteable unquoted everywhere.
const isPasteableSecret = (v) => typeof v === 'string' && /^[\x21-\x7e]+$/.test(v) && !/["'#\\`$]/.test(v);

function normalizeApp(app, hostTenant, secret) {
  if (!isPlainObject(app)) throw new ConfigError('each app must be an object');
  const a = { name: 'kpi-calculator', version: '1.0.0', hostTenant, ...app };
  for (const key of ['name', 'version', 'hostTenant']) {
    if (!isNonEmptyString(a[key])) throw new ConfigError(`app.${key} must be a non-empty string`);
  }
  // The real client id of a TMS app is "<host tenant>-<app name>-<app version>".
  a.clientId ??= `${a.hostTenant}-${a.name}-${a.version}`;
  a.clientSecret ??= secretOr(secret);
  if (!isNonEmptyString(a.clientId) || !isNonEmptyString(a.clientSecret)) {
    throw new ConfigError('app.clientId and app.clientSecret must be non-empty strings');
  }
  return Object.freeze({ name: a.name, version: a.version, clientId: a.clientId, clientSecret: a.clientSecret, hostTenant: a.hostTenant });
}

/**
 * Tenant service credentials: the host tenant's (allowed to impersonate its subtenants) and
 * one ordinary user tenant's, so both kinds of request have a client to try.
 */
function defaultTenantClients(hostTenant, tenants) {
  return [{ tenant: hostTenant, subTenants: [...DEFAULT_SUBTENANTS] }, { tenant: tenants[0] ?? 'tenant001' }];
}

function normalizeTenantClient(c, secret) {
  if (!isPlainObject(c)) throw new ConfigError('each tenant client must be an object');
  const unknown = Object.keys(c).filter((k) => !['tenant', 'clientId', 'clientSecret', 'subTenants'].includes(k));
  if (unknown.length) throw new ConfigError(`unknown tenant client field(s) ${unknown.join(', ')}`);
  if (!isNonEmptyString(c.tenant)) throw new ConfigError('tenantClients[].tenant must be a non-empty string');
  const subTenants = c.subTenants ?? [];
  if (!Array.isArray(subTenants) || !subTenants.every(isNonEmptyString) || new Set(subTenants).size !== subTenants.length ||
    subTenants.includes(c.tenant)) {
    throw new ConfigError('tenantClients[].subTenants must be distinct non-empty strings other than the tenant');
  }
  const client = {
    tenant: c.tenant,
    // Shaped like the app ids ("<tenant>-<name>"); the real ids of service credentials vary.
    clientId: c.clientId ?? `${c.tenant}-service-credentials`,
    clientSecret: c.clientSecret ?? secretOr(secret),
    subTenants: Object.freeze([...subTenants]),
  };
  if (!isNonEmptyString(client.clientId) || !isNonEmptyString(client.clientSecret)) {
    throw new ConfigError('tenantClients[].clientId and clientSecret must be non-empty strings');
  }
  return Object.freeze(client);
}

/** Fills defaults and validates startEmulator's options. */
export function normalizeOptions(opts = {}) {
  if (!isPlainObject(opts)) throw new ConfigError('options must be an object');
  const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const o = { ...DEFAULTS, ...given };

  if (!LOOPBACK_HOSTS.has(o.host)) throw new ConfigError(`host must be a loopback address (${[...LOOPBACK_HOSTS].join(', ')})`);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new ConfigError('port must be an integer 0..65535');
  if (!isNonEmptyString(o.hostTenant)) throw new ConfigError('hostTenant must be a non-empty string');
  if (!Number.isFinite(o.hangMs) || o.hangMs < 0) throw new ConfigError('hangMs must be a non-negative number');

  if (o.secret !== null && !isPasteableSecret(o.secret)) {
    throw new ConfigError('secret must be printable ASCII without spaces, quotes, #, $, ` or backslashes');
  }
  const apps = (o.apps ?? [{}]).map((app) => normalizeApp(app, o.hostTenant, o.secret));
  if (apps.length === 0) throw new ConfigError('apps must list at least one app');
  if (new Set(apps.map((a) => a.clientId)).size !== apps.length) throw new ConfigError('app client ids must be distinct');

  const hostTenants = new Set(apps.map((a) => a.hostTenant));
  const tenants = tenantIds(o.tenants);
  if (tenants.some((t) => hostTenants.has(t))) throw new ConfigError('user tenants must not include a host tenant');

  const clientsGiven = o.tenantClients ?? defaultTenantClients(o.hostTenant, tenants);
  if (!Array.isArray(clientsGiven)) throw new ConfigError('tenantClients must be an array');
  const tenantClients = clientsGiven.map((c) => normalizeTenantClient(c, o.secret));
  if (new Set(tenantClients.map((c) => c.clientId)).size !== tenantClients.length) {
    throw new ConfigError('tenant client ids must be distinct');
  }

  const config = applyConfigPatch({}, {
    latencyMs: o.latencyMs, batchLimit: o.batchLimit, pageSize: o.pageSize, lifetimeSec: o.lifetimeSec, expiresIn: o.expiresIn,
  });

  return {
    port: o.port,
    // "localhost" may resolve to ::1 or 127.0.0.1; pin it so the printed URL always works.
    host: o.host === 'localhost' ? '127.0.0.1' : o.host,
    quiet: Boolean(o.quiet),
    singleKey: Boolean(o.singleKey),
    hangMs: Math.min(o.hangMs, MAX_HANG_MS),
    apps,
    tenants,
    hostTenants,
    tenantClients,
    config: Object.freeze(config),
  };
}
