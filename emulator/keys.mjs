// The key ring behind /token_keys: several published RSA keys, one of which signs, plus
// rotation. The real JWKS lists more than one key and clients must match by kid (the vendor's
// SDK reads keys[0]), so the signing key is never listed first, nor last.
//
// Layout of the published list: key-id-0 (never signs), every own key still listed (former
// signing keys, oldest first, then the current one), key-id-2 (never signs).
//  - The signing key of a start is fresh: tokens of an earlier run must not verify in a later one.
//  - rotate(): a new key (key-id-3, key-id-4, …) signs from now on. Former signing keys stay
//    listed, so tokens issued before keep verifying, until a rotation with retire: true drops
//    them. publish: false keeps the new key out of the list until publish(): the "token with
//    a kid the JWKS does not (yet) have" case.
//  - The forger key is never published: tokens it signs carry a listed kid and do not verify.
//  - decoys: false publishes the own keys only (one key until a rotation), for clients that read
//    keys[0] whatever its kid (the vendor's SDK in the benchmark).
import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

import { signRs256, verifyRs256 } from './jwt.mjs';

const generate = promisify(generateKeyPair);

async function newKey(kid) {
  const { publicKey, privateKey } = await generate('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  // Both forms are published: the vendor SDK reads `value` as a PEM public key (SPKI).
  return { kid, publicKey, privateKey, n: jwk.n, e: jwk.e, pem: publicKey.export({ type: 'spki', format: 'pem' }) };
}

// Keys that never sign (the decoys) and the forger key are the same for every emulator in a
// process: they only need to exist, and 2048-bit key generation costs ~200 ms each.
let shared = null;
const sharedKeys = () => {
  shared ??= Promise.all([newKey('key-id-0'), newKey('key-id-2'), newKey('forger')]).then(([first, last, forger]) => ({
    first: { ...first, privateKey: null },
    last: { ...last, privateKey: null },
    forger,
  }));
  return shared;
};

const jwkEntry = (k) => ({ kty: 'RSA', e: k.e, n: k.n, kid: k.kid, alg: 'RS256', use: 'sig', value: k.pem });

export async function createKeyRing({ decoys = true } = {}) {
  const [{ first, last, forger }, initial] = await Promise.all([sharedKeys(), newKey('key-id-1')]);
  let serial = 2; // the last kid number handed out; decoys took 0 and 2
  let own = [{ ...initial, listed: true }]; // keys this emulator signed with, oldest first
  let current = own[0];

  const ownKey = (kid) => own.find((k) => k.kid === kid) ?? null;

  return {
    /** The kid the next token is signed with. */
    get kid() {
      return current.kid;
    },
    /** PEM of the signing key: the "secret" of the HS256-with-public-key forgery. */
    get signingPem() {
      return current.pem;
    },
    /** A private key that matches no published key. */
    forgerPrivateKey: forger.privateKey,

    sign(header, claims) {
      return signRs256(header, claims, current.privateKey);
    },

    /** Accepts tokens of every own key still held (listed or not yet published); see jwt.mjs. */
    verify(token, nowSec) {
      return verifyRs256(token, (kid) => (kid === undefined ? current : ownKey(kid))?.publicKey ?? null, nowSec);
    },

    /** The /token_keys body. */
    tokenKeys() {
      const listed = own.filter((k) => k.listed);
      return { keys: (decoys ? [first, ...listed, last] : listed).map(jwkEntry) };
    },

    /** A new signing key; { publish = true, retire = false } as described above. */
    async rotate({ publish = true, retire = false } = {}) {
      serial += 1; // taken before the await, so concurrent rotations get distinct kids
      const key = { ...(await newKey(`key-id-${serial}`)), listed: publish };
      if (retire) own = [];
      own.push(key);
      current = key;
      return this.view();
    },

    /** Lists every own key not yet published. */
    publish() {
      for (const k of own) k.listed = true;
      return this.view();
    },

    /** What the control plane shows: kids only, never key material. */
    view() {
      const role = (k) => (k === current ? 'signing' : 'previous');
      const mine = own.map((k) => ({ kid: k.kid, role: role(k), listed: k.listed }));
      const decoy = (k) => ({ kid: k.kid, role: 'decoy', listed: true });
      return { signingKid: current.kid, keys: decoys ? [decoy(first), ...mine, decoy(last)] : mine };
    },
  };
}
