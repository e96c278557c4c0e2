// Tests of the TMS emulator over real HTTP: node --test tests/emulator/emulator.test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { startEmulator } from '../../emulator/server.mjs';
import { BASE, client, decodeJwt, sleep, start, waitFor } from './helpers.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const nowSec = () => Math.floor(Date.now() / 1000);
const isJwt = (s) => typeof s === 'string' && s.split('.').length === 3 && s.startsWith('eyJ');
const parses = (text) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('startup', () => {
  it('listens on 127.0.0.1 and returns credentials of the default app', async (t) => {
    const api = await start(t);
    assert.match(api.emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(api.emu.url, `http://127.0.0.1:${api.emu.port}`);
    assert.deepEqual(Object.keys(api.c).sort(), ['appName', 'appVersion', 'clientId', 'clientSecret', 'gateway', 'hostTenant']);
    assert.equal(api.c.clientId, 'operator-kpi-calculator-1.0.0');
    assert.match(api.c.clientSecret, /^dev-secret-[0-9a-f]{32}$/);
    assert.equal(api.c.gateway, api.emu.url);
    assert.equal(api.emu.state.tenants.length, 12);
    assert.equal(api.emu.state.tenants[0], 'tenant001');
  });

  it('refuses non-loopback hosts and bad options', async () => {
    await assert.rejects(startEmulator({ host: '0.0.0.0' }), /loopback/);
    await assert.rejects(startEmulator({ batchLimit: 0 }), /batchLimit/);
    await assert.rejects(startEmulator({ tenants: ['a', 'a'] }), /tenants/);
  });

  it('accepts an array of tenant ids and several apps', async (t) => {
    const apps = [{}, { name: 'other', version: '2.0.0', hostTenant: 'host2', clientSecret: 's2' }];
    const api = await start(t, { tenants: ['alpha', 'beta'], apps });
    const basic2 = `Basic ${Buffer.from('host2-other-2.0.0:s2').toString('base64')}`;
    const r = await api.req('POST', `${BASE}/oauth/token`, {
      headers: { 'x-space-auth-key': basic2 },
      json: { appName: 'other', appVersion: '2.0.0', hostTenant: 'host2', userTenant: 'beta' },
    });
    assert.equal(r.status, 200);
    assert.equal(decodeJwt(r.json.access_token).claims.ten, 'beta');
    // the first app's credentials cannot ask for the second app
    const wrong = await api.token('alpha', { extra: { appName: 'other', appVersion: '2.0.0', hostTenant: 'host2' } });
    assert.equal(wrong.status, 403);
  });
});

describe('POST /oauth/token', () => {
  it('issues a token response and a JWT shaped like the real ones', async (t) => {
    const api = await start(t);
    const r = await api.token('tenant003');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.deepEqual(Object.keys(r.json), ['access_token', 'token_type', 'timestamp', 'expires_in', 'scope', 'jti']);
    assert.equal(r.json.token_type, 'bearer');
    assert.match(r.json.timestamp, /^\d{13}$/);
    assert.equal(r.json.expires_in, 1799);
    assert.match(r.json.scope, /^\S+( \S+)+$/);
    assert.match(r.json.jti, UUID);

    const jwt = r.json.access_token;
    assert.doesNotMatch(jwt, /[=+/]/, 'base64url without padding');
    const { header, claims } = decodeJwt(jwt);
    assert.deepEqual(header, { alg: 'RS256', kid: 'key-id-1', typ: 'JWT', jku: `${api.emu.url}/token_keys` });
    assert.deepEqual(Object.keys(claims), ['jti', 'sub', 'scope', 'client_id', 'cid', 'azp', 'grant_type', 'rev_sig',
      'iat', 'exp', 'iss', 'zid', 'aud', 'ten', 'schemas', 'cat']);
    assert.equal(claims.ten, 'tenant003');
    assert.equal(claims.zid, 'tenant003');
    assert.equal(claims.iss, 'https://tenant003.piam.emulator.local/oauth/token');
    assert.equal(claims.grant_type, 'client_credentials');
    assert.equal(claims.exp - claims.iat, 1800);
    assert.ok(Math.abs(claims.iat - nowSec()) <= 2);
    assert.deepEqual(claims.scope, r.json.scope.split(' '));
    assert.ok(Array.isArray(claims.aud));
    assert.deepEqual(claims.schemas, ['urn:siemens:mindsphere:iam:v1']);
    assert.equal(claims.cat, 'client-token:v1');
    assert.equal(claims.jti, r.json.jti.replaceAll('-', ''));
  });

  it('issues the operator token when hostTenant == userTenant, and tolerates grant_type', async (t) => {
    const api = await start(t);
    const r = await api.token('operator', { extra: { grant_type: 'client_credentials' } });
    assert.equal(r.status, 200);
    assert.equal(decodeJwt(r.json.access_token).claims.ten, 'operator');
  });

  it('accepts the Basic scheme case-insensitively', async (t) => {
    const api = await start(t);
    assert.equal((await api.token('tenant001', { auth: api.basic.replace('Basic', 'basic') })).status, 200);
  });

  it('rejects the Bearer scheme, wrong secrets, unknown ids and a missing header with 401, echoing nothing', async (t) => {
    const api = await start(t);
    const b64 = api.basic.slice('Basic '.length);
    const wrong = `Basic ${Buffer.from(`${api.c.clientId}:not-the-secret`).toString('base64')}`;
    const unknown = `Basic ${Buffer.from(`someone:${api.c.clientSecret}`).toString('base64')}`;
    for (const auth of [`Bearer ${b64}`, wrong, unknown, b64, '']) {
      const r = auth === ''
        ? await api.req('POST', `${BASE}/oauth/token`, { json: api.tokenBody('tenant001') })
        : await api.token('tenant001', { auth });
      assert.equal(r.status, 401, auth);
      assert.equal(r.json.error, 'unauthorized');
      assert.equal(typeof r.json.error_description, 'string');
      for (const secret of [api.c.clientSecret, b64, 'not-the-secret', api.c.clientId]) {
        assert.ok(!r.text.includes(secret), 'error body must not echo credentials');
      }
    }
  });

  it('validates the body: invalid JSON, missing or empty fields, non-objects → 400; wrong media type → 415', async (t) => {
    const api = await start(t);
    const post = (body, contentType = 'application/json') => api.req('POST', `${BASE}/oauth/token`, {
      headers: { 'x-space-auth-key': api.basic, 'content-type': contentType }, body,
    });
    assert.equal((await post('{"appName":')).status, 400);
    assert.equal((await post('')).status, 400);
    assert.equal((await post('[]')).status, 400);
    assert.equal((await post('"x"')).status, 400);
    for (const field of ['appName', 'appVersion', 'hostTenant', 'userTenant']) {
      const body = api.tokenBody('tenant001');
      delete body[field];
      const r = await post(JSON.stringify(body));
      assert.equal(r.status, 400, field);
      assert.match(r.json.error_description, new RegExp(field));
      assert.equal((await post(JSON.stringify({ ...api.tokenBody('tenant001'), [field]: '' }))).status, 400);
    }
    assert.equal((await post(JSON.stringify(api.tokenBody('tenant001')), 'text/plain')).status, 415);
    assert.equal((await post(JSON.stringify(api.tokenBody('tenant001')), 'application/json; charset=utf-8')).status, 200);
  });

  it('answers 403 for another app, another host tenant or an unauthorized user tenant', async (t) => {
    const api = await start(t);
    assert.equal((await api.token('tenant001', { extra: { appName: 'other-app' } })).status, 403);
    assert.equal((await api.token('tenant001', { extra: { appVersion: '9.9.9' } })).status, 403);
    assert.equal((await api.token('tenant001', { extra: { hostTenant: 'tenant002' } })).status, 403);
    const r = await api.token('not-a-customer');
    assert.equal(r.status, 403);
    assert.equal(r.json.error, 'access_denied');
  });

  it('answers 404 for unknown paths and 405 for wrong methods', async (t) => {
    const api = await start(t);
    assert.equal((await api.req('GET', `${BASE}/nope`)).status, 404);
    const r = await api.req('GET', `${BASE}/oauth/token`);
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST');
  });
});

describe('POST /oauthTokens', () => {
  it('issues one token per requested tenant, each with the right ten claim', async (t) => {
    const api = await start(t);
    const ids = ['tenant001', 'tenant002', 'tenant003', 'tenant004', 'operator'];
    const r = await api.batch(ids);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.oauthTokens.map((e) => e.userTenantId), ids);
    for (const { userTenantId, token } of r.json.oauthTokens) {
      assert.deepEqual(Object.keys(token), ['access_token', 'token_type', 'timestamp', 'expires_in', 'scope', 'jti']);
      assert.equal(decodeJwt(token.access_token).claims.ten, userTenantId);
    }
    assert.equal(new Set(r.json.oauthTokens.map((e) => e.token.jti)).size, ids.length);
  });

  it('rejects more than batchLimit ids with 400 (default 5, configurable at start)', async (t) => {
    const api = await start(t);
    const six = ['tenant001', 'tenant002', 'tenant003', 'tenant004', 'tenant005', 'tenant006'];
    const r = await api.batch(six);
    assert.equal(r.status, 400);
    assert.match(r.json.error_description, /5/);
    const two = await start(t, { batchLimit: 2 });
    assert.equal((await two.batch(['tenant001', 'tenant002'])).status, 200);
    assert.equal((await two.batch(['tenant001', 'tenant002', 'tenant003'])).status, 400);
  });

  it('omits unauthorized tenants and issues the rest', async (t) => {
    const api = await start(t);
    const r = await api.batch(['tenant001', 'stranger', 'tenant002', 'tenant001']);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.oauthTokens.map((e) => e.userTenantId), ['tenant001', 'tenant002']);
    const none = await api.batch(['stranger']);
    assert.deepEqual(none.json, { oauthTokens: [] });
  });

  it('validates auth and body like /oauth/token', async (t) => {
    const api = await start(t);
    assert.equal((await api.batch(['tenant001'], { auth: api.basic.replace('Basic', 'Bearer') })).status, 401);
    assert.equal((await api.batch(['tenant001'], { extra: { hostTenantId: 'tenant001' } })).status, 403);
    assert.equal((await api.batch(['tenant001'], { extra: { appName: 'x' } })).status, 403);
    assert.equal((await api.batch([])).status, 400);
    assert.equal((await api.batch('tenant001')).status, 400);
    assert.equal((await api.batch([1, 2])).status, 400);
    assert.equal((await api.batch(['tenant001'], { extra: { hostTenantId: undefined } })).status, 400);
  });
});

