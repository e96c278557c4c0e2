// Faults for a client's hardening (pagination storm, unbounded bodies, leaked connections) and
// the socket counts that prove a client let go (node --test tests/emulator/hardening.test.mjs)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BASE, start, waitFor } from './helpers.mjs';

const ids = (r) => r.json.userTenants.map((u) => u.id);
const sockets = async (api) => (await api.control('GET', 'sockets')).json;

/** Sends a token request with fetch and returns the Response (body unread) and its controller. */
async function rawToken(api) {
  const controller = new AbortController();
  const res = await fetch(`${api.emu.url}${BASE}/oauth/token`, {
    method: 'POST',
    headers: { 'x-space-auth-key': api.basic, 'content-type': 'application/json' },
    body: JSON.stringify(api.tokenBody(api.c.hostTenant)),
    signal: controller.signal,
  });
  return { res, controller };
}

describe('GET /userTenants faults', () => {
  it('hugeTotalPages: every page claims 100000 pages; the real pages, then empty ones', async (t) => {
    const api = await start(t, { tenants: 25, pageSize: 10 });
    const op = await api.accessToken();
    await api.faults({ endpoint: 'userTenants', kind: 'hugeTotalPages', count: -1 });
    const first = await api.userTenants(op, '?page=0');
    assert.deepEqual(first.json.page, { size: 10, totalElements: 1_000_000, totalPages: 100_000, number: 0 });
    assert.equal(ids(first).length, 10);
    assert.deepEqual(ids(await api.userTenants(op, '?page=2')), ['tenant021', 'tenant022', 'tenant023', 'tenant024', 'tenant025']);
    const beyond = await api.userTenants(op, '?page=3');
    assert.deepEqual([beyond.status, beyond.json.page.totalPages, ids(beyond)], [200, 100_000, []]);
    assert.deepEqual(ids(await api.userTenants(op, '?page=99999')), []);
    await api.control('DELETE', 'faults');
    await api.faults({ endpoint: 'userTenants', kind: 'hugeTotalPages', totalPages: 7 });
    assert.equal((await api.userTenants(op)).json.page.totalPages, 7);
    assert.equal((await api.userTenants(op)).json.page.totalPages, 3, 'count 1: used up');
  });

  it('duplicateTenants: each later page starts with the last tenant of the page before', async (t) => {
    const api = await start(t, { tenants: 25, pageSize: 10 });
    const op = await api.accessToken();
    await api.faults({ endpoint: 'userTenants', kind: 'duplicateTenants', count: 2 });
    const pages = [];
    for (let page = 0; page < 3; page++) pages.push(await api.userTenants(op, `?page=${page}`));
    assert.equal(ids(pages[0]).length, 10, 'page 0 has no page before: untouched, fault kept');
    assert.deepEqual(ids(pages[1]).slice(0, 2), ['tenant010', 'tenant011']);
    assert.deepEqual(ids(pages[2]).slice(0, 2), ['tenant020', 'tenant021']);
    assert.deepEqual(pages.map((p) => p.json.page.totalPages), [3, 3, 3]);
    const all = pages.flatMap(ids);
    assert.equal(all.length, 27);
    assert.equal(new Set(all).size, 25, 'nothing lost, two listed twice');
    assert.deepEqual((await api.control('GET', 'faults')).json.faults, []);
  });
});

