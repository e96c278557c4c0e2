// Tokens that look issued but must fail a careful client's checks, one check each: the
// signature (wrong key under a listed kid, unknown kid, alg none, HS256 keyed with the public
// key) or the claims and header a client validates (iss, iat, typ). Every other part of such a
// token is what a genuine one would carry, so a client that passes one of them skipped exactly
// that check.
import { createHmac } from 'node:crypto';

import { b64url, signingInput, signRs256 } from './jwt.mjs';

export const FORGED_KINDS = Object.freeze(['badSignature', 'unknownKid', 'algNone', 'algHS256', 'wrongIssuer', 'futureIat', 'wrongTyp']);

// A day ahead: far beyond any sane clock tolerance (the client's default is 300 s).
const FUTURE_IAT_SEC = 86_400;
// Not a URL at all, so even a client that accepts any http(s) issuer refuses it.
export const DEFAULT_WRONG_ISSUER = 'wrong-issuer';

/**
 * The compact JWT for `kind`, given the header and claims a genuine token would have.
 * `keys` is the key ring; `issuer` overrides the wrong iss.
 */
export function forgeToken(kind, header, claims, keys, { issuer } = {}) {
  switch (kind) {
    case 'badSignature':
      return signRs256(header, claims, keys.forgerPrivateKey);
    case 'unknownKid':
      return signRs256({ ...header, kid: 'key-id-unknown' }, claims, keys.forgerPrivateKey);
    case 'algNone':
      return `${signingInput({ ...header, alg: 'none' }, claims)}.`;
    case 'algHS256': {
      // The classic confusion attack: HMAC keyed with the published PEM.
      const input = signingInput({ ...header, alg: 'HS256' }, claims);
      return `${input}.${b64url(createHmac('sha256', keys.signingPem).update(input).digest())}`;
    }
    case 'wrongIssuer':
      return keys.sign(header, { ...claims, iss: issuer ?? DEFAULT_WRONG_ISSUER });
    case 'futureIat': {
      const lifetime = claims.exp - claims.iat;
      const iat = claims.iat + FUTURE_IAT_SEC;
      return keys.sign(header, { ...claims, iat, exp: iat + lifetime }); // iat stays before exp
    }
    case 'wrongTyp':
      return keys.sign({ ...header, typ: 'JOSE' }, claims);
    default:
      throw new Error(`not a forged kind: ${kind}`);
  }
}
