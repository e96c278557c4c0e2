// Fault injection: the failure modes a TMS client has to survive, on demand and reproducibly.
//
// Two stages:
//  - "pre" faults replace the response entirely (status codes, hang, reset, stalled or huge
//    bodies); they apply whatever the request contained, like a gateway failing in front of
//    the service.
//  - "post" faults rewrite a successful (200) response (broken JSON, wrong tokens…). They are only
//    consumed when they were actually applied, so "the next token response is truncated" holds
//    even if a request in between failed authentication.
import { randomBytes } from 'node:crypto';

import { FORGED_KINDS } from './forge.mjs';

const ALL = ['token', 'batch', 'userTenants', 'kpi', 'tokenKeys', 'piam'];
const ISSUING = ['token', 'batch', 'piam'];

// The pagination storm: a page object claiming this many pages (the real ones, then empty).
export const STORM_TOTAL_PAGES = 100_000;
// The unbounded body: 64 MiB unless the fault says otherwise; at most 16 GiB (it is streamed).
export const HUGE_BODY_BYTES = 64 * 1024 * 1024;
const MAX_HUGE_BODY_BYTES = 16 * 1024 ** 3;

export const FAULT_KINDS = Object.freeze({
  429: { stage: 'pre', endpoints: ALL },
  500: { stage: 'pre', endpoints: ALL },
  502: { stage: 'pre', endpoints: ALL },
  503: { stage: 'pre', endpoints: ALL },
  401: { stage: 'pre', endpoints: ALL },
  hang: { stage: 'pre', endpoints: ALL },
  reset: { stage: 'pre', endpoints: ALL },
  stallBody: { stage: 'pre', endpoints: ALL },
  hugeBody: { stage: 'pre', endpoints: ALL },
  malformed: { stage: 'post', endpoints: ALL },
  truncated: { stage: 'post', endpoints: ALL },
  notjwt: { stage: 'post', endpoints: ISSUING },
  expired: { stage: 'post', endpoints: ISSUING },
  omitTenant: { stage: 'post', endpoints: ['batch'] },
  extraTenant: { stage: 'post', endpoints: ['batch'] },
  wrongTenant: { stage: 'post', endpoints: ['batch'] },
  hugeTotalPages: { stage: 'post', endpoints: ['userTenants'] },
  duplicateTenants: { stage: 'post', endpoints: ['userTenants'] },
  ...Object.fromEntries(FORGED_KINDS.map((kind) => [kind, { stage: 'post', endpoints: ISSUING }])),
});

// "*" means the TMS endpoints; token_keys and piam (other hosts in production) only when named.
const WILDCARD = ['token', 'batch', 'userTenants', 'kpi'];
export const FAULT_ENDPOINTS = Object.freeze([...ALL, '*']);
const FAULT_FIELDS = new Set(['endpoint', 'kind', 'count', 'retryAfter', 'tenant']);
// Fields that only mean something for one kind; elsewhere they are a mistake worth a 400.
const KIND_FIELDS = {
  bytes: ['hugeBody', (v) => Number.isInteger(v) && v >= 16 && v <= MAX_HUGE_BODY_BYTES, `an integer 16..${MAX_HUGE_BODY_BYTES}`],
  chunked: ['hugeBody', (v) => typeof v === 'boolean', 'a boolean'],
  gzip: ['hugeBody', (v) => typeof v === 'boolean', 'a boolean'],
  totalPages: ['hugeTotalPages', (v) => Number.isInteger(v) && v >= 1 && v <= 1e9, 'an integer 1..1e9'],
  issuer: ['wrongIssuer', (v) => typeof v === 'string' && v !== '', 'a non-empty string'],
};

export class FaultError extends Error {}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function parseFault(input, index) {
  const where = `faults[${index}]`;
  if (!isPlainObject(input)) throw new FaultError(`${where} must be an object`);
  const unknown = Object.keys(input).filter((k) => !FAULT_FIELDS.has(k) && !Object.hasOwn(KIND_FIELDS, k));
  if (unknown.length) throw new FaultError(`${where}: unknown field(s) ${unknown.join(', ')}`);