describe('GET /userTenants', () => {
  it('pages through 230 tenants 100 at a time: 3 pages', async (t) => {
    const api = await start(t, { tenants: 230 });
    const token = await api.accessToken();
    const seen = [];
    const sizes = [];
    for (let page = 0; ; page++) {
      const r = await api.userTenants(token, `?page=${page}&size=100`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.json.page, { size: 100, totalElements: 230, totalPages: 3, number: page });
      sizes.push(r.json.userTenants.length);
      seen.push(...r.json.userTenants.map((u) => u.id));
      if (page + 1 >= r.json.page.totalPages) break;
    }
    assert.deepEqual(sizes, [100, 100, 30]);
    assert.deepEqual(seen, Array.from({ length: 230 }, (_, i) => `tenant${String(i + 1).padStart(3, '0')}`));
    assert.ok(!seen.includes('operator'), 'the host tenant is not a user tenant');
  });

  it('defaults page=0 and size=pageSize, clamps larger sizes, accepts smaller ones', async (t) => {
    const api = await start(t, { tenants: 230 });
    const token = await api.accessToken();
    const dflt = await api.userTenants(token);
    assert.deepEqual(dflt.json.page, { size: 100, totalElements: 230, totalPages: 3, number: 0 });
    const big = await api.userTenants(token, '?size=500');
    assert.equal(big.json.page.size, 100);
    assert.equal(big.json.userTenants.length, 100);
    const small = await api.userTenants(token, '?size=50&page=4');
    assert.deepEqual(small.json.page, { size: 50, totalElements: 230, totalPages: 5, number: 4 });
    assert.deepEqual(small.json.userTenants.map((u) => u.id), Array.from({ length: 30 }, (_, i) => `tenant${201 + i}`));
    const beyond = await api.userTenants(token, '?page=3');
    assert.equal(beyond.status, 200);
    assert.deepEqual(beyond.json.userTenants, []);
    for (const q of ['?page=-1', '?size=0', '?size=abc', '?page=1.5']) {
      assert.equal((await api.userTenants(token, q)).status, 400, q);
    }
  });

  it('needs an unexpired operator token of this emulator: 401 otherwise, 403 for a user tenant token', async (t) => {
    const api = await start(t);
    const missing = await api.userTenants(null);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate'), /^Bearer/);
    assert.equal((await api.userTenants('garbage')).status, 401);
    const basic = await api.req('GET', `${BASE}/userTenants`, { headers: { authorization: api.basic } });
    assert.equal(basic.status, 401);

    const userToken = await api.accessToken('tenant001');
    const denied = await api.userTenants(userToken);
    assert.equal(denied.status, 403);

    // same claims, signed by a key the emulator does not know
    const operatorToken = await api.accessToken();
    const [h, c] = operatorToken.split('.');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = `${h}.${c}.${rsaSign('sha256', Buffer.from(`${h}.${c}`), privateKey).toString('base64url')}`;
    assert.equal((await api.userTenants(forged)).status, 401);
    // "alg: none" with the signature stripped
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${c}.`;
    assert.equal((await api.userTenants(none)).status, 401);
    // tampered claims
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(operatorToken).claims, ten: 'x' })).toString('base64url')}.${operatorToken.split('.')[2]}`;
    assert.equal((await api.userTenants(tampered)).status, 401);

    assert.equal((await api.userTenants(operatorToken)).status, 200);
  });

  it('rejects an expired operator token with 401', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'token', kind: 'expired' });
    const expired = (await api.token()).json.access_token;
    assert.ok(decodeJwt(expired).claims.exp < nowSec());
    assert.equal((await api.userTenants(expired)).status, 401);
  });
});

