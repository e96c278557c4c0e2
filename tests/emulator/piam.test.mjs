// Tenant service credentials: POST /oauth/token at the server root (node --test tests/emulator/piam.test.mjs)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { startEmulator } from '../../emulator/server.mjs';
import { BASE, decodeJwt, start, verifyWithJwks } from './helpers.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const IMPERSONATE = { grant_type: 'client_credentials', 'iam-action': 'client_credentials.tenant-impersonation' };
const basicOf = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('tenant credentials: configuration', () => {
  it('has service credentials for the host tenant (with subtenants) and for one user tenant', async (t) => {
    const api = await start(t);
    const [host, user] = api.emu.tenantCredentials;
    assert.equal(api.emu.tenantCredentials.length, 2);
    assert.deepEqual({ ...host, clientSecret: '…' }, {
      clientId: 'operator-service-credentials', clientSecret: '…', tenant: 'operator', subTenants: ['subtenant1', 'subtenant2'], gateway: api.emu.url,
    });
    assert.match(host.clientSecret, /^dev-secret-[0-9a-f]{32}$/);
    assert.equal(user.tenant, 'tenant001');
    assert.deepEqual(user.subTenants, []);
    assert.notEqual(host.clientSecret, user.clientSecret);
    assert.notEqual(host.clientSecret, api.c.clientSecret);
  });

  it('secret fixes every client secret; tenantClients replaces the defaults; bad ones are refused', async (t) => {
    const api = await start(t, { secret: 'fixed-Secret_1', tenantClients: [{ tenant: 'acme', clientId: 'acme-sc', subTenants: ['acme-plant'] }] });
    assert.equal(api.c.clientSecret, 'fixed-Secret_1');
    assert.deepEqual(api.emu.tenantCredentials.map((c) => [c.clientId, c.clientSecret, c.tenant, c.subTenants]),
      [['acme-sc', 'fixed-Secret_1', 'acme', ['acme-plant']]]);
    const r = await api.piam({ ...IMPERSONATE, subtenant: 'acme-plant' });
    assert.equal(r.status, 200);
    assert.equal(decodeJwt(r.json.access_token).claims.ten, 'acme-plant');
    for (const bad of [{ secret: 'has space' }, { secret: 'quote"' }, { secret: '' }, { tenantClients: {} },
      { tenantClients: [{}] }, { tenantClients: [{ tenant: 'a', subTenants: ['a'] }] }, { tenantClients: [{ tenant: 'a', scret: 'x' }] },
      { tenantClients: [{ tenant: 'a' }, { tenant: 'a' }] }]) {
      await assert.rejects(startEmulator(bad), /secret|tenant/, JSON.stringify(bad));
    }
  });
});