  const { endpoint, count = 1, retryAfter, tenant } = input;
  const kind = typeof input.kind === 'number' ? String(input.kind) : input.kind;
  if (!FAULT_ENDPOINTS.includes(endpoint)) throw new FaultError(`${where}.endpoint must be one of ${FAULT_ENDPOINTS.join(', ')}`);
  if (!Object.hasOwn(FAULT_KINDS, kind)) throw new FaultError(`${where}.kind must be one of ${Object.keys(FAULT_KINDS).join(', ')}`);
  if (endpoint !== '*' && !FAULT_KINDS[kind].endpoints.includes(endpoint)) {
    throw new FaultError(`${where}: kind ${kind} does not apply to endpoint ${endpoint}`);
  }
  if (!(Number.isInteger(count) && (count >= 1 || count === -1))) throw new FaultError(`${where}.count must be an integer >= 1, or -1`);
  const retry = typeof retryAfter === 'number' && retryAfter >= 0 ? String(retryAfter) : retryAfter;
  if (retry !== undefined && retry !== null && (typeof retry !== 'string' || retry === '' || /[\r\n]/.test(retry))) {
    throw new FaultError(`${where}.retryAfter must be a number of seconds or an HTTP-date string`);
  }
  if (tenant !== undefined && tenant !== null && (typeof tenant !== 'string' || tenant === '')) {
    throw new FaultError(`${where}.tenant must be a non-empty string`);
  }
  const extra = {};
  for (const [field, [forKind, valid, what]] of Object.entries(KIND_FIELDS)) {
    if (!Object.hasOwn(input, field)) continue;
    if (kind !== forKind) throw new FaultError(`${where}.${field} applies to kind ${forKind} only`);
    if (!valid(input[field])) throw new FaultError(`${where}.${field} must be ${what}`);
    extra[field] = input[field];
  }
  return { endpoint, kind, count, retryAfter: retry ?? null, tenant: tenant ?? null, ...extra };
}

/** The list of registered faults, in registration order. */
export function createFaultList() {
  let faults = [];
  let nextId = 1;
  return {
    /** Validates all first, then appends; a bad entry adds nothing. Throws FaultError. */
    add(body) {
      if (!isPlainObject(body) || !Array.isArray(body.faults)) throw new FaultError('body must be {"faults":[…]}');
      const parsed = body.faults.map(parseFault);
      for (const f of parsed) faults.push({ id: nextId++, ...f, applied: 0 });
    },
    clear() {
      faults = [];
    },
    list() {
      return faults.map((f) => ({ ...f }));
    },
    /** The first registered fault applying to this endpoint and these requested tenants. */
    match(endpoint, tenants) {
      return faults.find((f) =>
        (f.endpoint === endpoint || (f.endpoint === '*' && WILDCARD.includes(endpoint))) &&
        FAULT_KINDS[f.kind].endpoints.includes(endpoint) &&
        (f.tenant === null || tenants.includes(f.tenant)));
    },
    consume(fault) {
      fault.applied += 1;
      if (fault.count === -1) return;
      fault.count -= 1;
      if (fault.count <= 0) faults = faults.filter((f) => f !== fault);
    },
  };
}

export const isPreFault = (fault) => FAULT_KINDS[fault.kind].stage === 'pre';

/** The pre-faults that answer over time (see streaming.mjs) rather than with one result. */
export const STREAMING_KINDS = Object.freeze(['hang', 'reset', 'stallBody', 'hugeBody']);