describe('GET /token_keys', () => {
  it('publishes the public key that verifies issued tokens (PEM value and JWK)', async (t) => {
    const api = await start(t);
    const r = await api.req('GET', '/token_keys');
    assert.equal(r.status, 200);
    // several keys, matched by kid: the signing key is the second (jwks.test.mjs has the rest)
    assert.equal(r.json.keys.length, 3);
    const key = r.json.keys[1];
    assert.deepEqual(Object.keys(key).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use', 'value']);
    assert.equal(key.kty, 'RSA');
    assert.equal(key.alg, 'RS256');
    assert.equal(key.kid, 'key-id-1');
    assert.match(key.value, /^-----BEGIN PUBLIC KEY-----\n/);

    const jwt = await api.accessToken('tenant002');
    const [h, c, s] = jwt.split('.');
    const pem = createPublicKey(key.value);
    assert.ok(rsaVerify('sha256', Buffer.from(`${h}.${c}`), pem, Buffer.from(s, 'base64url')));
    assert.ok(!rsaVerify('sha256', Buffer.from(`${h}.${c}x`), pem, Buffer.from(s, 'base64url')));
    const jwk = createPublicKey({ key: { kty: 'RSA', n: key.n, e: key.e }, format: 'jwk' });
    assert.equal(jwk.export({ type: 'spki', format: 'pem' }), key.value);
    assert.equal(decodeJwt(jwt).header.jku, `${api.emu.url}/token_keys`);
  });

  it('lives at the server root only', async (t) => {
    const api = await start(t);
    assert.equal((await api.req('GET', `${BASE}/token_keys`)).status, 404);
  });
});

describe('GET /api/kpi/v1/tenants/{tenant}/kpis', () => {
  it('serves deterministic KPIs to a token of the same tenant', async (t) => {
    const api = await start(t);
    const token = await api.accessToken('tenant001');
    const a = await api.kpi('tenant001', token);
    assert.equal(a.status, 200);
    assert.equal(a.json.tenant, 'tenant001');
    assert.ok(!Number.isNaN(Date.parse(a.json.computedAt)));
    const { oee, availability, performance, quality } = a.json.kpis;
    for (const v of [oee, availability, performance, quality]) assert.ok(v > 0 && v <= 1);
    assert.ok(Math.abs(oee - availability * performance * quality) < 0.001);
    const b = await api.kpi('tenant001', await api.accessToken('tenant001'));
    assert.deepEqual(b.json.kpis, a.json.kpis);
    // a new emulator (new keys) gives the same values: deterministic per tenant name
    const other = await start(t);
    assert.deepEqual((await other.kpi('tenant001', await other.accessToken('tenant001'))).json.kpis, a.json.kpis);
    const c = await api.kpi('tenant002', await api.accessToken('tenant002'));
    assert.notDeepEqual(c.json.kpis, a.json.kpis);
  });

  it('answers 403 to another tenant\'s token and 401 to missing, invalid or expired tokens', async (t) => {
    const api = await start(t);
    assert.equal((await api.kpi('tenant001', await api.accessToken('tenant002'))).status, 403);
    assert.equal((await api.kpi('tenant001', await api.accessToken('operator'))).status, 403);
    assert.equal((await api.kpi('tenant001', null)).status, 401);
    assert.equal((await api.kpi('tenant001', 'not.a.jwt')).status, 401);
    await api.faults({ endpoint: 'token', kind: 'expired' });
    const expired = (await api.token('tenant001')).json.access_token;
    assert.equal((await api.kpi('tenant001', expired)).status, 401);
  });
});

describe('faults', () => {
  it('429 with Retry-After in seconds or as an HTTP-date, then back to normal', async (t) => {
    const api = await start(t);
    const date = new Date(Date.now() + 5000).toUTCString();
    await api.faults({ endpoint: 'token', kind: '429', retryAfter: '2' }, { endpoint: 'token', kind: '429', retryAfter: date });
    const first = await api.token();
    assert.equal(first.status, 429);
    assert.equal(first.headers.get('retry-after'), '2');
    assert.ok(Array.isArray(first.json.errors));
    const second = await api.token();
    assert.equal(second.status, 429);
    assert.equal(second.headers.get('retry-after'), date);
    assert.equal((await api.token()).status, 200);
    await api.faults({ endpoint: 'token', kind: '429' });
    const bare = await api.token();
    assert.equal(bare.status, 429);
    assert.equal(bare.headers.get('retry-after'), null);
  });

  for (const code of ['500', '502', '503']) {
    it(`${code} with an HTML gateway body`, async (t) => {
      const api = await start(t);
      await api.faults({ endpoint: 'batch', kind: code });
      const r = await api.batch(['tenant001']);
      assert.equal(r.status, Number(code));
      assert.match(r.headers.get('content-type'), /^text\/html/);
      assert.match(r.text, new RegExp(`<title>${code} `));
      assert.ok(!parses(r.text));
      assert.equal((await api.batch(['tenant001'])).status, 200);
    });
  }

  it('401 like the gateway, even with valid credentials', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'token', kind: '401' });
    const r = await api.token();
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'token_validation_failed');
  });

  it('hang: no response; the socket is destroyed when the client goes away', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'token', kind: 'hang' });
    const started = Date.now();
    await assert.rejects(api.token('tenant001', { signal: AbortSignal.timeout(300) }), (err) => ['TimeoutError', 'AbortError'].includes(err.name));
    assert.ok(Date.now() - started >= 250);
    const entry = await waitFor(async () => (await api.stats()).log.find((e) => e.status === 'hang' && e.durationMs !== null));
    assert.equal(entry.fault, 'hang');
    assert.equal(entry.endpoint, 'token');
    assert.equal((await api.token()).status, 200, 'count 1: the next request is answered');
  });

  it('hang: the server gives up after hangMs (capped at 120 s) by destroying the socket', async (t) => {
    const api = await start(t, { hangMs: 300 });
    await api.faults({ endpoint: 'userTenants', kind: 'hang' });
    const started = Date.now();
    await assert.rejects(api.userTenants('whatever'), TypeError);
    assert.ok(Date.now() - started >= 250);
    assert.equal(api.emu.state.faults.list().length, 0);
    const big = await start(t, { hangMs: 10 * 60 * 1000 });
    assert.equal((await big.req('GET', '/_emulator/stats')).status, 200);
  });

  it('reset: the connection is destroyed without a response', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'kpi', kind: 'reset' });
    await assert.rejects(api.kpi('tenant001', 'x'), TypeError);
    const stats = await api.stats();
    assert.equal(stats.requests.kpi, 1);
    assert.equal(stats.log.at(-1).status, 'reset');
    assert.equal(stats.log.at(-1).fault, 'reset');
  });

  it('malformed: 200 with a body that is not JSON', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'token', kind: 'malformed' });
    const r = await api.token();
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /application\/json/);
    assert.ok(!parses(r.text));
    assert.ok(r.text.length > 100);
  });

  it('truncated: 200 with JSON cut in the middle', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'batch', kind: 'truncated' });
    const r = await api.batch(['tenant001', 'tenant002']);
    assert.equal(r.status, 200);
    assert.ok(r.text.startsWith('{"oauthTokens":[{"userTenantId":"tenant001"'));
    assert.ok(!parses(r.text));
    assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(r.text));
  });

  it('notjwt: access_token is not a JWT (token and batch)', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'token', kind: 'notjwt' }, { endpoint: 'batch', kind: 'notjwt' });
    const one = await api.token();
    assert.equal(one.status, 200);
    assert.ok(!isJwt(one.json.access_token));
    assert.equal(one.json.expires_in, 1799);
    const many = await api.batch(['tenant001', 'tenant002']);
    assert.ok(many.json.oauthTokens.every((e) => !isJwt(e.token.access_token)));
  });

  it('expired: a validly signed token whose exp is past, expires_in 0', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'batch', kind: 'expired', tenant: 'tenant002' });
    const r = await api.batch(['tenant001', 'tenant002']);
    const [fresh, stale] = r.json.oauthTokens;
    assert.equal(fresh.token.expires_in, 1799);
    assert.equal(stale.token.expires_in, 0);
    const claims = decodeJwt(stale.token.access_token).claims;
    assert.equal(claims.ten, 'tenant002');
    assert.ok(claims.exp < nowSec());
    assert.equal(claims.exp - claims.iat, 1800);
    assert.equal((await api.kpi('tenant002', stale.token.access_token)).status, 401);
    assert.equal((await api.kpi('tenant001', fresh.token.access_token)).status, 200);
  });

  it('omitTenant: one requested tenant is missing from the batch', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'batch', kind: 'omitTenant' }, { endpoint: 'batch', kind: 'omitTenant', tenant: 'tenant003' });
    const a = await api.batch(['tenant001', 'tenant002', 'tenant003']);
    assert.equal(a.json.oauthTokens.length, 2);
    const b = await api.batch(['tenant001', 'tenant002', 'tenant003']);
    assert.deepEqual(b.json.oauthTokens.map((e) => e.userTenantId), ['tenant001', 'tenant002']);
    assert.equal((await api.batch(['tenant001', 'tenant002', 'tenant003'])).json.oauthTokens.length, 3);
  });

  it('extraTenant: an entry for a tenant that was not requested, with a valid token of that tenant', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'batch', kind: 'extraTenant' });
    const r = await api.batch(['tenant001']);
    assert.equal(r.json.oauthTokens.length, 2);
    const extra = r.json.oauthTokens.find((e) => e.userTenantId !== 'tenant001');
    assert.ok(extra);
    assert.equal(decodeJwt(extra.token.access_token).claims.ten, extra.userTenantId);
    assert.equal((await api.kpi(extra.userTenantId, extra.token.access_token)).status, 200);
  });

  it('wrongTenant: two requested tenants get each other\'s tokens', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'batch', kind: 'wrongTenant' });
    const single = await api.batch(['tenant001']); // cannot swap one entry: fault stays registered
    assert.equal(decodeJwt(single.json.oauthTokens[0].token.access_token).claims.ten, 'tenant001');
    const r = await api.batch(['tenant001', 'tenant002']);
    const tens = r.json.oauthTokens.map((e) => decodeJwt(e.token.access_token).claims.ten);
    assert.deepEqual(r.json.oauthTokens.map((e) => e.userTenantId), ['tenant001', 'tenant002']);
    assert.deepEqual(tens, ['tenant002', 'tenant001']);
  });

  it('count n, count -1 until cleared, and DELETE', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'token', kind: '500', count: 2 });
    assert.deepEqual([(await api.token()).status, (await api.token()).status, (await api.token()).status], [500, 500, 200]);
    await api.faults({ endpoint: 'token', kind: '503', count: -1 });
    for (let i = 0; i < 4; i++) assert.equal((await api.token()).status, 503);
    const listed = await api.control('GET', 'faults');
    assert.equal(listed.json.faults[0].applied, 4);
    const cleared = await api.control('DELETE', 'faults');
    assert.deepEqual(cleared.json, { faults: [] });
    assert.equal((await api.token()).status, 200);
  });

  it('applies in order of registration; tenant filters; "*" covers the TMS endpoints', async (t) => {
    const api = await start(t);
    const operator = await api.accessToken();
    await api.faults({ endpoint: 'token', kind: '500' }, { endpoint: 'token', kind: '429' });
    assert.deepEqual([(await api.token()).status, (await api.token()).status, (await api.token()).status], [500, 429, 200]);

    await api.faults({ endpoint: 'token', kind: '502', tenant: 'tenant002' });
    assert.equal((await api.token('tenant001')).status, 200);
    assert.equal((await api.token('tenant002')).status, 502);
    assert.equal((await api.token('tenant002')).status, 200);

    await api.faults({ endpoint: '*', kind: '503', count: 3 });
    assert.equal((await api.req('GET', '/token_keys')).status, 200, '"*" leaves token_keys alone');
    assert.equal((await api.token()).status, 503);
    assert.equal((await api.userTenants(operator)).status, 503);
    assert.equal((await api.kpi('tenant001', 'x')).status, 503);
    assert.equal((await api.token()).status, 200);
  });

  it('a post fault waits for a successful response before it is consumed', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'token', kind: 'truncated' });
    const denied = await api.token('tenant001', { auth: 'Basic AAAA' });
    assert.equal(denied.status, 401);
    assert.ok(parses(denied.text));
    const cut = await api.token();
    assert.equal(cut.status, 200);
    assert.ok(!parses(cut.text));
  });

  it('rejects invalid fault definitions with 400 and registers none of them', async (t) => {
    const api = await start(t);
    const bad = [
      { endpoint: 'token', kind: 'teapot' },
      { endpoint: 'nowhere', kind: '500' },
      { endpoint: 'token', kind: 'omitTenant' },
      { endpoint: 'kpi', kind: 'expired' },
      { endpoint: 'token', kind: '500', count: 0 },
      { endpoint: 'token', kind: '500', times: 2 },
      { endpoint: 'token', kind: '429', retryAfter: 'x\r\nSet-Cookie: a=b' },
    ];
    for (const fault of bad) {
      const r = await api.faults({ endpoint: 'token', kind: '500' }, fault);
      assert.equal(r.status, 400, JSON.stringify(fault));
    }
    assert.equal((await api.control('POST', 'faults', { nope: [] })).status, 400);
    assert.equal((await api.req('POST', '/_emulator/faults', { body: '{' })).status, 400);
    assert.deepEqual((await api.control('GET', 'faults')).json.faults, []);
    assert.equal((await api.token()).status, 200);
  });
});

