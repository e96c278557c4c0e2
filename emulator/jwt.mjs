// RS256 JWT encoding, signing and verification with node:crypto only. Which key signs and which
// keys are published is the key ring's business (keys.mjs); this file knows no key.
import { sign, verify } from 'node:crypto';

// Node's "base64url" encoding has no padding, as JWTs require.
export const b64url = (data) => Buffer.from(data).toString('base64url');
const B64URL_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** "base64url(header).base64url(claims)", the part a signature covers. */
export const signingInput = (header, claims) => `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;

/** A compact RS256 JWS (RSASSA-PKCS1-v1_5 with SHA-256). */
export function signRs256(header, claims, privateKey) {
  const input = signingInput(header, claims);
  return `${input}.${b64url(sign('sha256', Buffer.from(input), privateKey))}`;
}

function decodeJsonSegment(segment) {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Verifies signature, algorithm and expiry; `publicKeyFor(kid)` returns the key for a kid (kid
 * undefined: the current signing key) or null. Returns { ok: true, header, claims } or
 * { ok: false, reason } where reason is a short text that never contains the token.
 */
export function verifyRs256(token, publicKeyFor, nowSec = Math.floor(Date.now() / 1000)) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || !parts.every((p) => B64URL_SEGMENT.test(p))) return { ok: false, reason: 'not a JWT' };
  const [h, c, s] = parts;
  const header = decodeJsonSegment(h);
  if (!header) return { ok: false, reason: 'unreadable JWT header' };
  // Checking alg before anything else closes the "alg: none" and HS256-with-public-key tricks.
  if (header.alg !== 'RS256') return { ok: false, reason: 'unsupported JWT algorithm' };
  const publicKey = publicKeyFor(header.kid);
  if (!publicKey) return { ok: false, reason: 'unknown signing key' };
  if (!verify('sha256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url'))) {
    return { ok: false, reason: 'invalid token signature' };
  }
  const claims = decodeJsonSegment(c);
  if (!claims) return { ok: false, reason: 'unreadable JWT claims' };
  if (typeof claims.exp !== 'number') return { ok: false, reason: 'token has no expiry' };
  if (claims.exp <= nowSec) return { ok: false, reason: 'token expired' };
  return { ok: true, header, claims };
}