describe('hugeBody fault', () => {
  it('streams a 200 of `bytes` (4 GiB here: never built in memory); the client reads a bit and aborts', { timeout: 20_000 }, async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'token', kind: 'hugeBody', bytes: 4 * 1024 ** 3 });
    const { res, controller } = await rawToken(api);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(4 * 1024 ** 3));
    const reader = res.body.getReader();
    let got = 0;
    let head = '';
    while (got < 2 * 1024 * 1024) {
      const { value } = await reader.read();
      if (head.length < 12) head += Buffer.from(value.subarray(0, 12)).toString();
      got += value.length;
    }
    assert.ok(head.startsWith('{"padding":"'));
    controller.abort();
    await waitFor(async () => (await sockets(api)).tms === 0, 5000);
    const entry = (await api.stats()).log.find((e) => e.fault === 'hugeBody');
    await waitFor(async () => (await api.stats()).log.find((e) => e.fault === 'hugeBody').durationMs !== null);
    assert.equal(entry.status, 200);
    assert.deepEqual(await sockets(api).then((s) => s.inFlight), 0);
  });

  it('gzip: true sends the body gzipped, its Content-Length the compressed size; fetch inflates it to `bytes`', async (t) => {
    const api = await start(t);
    await api.faults({ endpoint: 'token', kind: 'hugeBody', gzip: true, bytes: 8 * 1024 * 1024 });
    const { res } = await rawToken(api);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    const declared = Number(res.headers.get('content-length'));
    assert.ok(declared > 0 && declared < 64 * 1024, `Content-Length ${declared}: the compressed size`);
    const text = await res.text();
    assert.equal(text.length, 8 * 1024 * 1024);
    assert.deepEqual(Object.keys(JSON.parse(text)), ['padding']);
    assert.equal((await api.faults({ endpoint: 'token', kind: 'hugeBody', gzip: 'yes' })).status, 400, 'gzip is a boolean');
  });

  it('a small body is complete valid JSON of exactly `bytes`; chunked: true omits Content-Length; default 64 MiB on any endpoint', async (t) => {
    const api = await start(t);
    await api.faults(
      { endpoint: 'tokenKeys', kind: 'hugeBody', bytes: 1000 },
      { endpoint: 'piam', kind: 'hugeBody', bytes: 5000, chunked: true },
      { endpoint: 'userTenants', kind: 'hugeBody' },
    );
    const keys = await api.req('GET', '/token_keys');
    assert.equal(keys.status, 200);
    assert.equal(keys.text.length, 1000);
    assert.equal(keys.headers.get('content-length'), '1000');
    assert.deepEqual(Object.keys(JSON.parse(keys.text)), ['padding']);
    const piam = await api.piam();
    assert.equal(piam.headers.get('content-length'), null);
    assert.equal(piam.headers.get('transfer-encoding'), 'chunked');
    assert.equal(piam.text.length, 5000);
    const controller = new AbortController();
    const res = await fetch(`${api.emu.url}${BASE}/userTenants`, { signal: controller.signal });
    assert.equal(res.status, 200, 'a pre-fault: whatever the request, no auth needed');
    assert.equal(res.headers.get('content-length'), String(64 * 1024 * 1024));
    controller.abort();
    for (const bad of [{ bytes: 10 }, { bytes: 1.5 }, { chunked: 'yes' }]) {
      assert.equal((await api.faults({ endpoint: 'token', kind: 'hugeBody', ...bad })).status, 400, JSON.stringify(bad));
    }
    assert.equal((await api.faults({ endpoint: 'token', kind: '500', bytes: 100 })).status, 400, 'bytes is for hugeBody only');
  });
});

describe('stallBody fault and socket counts', () => {
  it('sends 200 and headers, then stalls; after the client times out its socket is gone (tms 0, inFlight 0)', { timeout: 20_000 }, async (t) => {
    const api = await start(t, { hangMs: 10_000 });
    assert.deepEqual(await sockets(api), { open: 1, tms: 0, inFlight: 0 }, 'only the control request\'s own socket');
    await api.faults({ endpoint: 'token', kind: 'stallBody' });
    const started = Date.now();
    const { res, controller } = await rawToken(api);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '4096');
    const reading = res.text();
    await waitFor(async () => (await sockets(api)).inFlight === 1);
    assert.equal((await sockets(api)).tms, 1);
    setTimeout(() => controller.abort(), 300); // the client's timeout
    await assert.rejects(reading, { name: 'AbortError' });
    assert.ok(Date.now() - started < 5000);
    await waitFor(async () => {
      const s = await sockets(api);
      return s.tms === 0 && s.inFlight === 0;
    }, 5000);
    const entry = (await api.stats()).log.find((e) => e.fault === 'stallBody');
    assert.equal(entry.status, 200);
    assert.equal(typeof entry.durationMs, 'number');
    assert.ok('sockets' in (await api.stats()));
  });

  it('counts a kept-alive socket as open until the client closes it; the hang fault too', { timeout: 20_000 }, async (t) => {
    const api = await start(t, { hangMs: 10_000 });
    const http = await import('node:http');
    const agent = new http.Agent({ keepAlive: true });
    t.after(() => agent.destroy());
    const get = (path, signal) => new Promise((resolve, reject) => {
      const req = http.get(api.emu.url + path, { agent, signal }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', reject);
    });
    assert.equal(await get('/token_keys'), 200);
    assert.equal((await sockets(api)).tms, 1, 'idle keep-alive socket');
    agent.destroy();
    await waitFor(async () => (await sockets(api)).tms === 0);

    await api.faults({ endpoint: 'tokenKeys', kind: 'hang' });
    const controller = new AbortController();
    const hanging = assert.rejects(get('/token_keys', controller.signal), { name: 'AbortError' });
    await waitFor(async () => (await sockets(api)).inFlight === 1);
    controller.abort();
    await hanging;
    await waitFor(async () => {
      const s = await sockets(api);
      return s.tms === 0 && s.inFlight === 0;
    });
  });
});

describe('hugeBody against a client that stops reading', () => {
  it('drops the socket after hangMs without a read, so nothing waits forever', { timeout: 20_000 }, async (t) => {
    const api = await start(t, { hangMs: 500 });
    await api.faults({ endpoint: 'token', kind: 'hugeBody' });
    const { res } = await rawToken(api); // headers read, body never
    assert.equal(res.status, 200);
    await waitFor(async () => (await sockets(api)).inFlight === 0, 5000);
    await assert.rejects(res.arrayBuffer(), 'the body ends in an error, not complete');
  });
});