describe('stats and log', () => {
  it('counts every request that reached an endpoint, faulted ones included', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'batch', kind: '500' });
    const operator = await api.accessToken();
    await api.batch(['tenant001']);
    await api.batch(['tenant001']);
    await api.userTenants(operator);
    await api.req('GET', '/token_keys');
    await api.kpi('tenant001', 'bad');
    await api.req('GET', `${BASE}/nope`); // not an endpoint: not counted
    const stats = await api.stats();
    assert.deepEqual(stats.requests, { token: 1, batch: 2, userTenants: 1, tokenKeys: 1, kpi: 1, piam: 0 });
    assert.equal(stats.log.length, 6);
    assert.deepEqual(stats.log.map((e) => e.status), [200, 500, 200, 200, 200, 401]);
    assert.deepEqual(stats.log.map((e) => e.fault), [null, '500', null, null, null, null]);
    assert.deepEqual(stats.log.map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
  });

  it('log entries describe the request without storing credentials or tokens', async (t) => {
    const api = await start(t);
    const issued = [];
    issued.push(await api.accessToken());
    const batch = await api.batch(['tenant001', 'tenant002']);
    issued.push(...batch.json.oauthTokens.map((e) => e.token.access_token));
    await api.userTenants(issued[0], '?page=0&size=10');
    await api.kpi('tenant001', issued[1]);
    const wrongSecret = `Basic ${Buffer.from(`${api.c.clientId}:wrong-secret-value`).toString('base64')}`;
    await api.token('tenant001', { auth: wrongSecret });
    await api.token('tenant001', { auth: api.basic.replace('Basic', 'Bearer') });
    // a careless client putting secrets in the body or query
    await api.token('tenant001', { extra: { client_secret: api.c.clientSecret, note: issued[0] } });
    await api.req('GET', `${BASE}/userTenants?access_token=${issued[0]}`);

    const stats = await api.stats();
    const dump = JSON.stringify(stats) + JSON.stringify((await api.control('GET', 'log?since=0')).json);
    const secrets = [api.c.clientSecret, api.basic, api.basic.slice(6), wrongSecret.slice(6), 'wrong-secret-value',
      ...issued, ...issued.map((tok) => tok.split('.')[2].slice(0, 40))];
    for (const secret of secrets) assert.ok(!dump.includes(secret), `log leaks ${secret.slice(0, 12)}…`);

    const [tok, bat, ut, kpi, wrong, bearer, careless, query] = stats.log;
    assert.deepEqual(Object.keys(bat), ['seq', 'time', 'endpoint', 'method', 'path', 'status', 'userTenants', 'authScheme',
      'authValid', 'contentType', 'body', 'query', 'durationMs', 'fault']);
    assert.equal(tok.endpoint, 'token');
    assert.deepEqual(tok.userTenants, ['operator']);
    assert.equal(bat.endpoint, 'batch');
    assert.equal(bat.method, 'POST');
    assert.equal(bat.path, `${BASE}/oauthTokens`);
    assert.equal(bat.status, 200);
    assert.deepEqual(bat.userTenants, ['tenant001', 'tenant002']);
    assert.equal(bat.authScheme, 'Basic');
    assert.equal(bat.authValid, true);
    assert.equal(bat.contentType, 'application/json');
    assert.deepEqual(bat.body, api.batchBody(['tenant001', 'tenant002']));
    assert.deepEqual(bat.query, {});
    assert.equal(typeof bat.durationMs, 'number');
    assert.ok(!Number.isNaN(Date.parse(bat.time)));
    assert.deepEqual([ut.endpoint, ut.authScheme, ut.authValid, ut.contentType, ut.body], ['userTenants', 'Bearer', true, null, null]);
    assert.deepEqual(ut.query, { page: '0', size: '10' });
    assert.deepEqual([kpi.endpoint, kpi.userTenants, kpi.authValid], ['kpi', ['tenant001'], true]);
    assert.deepEqual([wrong.status, wrong.authScheme, wrong.authValid], [401, 'Basic', false]);
    assert.deepEqual([bearer.status, bearer.authScheme, bearer.authValid], [401, 'Bearer', false]);
    assert.equal(careless.body.client_secret, '[redacted]');
    assert.equal(careless.body.note, '[redacted]');
    assert.equal(query.query.access_token, '[redacted]');
  });

  it('keeps the last 200 entries; /log?since=SEQ returns newer ones', async (t) => {
    const api = await start(t);
    for (let i = 0; i < 205; i++) await api.req('GET', '/token_keys');
    const stats = await api.stats();
    assert.equal(stats.requests.tokenKeys, 205);
    assert.equal(stats.log.length, 200);
    assert.equal(stats.log[0].seq, 6);
    const r = await api.control('GET', 'log?since=203');
    assert.deepEqual(r.json.entries.map((e) => e.seq), [204, 205]);
    assert.equal((await api.control('GET', 'log?since=205')).json.entries.length, 0);
    assert.equal((await api.control('GET', 'log?since=abc')).status, 400);
  });
});

