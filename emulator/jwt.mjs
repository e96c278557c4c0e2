// RS256 JWT signing and verification with node:crypto only.
// One RSA key pair per emulator start: tokens of an earlier run must not verify against a
// later one, which is what a client sees when the real service rotates keys.
import { generateKeyPairSync, sign, verify } from 'node:crypto';

// Node's "base64url" encoding has no padding, as JWTs require.
const b64url = (data) => Buffer.from(data).toString('base64url');
const B64URL_SEGMENT = /^[A-Za-z0-9_-]+$/;

function decodeJsonSegment(segment) {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** Creates a key store: sign(header, claims), verify(token), tokenKeys() (the /token_keys body). */
export function createKeyStore(kid = 'key-id-1') {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  // The vendor SDK reads keys[0].value as a PEM public key (SPKI), so publish both forms.
  const pem = publicKey.export({ type: 'spki', format: 'pem' });

  return {
    kid,

    sign(header, claims) {
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const signature = sign('sha256', Buffer.from(input), privateKey); // RSASSA-PKCS1-v1_5 = RS256
      return `${input}.${b64url(signature)}`;
    },

    /**
     * Verifies signature, algorithm and expiry. Returns { ok: true, header, claims } or
     * { ok: false, reason } where reason is a short text that never contains the token.
     */
    verify(token, nowSec = Math.floor(Date.now() / 1000)) {
      const parts = typeof token === 'string' ? token.split('.') : [];
      if (parts.length !== 3 || !parts.every((p) => B64URL_SEGMENT.test(p))) return { ok: false, reason: 'not a JWT' };
      const [h, c, s] = parts;
      const header = decodeJsonSegment(h);
      if (!header) return { ok: false, reason: 'unreadable JWT header' };
      // Checking alg before anything else closes the "alg: none" and HS256-with-public-key tricks.
      if (header.alg !== 'RS256') return { ok: false, reason: 'unsupported JWT algorithm' };
      if (header.kid !== undefined && header.kid !== kid) return { ok: false, reason: 'unknown signing key' };
      if (!verify('sha256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url'))) {
        return { ok: false, reason: 'invalid token signature' };
      }
      const claims = decodeJsonSegment(c);
      if (!claims) return { ok: false, reason: 'unreadable JWT claims' };
      if (typeof claims.exp !== 'number') return { ok: false, reason: 'token has no expiry' };
      if (claims.exp <= nowSec) return { ok: false, reason: 'token expired' };
      return { ok: true, header, claims };
    },

    tokenKeys() {
      return { keys: [{ kty: 'RSA', e: jwk.e, n: jwk.n, kid, alg: 'RS256', use: 'sig', value: pem }] };
    },
  };
}
