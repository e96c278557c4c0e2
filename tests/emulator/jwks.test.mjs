// Signing keys: several published keys, rotation, forged tokens (node --test tests/emulator/jwks.test.mjs)
import assert from 'node:assert/strict';
import { createHmac, createPublicKey } from 'node:crypto';
import { describe, it } from 'node:test';

import { decodeJwt, start, verifyWithJwks } from './helpers.mjs';

const nowSec = () => Math.floor(Date.now() / 1000);

describe('GET /token_keys: several keys', () => {
  it('lists three RSA keys with kid, kty, alg, use, n, e and a PEM value that agree; the signing key is neither first nor last', async (t) => {
    const api = await start(t);
    const jwks = await api.jwks();
    assert.equal(jwks.keys.length, 3);
    assert.equal(new Set(jwks.keys.map((k) => k.kid)).size, 3);
    for (const key of jwks.keys) {
      assert.deepEqual(Object.keys(key).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use', 'value']);
      assert.deepEqual([key.kty, key.alg, key.use, key.e], ['RSA', 'RS256', 'sig', 'AQAB']);
      assert.match(key.value, /^-----BEGIN PUBLIC KEY-----\n/);
      const fromJwk = createPublicKey({ key: { kty: 'RSA', n: key.n, e: key.e }, format: 'jwk' });
      assert.equal(fromJwk.export({ type: 'spki', format: 'pem' }), key.value, `${key.kid}: PEM and JWK are the same key`);
      assert.equal(fromJwk.asymmetricKeyDetails.modulusLength, 2048);
    }
    const jwt = await api.accessToken('tenant003');
    const { kid } = decodeJwt(jwt).header;
    const index = jwks.keys.findIndex((k) => k.kid === kid);
    assert.equal(index, 1, 'signing key second');
    assert.equal(verifyWithJwks(jwt, jwks), 'ok');
    // a client that takes keys[0] instead of matching the kid fails
    assert.equal(verifyWithJwks(jwt, { keys: [{ ...jwks.keys[0], kid }] }), 'signature');
    assert.deepEqual((await api.control('GET', 'keys')).json, {
      signingKid: 'key-id-1',
      keys: [
        { kid: 'key-id-0', role: 'decoy', listed: true },
        { kid: 'key-id-1', role: 'signing', listed: true },
        { kid: 'key-id-2', role: 'decoy', listed: true },
      ],
    });
    assert.equal((await api.stats()).requests.tokenKeys, 1);
  });

  it('signs with a fresh key per start: a token of one emulator does not verify with another one\'s keys', async (t) => {
    const a = await start(t);
    const b = await start(t);
    const jwt = await a.accessToken();
    assert.equal(verifyWithJwks(jwt, await a.jwks()), 'ok');
    assert.equal(verifyWithJwks(jwt, await b.jwks()), 'signature');
    assert.equal((await b.userTenants(jwt)).status, 401);
  });
});

describe('singleKey', () => {
  it('lists the signing key only (for clients that read keys[0]); a rotation appends the new key', async (t) => {
    const api = await start(t, { singleKey: true });
    const jwks = await api.jwks();
    assert.deepEqual(jwks.keys.map((k) => k.kid), ['key-id-1']);
    assert.equal(verifyWithJwks(await api.accessToken(), jwks), 'ok');
    await api.control('POST', 'keys/rotate');
    assert.deepEqual((await api.jwks()).keys.map((k) => k.kid), ['key-id-1', 'key-id-3']);
    assert.deepEqual((await api.control('GET', 'keys')).json.keys.map((k) => k.role), ['previous', 'signing']);
  });
});

describe('POST /_emulator/keys/rotate', () => {
  it('by default: a new listed signing key; earlier tokens keep verifying', async (t) => {
    const api = await start(t);
    const before = await api.accessToken();
    const r = await api.control('POST', 'keys/rotate');
    assert.equal(r.status, 200);
    assert.equal(r.json.signingKid, 'key-id-3');
    const after = await api.accessToken();
    assert.equal(decodeJwt(after).header.kid, 'key-id-3');
    const jwks = await api.jwks();
    assert.deepEqual(jwks.keys.map((k) => k.kid), ['key-id-0', 'key-id-1', 'key-id-3', 'key-id-2']);
    assert.equal(verifyWithJwks(before, jwks), 'ok');
    assert.equal(verifyWithJwks(after, jwks), 'ok');
    assert.equal((await api.userTenants(before)).status, 200);
    assert.equal((await api.userTenants(after)).status, 200);
    // reset keeps the keys (tokens out there stay valid)
    await api.control('POST', 'reset');
    assert.equal((await api.control('GET', 'keys')).json.signingKid, 'key-id-3');
  });

  it('publish: false signs with a kid the JWKS does not list until POST keys/publish', async (t) => {
    const api = await start(t);
    const r = await api.control('POST', 'keys/rotate', { publish: false });
    assert.deepEqual(r.json.keys.find((k) => k.kid === 'key-id-3'), { kid: 'key-id-3', role: 'signing', listed: false });
    const jwt = await api.accessToken();
    assert.equal(decodeJwt(jwt).header.kid, 'key-id-3');
    assert.equal(verifyWithJwks(jwt, await api.jwks()), 'kid');
    assert.equal((await api.userTenants(jwt)).status, 200, 'still a token of this emulator');
    assert.equal((await api.control('POST', 'keys/publish')).status, 200);
    assert.equal(verifyWithJwks(jwt, await api.jwks()), 'ok');
  });

  it('retire: true drops the earlier keys: their tokens no longer verify; decoys keep the signing key off the edges', async (t) => {
    const api = await start(t);
    const before = await api.accessToken();
    await api.control('POST', 'keys/rotate');
    const middle = await api.accessToken();
    await api.control('POST', 'keys/rotate', { retire: true });
    const after = await api.accessToken();
    const jwks = await api.jwks();
    assert.deepEqual(jwks.keys.map((k) => k.kid), ['key-id-0', 'key-id-4', 'key-id-2']);
    assert.equal(verifyWithJwks(before, jwks), 'kid');
    assert.equal(verifyWithJwks(middle, jwks), 'kid');
    assert.equal(verifyWithJwks(after, jwks), 'ok');
    assert.equal((await api.userTenants(before)).status, 401);
    assert.equal((await api.userTenants(after)).status, 200);
  });

  it('refuses unknown fields and non-boolean values, changing nothing', async (t) => {
    const api = await start(t);
    for (const body of [{ publsh: false }, { publish: 'no' }, [], 'x']) {
      assert.equal((await api.control('POST', 'keys/rotate', body)).status, 400, JSON.stringify(body));
    }
    assert.equal((await api.req('POST', '/_emulator/keys/rotate', { body: '{' })).status, 400);
    assert.equal((await api.control('GET', 'keys')).json.signingKid, 'key-id-1');
    assert.equal((await api.control('GET', 'keys/rotate')).status, 405);
  });
});

describe('forged-token faults', () => {
  // For each kind: what a careful client finds wrong, and that the emulator itself refuses the
  // token where it checks the signature (Bearer endpoints).
  const kinds = {
    badSignature: ({ verdict, header, jwks }) => {
      assert.equal(verdict, 'signature');
      assert.ok(jwks.keys.some((k) => k.kid === header.kid), 'the kid is a listed one');
    },
    unknownKid: ({ verdict, header }) => {
      assert.equal(verdict, 'kid');
      assert.equal(header.kid, 'key-id-unknown');
    },
    algNone: ({ verdict, header, jwt }) => {
      assert.equal(verdict, 'alg');
      assert.equal(header.alg, 'none');
      assert.ok(jwt.endsWith('.'), 'empty signature');
    },
    algHS256: ({ verdict, header, jwt, jwks }) => {
      assert.equal(verdict, 'alg');
      assert.equal(header.alg, 'HS256');
      // it is the confusion attack: the HMAC is keyed with the published PEM of the signing key
      const [h, c, s] = jwt.split('.');
      const pem = jwks.keys[1].value;
      assert.equal(createHmac('sha256', pem).update(`${h}.${c}`).digest('base64url'), s);
    },
    wrongIssuer: ({ verdict, claims }) => {
      assert.equal(verdict, 'ok');
      assert.equal(claims.iss, 'wrong-issuer');
      assert.throws(() => new URL(claims.iss), 'not even a URL');
    },
    futureIat: ({ verdict, claims }) => {
      assert.equal(verdict, 'ok');
      assert.ok(claims.iat > nowSec() + 3600);
      assert.equal(claims.exp - claims.iat, 1800);
    },
    wrongTyp: ({ verdict, header }) => {
      assert.equal(verdict, 'ok');
      assert.equal(header.typ, 'JOSE');
    },
  };

  for (const [kind, check] of Object.entries(kinds)) {
    it(`${kind}: fails exactly its check; genuine tokens before and after`, async (t) => {
      const api = await start(t);
      await api.faults({ endpoint: 'token', kind });
      const r = await api.token();
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.json), ['access_token', 'token_type', 'timestamp', 'expires_in', 'scope', 'jti']);
      const jwt = r.json.access_token;
      const jwks = await api.jwks();
      const { header, claims } = decodeJwt(jwt);
      check({ verdict: verifyWithJwks(jwt, jwks), header, claims, jwt, jwks });
      assert.equal(claims.ten, 'operator', 'claims otherwise genuine');
      const signatureBroken = ['badSignature', 'unknownKid', 'algNone', 'algHS256'].includes(kind);
      assert.equal((await api.userTenants(jwt)).status, signatureBroken ? 401 : 200);
      assert.equal(verifyWithJwks(await api.accessToken(), jwks), 'ok', 'the fault was used up');
      assert.deepEqual((await api.stats()).log.filter((e) => e.endpoint === 'token').map((e) => e.fault), [kind, null]);
    });
  }

  it('in a batch, a tenant filter forges only that tenant\'s entry', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'batch', kind: 'badSignature', tenant: 'tenant002' });
    const r = await api.batch(['tenant001', 'tenant002', 'tenant003']);
    const jwks = await api.jwks();
    assert.deepEqual(r.json.oauthTokens.map((e) => [e.userTenantId, verifyWithJwks(e.token.access_token, jwks)]),
      [['tenant001', 'ok'], ['tenant002', 'signature'], ['tenant003', 'ok']]);
    assert.equal(decodeJwt(r.json.oauthTokens[1].token.access_token).claims.ten, 'tenant002');
  });

  it('issuer overrides the wrong iss (an https URL other than the expected one); only for wrongIssuer', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'token', kind: 'wrongIssuer', issuer: 'https://attacker.piam.example/oauth/token' });
    assert.equal(decodeJwt(await api.accessToken()).claims.iss, 'https://attacker.piam.example/oauth/token');
    assert.equal((await api.faults({ endpoint: 'token', kind: 'futureIat', issuer: 'x' })).status, 400);
    assert.equal((await api.faults({ endpoint: 'kpi', kind: 'badSignature' })).status, 400);
  });
});