describe('config', () => {
  it('expiresIn: number, string, "missing", null', async (t) => {
    const api = await start(t);
    const expiresIn = async () => {
      const r = await api.token();
      return [Object.hasOwn(r.json, 'expires_in'), r.json.expires_in];
    };
    assert.deepEqual((await api.config({ expiresIn: 60 })).json.expiresIn, 60);
    assert.deepEqual(await expiresIn(), [true, 60]);
    await api.config({ expiresIn: '1799' });
    assert.deepEqual(await expiresIn(), [true, '1799']);
    await api.config({ expiresIn: 'missing' });
    assert.deepEqual(await expiresIn(), [false, undefined]);
    const batch = await api.batch(['tenant001']);
    assert.ok(!Object.hasOwn(batch.json.oauthTokens[0].token, 'expires_in'));
    await api.config({ expiresIn: null });
    assert.deepEqual(await expiresIn(), [true, 1799]);
  });

  it('lifetimeSec, batchLimit and pageSize change at runtime; bad values are refused', async (t) => {
    const api = await start(t, { tenants: 25 });
    const r = await api.config({ lifetimeSec: 600, batchLimit: 2, pageSize: 10 });
    assert.deepEqual(r.json, { latencyMs: 0, batchLimit: 2, pageSize: 10, lifetimeSec: 600, expiresIn: null });
    const tok = await api.token();
    const { claims } = decodeJwt(tok.json.access_token);
    assert.equal(claims.exp - claims.iat, 600);
    assert.equal(tok.json.expires_in, 599);
    assert.equal((await api.batch(['tenant001', 'tenant002', 'tenant003'])).status, 400);
    const page = await api.userTenants(tok.json.access_token, '?size=100');
    assert.deepEqual(page.json.page, { size: 10, totalElements: 25, totalPages: 3, number: 0 });
    for (const patch of [{ batchLimit: 0 }, { pageSize: 1.5 }, { latencyMs: -1 }, { expiresIn: {} }, { batchLimt: 3 }, []]) {
      assert.equal((await api.config(patch)).status, 400, JSON.stringify(patch));
    }
    assert.equal((await api.control('GET', 'config')).json.batchLimit, 2);
  });

  it('latencyMs delays TMS endpoints but not the control plane', async (t) => {
    const api = await start(t);
    await api.config({ latencyMs: 200 });
    let started = Date.now();
    assert.equal((await api.token()).status, 200);
    assert.ok(Date.now() - started >= 190);
    started = Date.now();
    await api.req('GET', '/token_keys');
    assert.ok(Date.now() - started >= 190);
    started = Date.now();
    await api.stats();
    assert.ok(Date.now() - started < 190);
  });
});