describe('tenant credentials: POST /oauth/token', () => {
  it('issues a token of the tenant: OAuth response, JWT with ten = tenant, verifiable with /token_keys', async (t) => {
    const api = await start(t);
    const r = await api.piam();
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.json), ['access_token', 'token_type', 'expires_in', 'scope', 'jti']);
    assert.equal(r.json.token_type, 'bearer');
    assert.equal(r.json.expires_in, 1799);
    assert.match(r.json.jti, UUID);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.json.scope, 'mdsp:core:TenantAdmin3rdPartyTechUser iam-action.client_credentials.tenant-impersonation');
    const { header, claims } = decodeJwt(r.json.access_token);
    assert.deepEqual([header.alg, header.typ, header.kid], ['RS256', 'JWT', 'key-id-1']);
    assert.equal(claims.ten, 'operator');
    assert.equal(claims.zid, 'operator');
    // Same issuer shape as the TMS tokens: https://{tenant}.piam.{…}/oauth/token
    assert.equal(claims.iss, 'https://operator.piam.emulator.local/oauth/token');
    assert.equal(claims.iss, decodeJwt(await api.accessToken()).claims.iss);
    assert.equal(claims.client_id, 'operator-service-credentials');
    assert.equal(claims.grant_type, 'client_credentials');
    assert.deepEqual(claims.scope, r.json.scope.split(' '));
    assert.equal(claims.exp - claims.iat, 1800);
    assert.equal(claims.jti, r.json.jti.replaceAll('-', ''));
    assert.equal(verifyWithJwks(r.json.access_token, await api.jwks()), 'ok');

    const user = await api.piam(undefined, { client: api.emu.tenantCredentials[1] });
    assert.equal(user.status, 200);
    assert.equal(decodeJwt(user.json.access_token).claims.ten, 'tenant001');
    assert.equal(user.json.scope, 'mdsp:core:TenantAdmin3rdPartyTechUser'); // no impersonation right
  });

  it('impersonates a subtenant: ten = subtenant, iss and zid stay the parent tenant', async (t) => {
    const api = await start(t);
    const r = await api.piam({ ...IMPERSONATE, subtenant: 'subtenant2' });
    assert.equal(r.status, 200);
    const { claims } = decodeJwt(r.json.access_token);
    assert.equal(claims.ten, 'subtenant2');
    assert.equal(claims.zid, 'operator');
    assert.equal(claims.iss, 'https://operator.piam.emulator.local/oauth/token');
    // field order and extra form fields do not matter; a charset parameter is fine
    const reordered = await api.piam(`subtenant=subtenant1&scope=x&iam-action=client_credentials.tenant-impersonation&grant_type=client_credentials`,
      { contentType: 'application/x-www-form-urlencoded; charset=utf-8' });
    assert.equal(reordered.status, 200);
    assert.equal(decodeJwt(reordered.json.access_token).claims.ten, 'subtenant1');
    const log = (await api.stats()).log;
    assert.deepEqual(log.map((e) => [e.endpoint, e.userTenants, e.authScheme, e.authValid]),
      [['piam', ['subtenant2'], 'Basic', true], ['piam', ['subtenant1'], 'Basic', true]]);
    assert.deepEqual(log[0].body, { ...IMPERSONATE, subtenant: 'subtenant2' });
    // a client that also posts its secret in the form (client_secret_post) does not leak it
    const { clientId, clientSecret } = api.emu.tenantCredentials[0];
    await api.piam({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    const last = (await api.stats()).log.at(-1);
    assert.equal(last.body.client_secret, '[redacted]');
    assert.ok(!JSON.stringify(await api.stats()).includes(clientSecret));
  });

  it('401 bad credentials, 415 wrong content type, 400 bad grant or form, 403 unknown subtenant', async (t) => {
    const api = await start(t);
    const [host, user] = api.emu.tenantCredentials;
    const cases = [
      [401, 'unauthorized', undefined, { auth: basicOf(host.clientId, 'wrong') }],
      [401, 'unauthorized', undefined, { auth: basicOf('nobody', host.clientSecret) }],
      [401, 'unauthorized', undefined, { auth: null }],
      [401, 'unauthorized', undefined, { auth: `Bearer ${await api.accessToken()}` }],
      // app credentials are not tenant credentials
      [401, 'unauthorized', undefined, { auth: api.basic }],
      [415, 'unsupported_media_type', undefined, { contentType: 'application/json' }],
      [415, 'unsupported_media_type', undefined, { contentType: 'text/plain' }],
      [400, 'invalid_request', {}],
      [400, 'invalid_request', { grant_type: '' }],
      [400, 'unsupported_grant_type', { grant_type: 'password' }],
      [400, 'invalid_request', 'grant_type=client_credentials&grant_type=client_credentials'],
      [400, 'invalid_request', IMPERSONATE],
      [400, 'invalid_request', { grant_type: 'client_credentials', subtenant: 'subtenant1' }],
      [400, 'invalid_request', { grant_type: 'client_credentials', 'iam-action': 'other', subtenant: 'subtenant1' }],
      [400, 'invalid_request', { ...IMPERSONATE, subtenant: '' }],
      [400, 'invalid_request', `${new URLSearchParams(IMPERSONATE)}&subtenant=subtenant1&subtenant=subtenant2`],
      [403, 'access_denied', { ...IMPERSONATE, subtenant: 'tenant002' }],
      [403, 'access_denied', { ...IMPERSONATE, subtenant: 'subtenant1' }, { client: user }],
    ];
    for (const [status, error, form, opts = {}] of cases) {
      const r = await api.piam(form, opts);
      const what = `${JSON.stringify(form)} ${JSON.stringify({ ...opts, client: opts.client?.tenant, auth: opts.auth?.slice(0, 6) })}`;
      assert.equal(r.status, status, what);
      assert.equal(r.json.error, error, what);
      if (status === 401) assert.match(r.headers.get('www-authenticate'), /^Basic /);
    }
    assert.equal((await api.req('GET', '/oauth/token')).status, 405);
    const stats = await api.stats();
    assert.equal(stats.requests.piam, cases.length);
    assert.equal(stats.requests.token, 1); // the Bearer case's token
    const dump = JSON.stringify(stats);
    for (const secret of [host.clientSecret, user.clientSecret, api.c.clientSecret]) assert.ok(!dump.includes(secret));
  });

  it('faults apply when they name the piam endpoint (not through "*"), with tenant filters and forged kinds', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: '*', kind: '500' });
    assert.equal((await api.piam()).status, 200, '"*" does not reach piam (another host in production)');
    await api.control('DELETE', 'faults');
    await api.faults(
      { endpoint: 'piam', kind: '503', retryAfter: 7, tenant: 'subtenant1' },
      { endpoint: 'piam', kind: 'expired' },
      { endpoint: 'piam', kind: 'wrongIssuer', issuer: 'https://other.piam.emulator.local/oauth/token' },
    );
    const sub = await api.piam({ ...IMPERSONATE, subtenant: 'subtenant1' });
    assert.deepEqual([sub.status, sub.headers.get('retry-after')], [503, '7']);
    const expired = await api.piam({ ...IMPERSONATE, subtenant: 'subtenant2' });
    assert.equal(expired.json.expires_in, 0);
    assert.equal(decodeJwt(expired.json.access_token).claims.ten, 'subtenant2', 'the reissued token keeps the subtenant');
    assert.ok(decodeJwt(expired.json.access_token).claims.exp < Date.now() / 1000);
    const wrong = await api.piam();
    assert.equal(decodeJwt(wrong.json.access_token).claims.iss, 'https://other.piam.emulator.local/oauth/token');
    assert.equal(verifyWithJwks(wrong.json.access_token, await api.jwks()), 'ok', 'validly signed: only iss is wrong');
    assert.equal((await api.piam()).status, 200);
    const piamLog = (await api.stats()).log.filter((e) => e.endpoint === 'piam');
    assert.deepEqual(piamLog.map((e) => e.fault), [null, '503', 'expired', 'wrongIssuer', null]);
    assert.equal((await api.faults({ endpoint: 'piam', kind: 'omitTenant' })).status, 400);
  });

  it('tenant tokens are Bearer tokens of this emulator: the KPI endpoint accepts them for their tenant', async (t) => {
    const api = await start(t);
    const r = await api.piam(undefined, { client: api.emu.tenantCredentials[1] });
    assert.equal((await api.kpi('tenant001', r.json.access_token)).status, 200);
    assert.equal((await api.kpi('tenant002', r.json.access_token)).status, 403);
    // not an operator token of TMS: /userTenants stays closed to it
    const sub = await api.piam({ ...IMPERSONATE, subtenant: 'subtenant1' });
    assert.equal((await api.req('GET', `${BASE}/userTenants`, { headers: { authorization: `Bearer ${sub.json.access_token}` } })).status, 403);
  });
});
