// A tenant's own OAuth server ("piam"): client_credentials for tenant service credentials,
// optionally impersonating a subtenant (seed 004; the form fields are seen in third-party code).
// In production it lives on https://{tenant}.piam.{region}.{domain}/oauth/token; the client uses a
// non-"gateway." gateway URL as it is, so here it is POST /oauth/token at the server root.
import { decodeBasic, sameSecret, splitAuthHeader } from './auth.mjs';
import { errorResult, jsonResult } from './http.mjs';

export const IMPERSONATION_ACTION = 'client_credentials.tenant-impersonation';
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

export const isFormContentType = (value) => FORM_TYPE.test(value ?? '');

/** Authorization: Basic base64(clientId:clientSecret) of a tenant client. */
export function tenantClientAuth(call, state) {
  const raw = call.headers.authorization;
  if (!raw) return { scheme: null, valid: false, reason: 'missing Authorization header' };
  const { scheme, credential } = splitAuthHeader(raw);
  if (scheme !== 'Basic') return { scheme, valid: false, reason: 'Authorization must use the Basic scheme' };
  const { id, secret } = decodeBasic(credential);
  const client = state.tenantClients.find((c) => c.clientId === id);
  // Same message for unknown id and wrong secret: do not help anyone enumerate client ids.
  if (!client || !sameSecret(secret, client.clientSecret)) return { scheme, valid: false, reason: 'invalid client credentials' };
  return { scheme, valid: true, client };
}

/** The tenant whose token is asked for (the subtenant when impersonating), for logs and faults. */
export function piamTenants(call, auth) {
  const sub = call.form?.get('subtenant');
  if (sub) return [sub];
  return auth.client ? [auth.client.tenant] : [];
}

// Repeated fields are ambiguous (which subtenant?): refused rather than guessed.
function single(form, name) {
  const all = form.getAll(name);
  return all.length > 1 ? { error: `form field ${name} given more than once` } : { value: all[0] };
}

export function handlePiam(call, auth, state) {
  if (!auth.valid) {
    return errorResult(401, 'unauthorized', auth.reason, { 'www-authenticate': 'Basic realm="oauth", error="unauthorized"' });
  }
  if (!isFormContentType(call.contentType)) {
    return errorResult(415, 'unsupported_media_type', 'Content-Type must be application/x-www-form-urlencoded');
  }
  if (call.bodyError) return errorResult(400, 'invalid_request', call.bodyError);
  const fields = {};
  for (const name of ['grant_type', 'iam-action', 'subtenant']) {
    const { value, error } = single(call.form, name);
    if (error) return errorResult(400, 'invalid_request', error);
    fields[name] = value;
  }
  const { grant_type: grant, 'iam-action': action, subtenant } = fields;
  if (!grant) return errorResult(400, 'invalid_request', 'missing grant_type');
  if (grant !== 'client_credentials') return errorResult(400, 'unsupported_grant_type', 'only client_credentials is supported');
  if (action !== undefined && action !== IMPERSONATION_ACTION) {
    return errorResult(400, 'invalid_request', `iam-action must be ${IMPERSONATION_ACTION}`);
  }
  // Half an impersonation request is a client bug: refuse it instead of silently issuing a
  // token of the parent tenant, which a client would then use for the wrong tenant.
  if ((action === undefined) !== (subtenant === undefined) || subtenant === '') {
    return errorResult(400, 'invalid_request', 'iam-action and subtenant go together');
  }
  const { client } = auth;
  if (subtenant !== undefined && !client.subTenants.includes(subtenant)) {
    return errorResult(403, 'access_denied', 'not a subtenant these credentials may impersonate');
  }
  const subTenant = subtenant ?? null;
  const issue = (tenant, opts) => state.issueTenantToken(client, subTenant, opts);
  return { ...jsonResult(200, issue(), NO_STORE), meta: { tenant: subTenant ?? client.tenant, issue } };
}