// Bodies like those of the nginx-based gateway in front of the real service.
const GATEWAY_TITLES = { 500: '500 Internal Server Error', 502: '502 Bad Gateway', 503: '503 Service Temporarily Unavailable' };
const gatewayHtml = (title) =>
  `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
const logref = () => randomBytes(8).toString('hex');

/** The replacement response of a status-code pre-fault (not the STREAMING_KINDS). */
export function preFaultResult(fault) {
  const retryHeader = fault.retryAfter ? { 'retry-after': fault.retryAfter } : {};
  switch (fault.kind) {
    case '429':
      return {
        status: 429,
        headers: retryHeader,
        body: { errors: [{ code: 'mdsp.core.gateway.tooManyRequests', logref: logref(), message: 'Too many requests' }] },
      };
    case '401':
      // The gateway's token validation failure as seen in the wild.
      return { status: 401, headers: {}, body: { error: 'token_validation_failed', error_description: `[${logref()}]` } };
    case '503': // a Retry-After on 503 is common too, so honour the option here as well
    case '500':
    case '502': {
      const headers = { 'content-type': 'text/html', ...(fault.kind === '503' ? retryHeader : {}) };
      return { status: Number(fault.kind), headers, text: gatewayHtml(GATEWAY_TITLES[fault.kind]) };
    }
    default:
      throw new Error(`not a status fault: ${fault.kind}`);
  }
}

// Batch entries a tenant-filtered fault targets: only that tenant's, otherwise all of them.
const targets = (entries, fault) => entries.filter((e) => fault.tenant === null || e.userTenantId === fault.tenant);
const opaqueToken = () => randomBytes(16).toString('hex'); // looks like a UAA opaque token, not a JWT

/**
 * Rewrites a 200 result in place. Returns false when the fault cannot apply to this result
 * (e.g. wrongTenant with a single entry); the caller then leaves the fault registered.
 */
export function applyPostFault(fault, result, state) {
  const entries = result.body?.oauthTokens; // present for batch results only
  // meta.issue(tenant, opts) issues another token the way this endpoint does (TMS or piam).
  const reissue = (opts) => {
    if (entries) targets(entries, fault).forEach((e) => { e.token = result.meta.issue(e.userTenantId, opts); });
    else result.body = result.meta.issue(result.meta.tenant, opts);
    return true;
  };
  if (FORGED_KINDS.includes(fault.kind)) return reissue({ forge: { kind: fault.kind, issuer: fault.issuer } });
  switch (fault.kind) {
    case 'malformed':
      // Unquoted keys: looks like JSON, is not.
      result.text = JSON.stringify(result.body).replace(/"([^"\\]+)":/g, '$1:');
      return true;
    case 'truncated': {
      // Cut in the middle; Content-Length matches the cut body, so only the JSON is broken.
      const text = JSON.stringify(result.body);
      result.text = text.slice(0, Math.floor(text.length / 2));
      return true;
    }
    case 'notjwt':
      if (entries) targets(entries, fault).forEach((e) => { e.token.access_token = opaqueToken(); });
      else result.body.access_token = opaqueToken();
      return true;
    case 'expired':
      return reissue({ expired: true });
    case 'omitTenant': {
      const victim = targets(entries, fault)[0];
      if (!victim) return false;
      entries.splice(entries.indexOf(victim), 1);
      return true;
    }
    case 'extraTenant': {
      const requested = new Set(entries.map((e) => e.userTenantId));
      const extra = [...state.tenants, ...state.hostTenants].find((t) => !requested.has(t)) ?? 'tenant-not-requested';
      entries.push({ userTenantId: extra, token: result.meta.issue(extra) });
      return true;
    }
    case 'wrongTenant': {
      if (entries.length < 2) return false;
      const i = Math.max(0, entries.findIndex((e) => e.userTenantId === fault.tenant));
      const j = (i + 1) % entries.length;
      [entries[i].token, entries[j].token] = [entries[j].token, entries[i].token];
      return true;
    }
    case 'hugeTotalPages': {
      // The real pages keep their tenants; every page claims a storm of pages behind it.
      const { page } = result.body;
      page.totalPages = fault.totalPages ?? STORM_TOTAL_PAGES;
      page.totalElements = page.totalPages * page.size;
      return true;
    }
    case 'duplicateTenants': {
      // Each page after the first starts again with the last tenant of the page before, as a
      // listing does when a tenant is added while a client pages through it.
      const { page, userTenants } = result.body;
      const previous = page.number > 0 ? state.tenants[page.number * page.size - 1] : undefined;
      if (previous === undefined || userTenants.length === 0) return false;
      userTenants.unshift({ id: previous });
      return true;
    }
    default:
      return false;
  }
}