describe('reset', () => {
  it('clears counters, log and faults and restores the start config', async (t) => {
    const api = await start(t, { lifetimeSec: 900 });
    await api.token();
    await api.config({ lifetimeSec: 60, expiresIn: 'missing', batchLimit: 1 });
    await api.faults({ endpoint: 'token', kind: '500', count: -1 });
    assert.equal((await api.token()).status, 500);
    const before = await api.stats();
    const r = await api.control('POST', 'reset');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.config, { latencyMs: 0, batchLimit: 5, pageSize: 100, lifetimeSec: 900, expiresIn: null });
    const after = await api.stats();
    assert.deepEqual(after.requests, { token: 0, batch: 0, userTenants: 0, tokenKeys: 0, kpi: 0, piam: 0 });
    assert.deepEqual(after.log, []);
    assert.deepEqual(after.faults, []);
    const tok = await api.token();
    assert.equal(tok.status, 200);
    assert.equal(tok.json.expires_in, 899);
    // sequence numbers keep growing, so a live view polling ?since= sees new entries
    const entries = (await api.control('GET', `log?since=${before.log.at(-1).seq}`)).json.entries;
    assert.equal(entries.length, 1);
  });
});

describe('control plane CORS', () => {
  it('answers preflights and sets Access-Control-Allow-Origin on /_emulator/ only', async (t) => {
    const api = await start(t);
    const pre = await api.req('OPTIONS', '/_emulator/faults', {
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
    assert.match(pre.headers.get('access-control-allow-methods'), /DELETE/);
    assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type');
    assert.equal((await api.control('GET', 'stats')).headers.get('access-control-allow-origin'), '*');
    assert.equal((await api.control('GET', 'nope')).status, 404);
    const tms = await api.token();
    assert.equal(tms.headers.get('access-control-allow-origin'), null);
    assert.equal((await api.req('OPTIONS', `${BASE}/oauth/token`)).status, 405);
  });
});

describe('close', () => {
  // hangMs and the timeout bound the damage if close() regresses: a failure, not a stuck run.
  it('closes promptly with keep-alive, hanging and delayed requests open', { timeout: 10_000 }, async () => {
    const emu = await startEmulator({ hangMs: 3000 });
    const api = client(emu);
    assert.equal((await api.token()).status, 200); // leaves a keep-alive connection
    await api.faults({ endpoint: 'token', kind: 'hang' });
    // assertions attached now: the rejections happen during close(), before they are awaited
    const hanging = assert.rejects(api.token(), TypeError);
    await waitFor(async () => (await api.stats()).log.some((e) => e.status === 'hang'));
    await api.config({ latencyMs: 60_000 });
    const delayed = assert.rejects(api.req('GET', '/token_keys'), TypeError);
    await sleep(50);

    const started = Date.now();
    await emu.close();
    assert.ok(Date.now() - started < 1000, 'close() must not wait for open connections');
    await hanging;
    await delayed;
    await assert.rejects(fetch(`${emu.url}/token_keys`), TypeError);
    await emu.close(); // idempotent
  });
});

describe('command line', () => {
  const serverPath = fileURLToPath(new URL('../../emulator/server.mjs', import.meta.url));

  async function launch(args) {
    const child = spawn(process.execPath, [serverPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    await waitFor(() => stdout.split('\n').length >= 3, 10_000);
    return { child, lines: () => stdout.split('\n').filter(Boolean) };
  }

  for (const signal of ['SIGTERM', 'SIGINT']) {
    it(`prints the URL and credentials, honours its flags, exits 0 on ${signal}`, async () => {
      const { child, lines } = await launch(['--port', '0', '--tenants', '3', '--batch-limit', '2', '--lifetime', '120']);
      try {
        const [first, second] = lines();
        const m = /^TMS emulator listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(first);
        assert.ok(m, first);
        assert.match(second, /^credentials: \{/);
        const creds = JSON.parse(second.slice('credentials: '.length));
        assert.equal(creds.gateway, m[1]);
        const api = client({ url: m[1], credentials: creds });
        assert.equal((await api.batch(['tenant001', 'tenant002', 'tenant003'])).status, 400);
        const tok = await api.token('tenant003');
        assert.equal(tok.json.expires_in, 119);
        assert.equal((await api.token('tenant004')).status, 403);
        child.kill(signal);
        const [code] = await once(child, 'exit');
        assert.equal(code, 0);
        assert.equal(lines().length, 2, 'nothing else on stdout');
      } finally {
        child.kill('SIGKILL');
      }
    });
  }

  it('exits 2 on an unknown flag', async () => {
    const child = spawn(process.execPath, [serverPath, '--bogus'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(stderr, /usage/);
  });
});
