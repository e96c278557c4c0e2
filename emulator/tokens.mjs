// Builds token responses whose JWTs are shaped like the real ones (see the seed samples), so a
// client that decodes claims (ten, exp, iss…) meets the same structure as in production.
// Two issuers: TMS (tokens of an app for a user tenant) and a tenant's own OAuth server
// ("piam", tenant service credentials, optionally impersonating a subtenant).
import { createHash, randomUUID } from 'node:crypto';

import { forgeToken } from './forge.mjs';

// A plausible subset of the scopes a TMS technical token carries.
export const SCOPES = Object.freeze([
  'mdsp:core:Admin3rdPartyTechUser',
  'tm.t.r',
  'uts.ri',
  'iam-action.client_credentials.tenant-impersonation',
]);

// Tenant service credentials carry tenant-admin roles; the impersonation action only when the
// credentials may impersonate subtenants.
export const TENANT_SCOPES = Object.freeze(['mdsp:core:TenantAdmin3rdPartyTechUser']);
export const IMPERSONATION_SCOPE = 'iam-action.client_credentials.tenant-impersonation';

/** The issuer of a tenant's OAuth server, in the shape of the real `https://{t}.piam.{region}…`. */
export const issuerOf = (tenant) => `https://${tenant}.piam.emulator.local/oauth/token`;

/**
 * The `expires_in` field as configured: default lifetime - 1 (what the real service sends),
 * a number or string override, or undefined when the override is "missing".
 */
function expiresInField(config) {
  if (config.expiresIn === null || config.expiresIn === undefined) return config.lifetimeSec - 1;
  if (config.expiresIn === 'missing') return undefined;
  return config.expiresIn;
}

/**
 * One signed JWT and the response fields around it.
 * `expired: true` backdates it so that exp is a minute in the past and expires_in is 0;
 * `forge: { kind, issuer? }` makes it one of the forged tokens of forge.mjs.
 */
function mint({ keys, jku, clientId, ten, zid, scopes, config, expired, forge, now }) {
  const uuid = randomUUID();
  const nowSec = Math.floor(now / 1000);
  const exp = expired ? nowSec - 60 : nowSec + config.lifetimeSec;
  const iat = exp - config.lifetimeSec;
  const claims = {
    jti: uuid.replaceAll('-', ''), // 32 hex digits like the real claim; the response carries the dashed form
    sub: clientId,
    scope: [...scopes],
    client_id: clientId,
    cid: clientId,
    azp: clientId,
    grant_type: 'client_credentials',
    rev_sig: createHash('sha256').update(clientId).digest('hex').slice(0, 8),
    iat,
    exp,
    iss: issuerOf(zid),
    zid, // the identity zone: the tenant whose OAuth server issued the token
    aud: [clientId],
    ten,
    schemas: ['urn:siemens:mindsphere:iam:v1'],
    cat: 'client-token:v1',
  };
  const header = { alg: 'RS256', kid: keys.kid, typ: 'JWT', jku };
  const accessToken = forge ? forgeToken(forge.kind, header, claims, keys, forge) : keys.sign(header, claims);
  const expiresIn = expired ? 0 : expiresInField(config);
  return {
    access_token: accessToken,
    token_type: 'bearer',
    ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
    scope: scopes.join(' '), // space-separated here, an array inside the JWT
    jti: uuid,
  };
}

/** A TMS token response for `tenant` on behalf of `app`. */
export function issueToken({ keys, jku, app, tenant, config, expired = false, forge = null, now = Date.now() }) {
  // Tokens issued for a user tenant carry a client id prefixed with that tenant, as in the samples.
  const clientId = `${tenant}-${app.name}-${app.version}`;
  const { access_token: accessToken, token_type: tokenType, ...rest } =
    mint({ keys, jku, clientId, ten: tenant, zid: tenant, scopes: SCOPES, config, expired, forge, now });
  // TMS also sends a string of epoch milliseconds, unrelated to the JWT's iat.
  return { access_token: accessToken, token_type: tokenType, timestamp: String(now), ...rest };
}

/**
 * A tenant OAuth server's client_credentials response for tenant service credentials.
 * With `subTenant` (impersonation) the token acts in the subtenant: `ten` is the subtenant,
 * while `iss` and `zid` stay those of the parent tenant, whose server issued it.
 */
export function issueTenantToken({ keys, jku, client, subTenant = null, config, expired = false, forge = null, now = Date.now() }) {
  const scopes = client.subTenants.length ? [...TENANT_SCOPES, IMPERSONATION_SCOPE] : TENANT_SCOPES;
  return mint({
    keys, jku, clientId: client.clientId, ten: subTenant ?? client.tenant, zid: client.tenant, scopes, config, expired, forge, now,
  });
}
