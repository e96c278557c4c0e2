// Builds TMS token responses whose JWTs are shaped like the real ones (see the seed samples),
// so a client that decodes claims (ten, exp, iss…) meets the same structure as in production.
import { createHash, randomUUID } from 'node:crypto';

// A plausible subset of the scopes a TMS technical token carries.
export const SCOPES = Object.freeze([
  'mdsp:core:Admin3rdPartyTechUser',
  'tm.t.r',
  'uts.ri',
  'iam-action.client_credentials.tenant-impersonation',
]);

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
 * Issues one token response for `tenant` on behalf of `app`.
 * `expired: true` backdates it so that exp is a minute in the past and expires_in is 0.
 */
export function issueToken({ keys, jku, app, tenant, config, expired = false, now = Date.now() }) {
  const uuid = randomUUID();
  const nowSec = Math.floor(now / 1000);
  const exp = expired ? nowSec - 60 : nowSec + config.lifetimeSec;
  const iat = exp - config.lifetimeSec;
  // Tokens issued for a user tenant carry a client id prefixed with that tenant, as in the samples.
  const clientId = `${tenant}-${app.name}-${app.version}`;

  const claims = {
    jti: uuid.replaceAll('-', ''), // 32 hex digits like the real claim; the response carries the dashed form
    sub: clientId,
    scope: [...SCOPES],
    client_id: clientId,
    cid: clientId,
    azp: clientId,
    grant_type: 'client_credentials',
    rev_sig: createHash('sha256').update(clientId).digest('hex').slice(0, 8),
    iat,
    exp,
    iss: `https://${tenant}.piam.emulator.local/oauth/token`,
    zid: tenant,
    aud: [clientId],
    ten: tenant,
    schemas: ['urn:siemens:mindsphere:iam:v1'],
    cat: 'client-token:v1',
  };
  const accessToken = keys.sign({ alg: 'RS256', kid: keys.kid, typ: 'JWT', jku }, claims);

  const expiresIn = expired ? 0 : expiresInField(config);
  return {
    access_token: accessToken,
    token_type: 'bearer',
    timestamp: String(now), // a string of epoch milliseconds, as the real service sends
    ...(expiresIn === undefined ? {} : { expires_in: expiresIn }),
    scope: SCOPES.join(' '), // space-separated here, an array inside the JWT
    jti: uuid,
  };
}
