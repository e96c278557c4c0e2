// Credential parsing shared by the TMS routes and the tenant OAuth endpoint (piam).
// Kept apart from the routes so both endpoint files use one implementation of the
// comparisons that must not leak secrets through timing or logs.
import { createHash, timingSafeEqual } from 'node:crypto';

// Only the two schemes the emulator cares about are named; any other first word is logged as
// null because a header without a scheme would otherwise put the secret itself into the log.
function schemeOf(word) {
  if (/^basic$/i.test(word)) return 'Basic';
  if (/^bearer$/i.test(word)) return 'Bearer';
  return null;
}

/** "Basic abc" → { scheme: 'Basic', credential: 'abc' }; anything else → nulls. */
export function splitAuthHeader(value) {
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(value ?? '');
  return match ? { scheme: schemeOf(match[1]), credential: match[2] } : { scheme: null, credential: null };
}

/** base64(id:secret) → { id, secret }; a missing colon means an empty secret. */
export function decodeBasic(credential) {
  const decoded = Buffer.from(credential, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? { id: decoded, secret: '' } : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

// Compare digests so that neither length nor content leaks through timing.
export function sameSecret(a, b) {
  const digest = (s) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
