// The command line (cli.mjs, the tms-emulator bin) and the library entry (index.mjs)
// (node --test tests/emulator/cli.test.mjs)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { BASE, client, decodeJwt, waitFor } from './helpers.mjs';

const EMULATOR_DIR = fileURLToPath(new URL('../../emulator/', import.meta.url));
const CLI = join(EMULATOR_DIR, 'cli.mjs');
const APP_VARS = ['MDSP_GATEWAY_URL', 'MDSP_KEY_STORE_CLIENT_ID', 'MDSP_KEY_STORE_CLIENT_SECRET', 'MDSP_OS_VM_APP_NAME',
  'MDSP_OS_VM_APP_VERSION', 'MDSP_HOST_TENANT'];
const TENANT_VARS = ['MINDSPHERE_CLIENT_ID', 'MINDSPHERE_CLIENT_SECRET', 'MINDSPHERE_TENANT'];

/** Spawns the CLI; `untilBlank` waits for the empty line that ends --print-env's block. */
function run(args, { env = {}, cli = CLI } = {}) {
  const child = spawn(process.execPath, [cli, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMS_EMULATOR_SECRET: '', ...env },
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { out.stdout += d; });
  child.stderr.on('data', (d) => { out.stderr += d; });
  return {
    child,
    out,
    // generous: four RSA keys are generated at start, on a machine that may be busy compiling
    untilBlank: () => waitFor(() => out.stdout.includes('\n\n') && out.stdout, 30_000).catch((err) => {
      throw new Error(`${err.message}; exit ${child.exitCode}; stderr: ${out.stderr}`);
    }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      process.kill(child.pid, 'SIGTERM'); // by PID: only the process this test started
      const [code] = await once(child, 'exit');
      return code;
    },
    kill: () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'),
  };
}

/** What a .env / .dev.vars parser makes of the text: NAME=value lines, `#` lines ignored. */
function parseDotenv(text) {
  const vars = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    assert.ok(m, `not a NAME=value line: ${line}`);
    vars[m[1]] = m[2];
  }
  return vars;
}

describe('tms-emulator --print-env', () => {
  it('prints the fromEnv variables of both credential kinds, then one empty line; they work', { timeout: 40_000 }, async () => {
    const p = run(['--port', '0', '--print-env']);
    try {
      const text = await p.untilBlank();
      assert.ok(text.endsWith('\n\n'), 'the block ends with one empty line');
      assert.equal(text.indexOf('\n\n'), text.length - 2, 'no other empty line');
      const vars = parseDotenv(text);
      assert.deepEqual(Object.keys(vars), [...APP_VARS, ...TENANT_VARS]);
      assert.match(vars.MDSP_GATEWAY_URL, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(vars.MDSP_HOST_TENANT, 'operator');
      assert.equal(vars.MINDSPHERE_TENANT, 'operator');
      assert.match(vars.MDSP_KEY_STORE_CLIENT_SECRET, /^dev-secret-[0-9a-f]{32}$/);
      assert.match(text, /^# MINDSPHERE_SUB_TENANT=subtenant1$/m, 'a commented subtenant hint');
      assert.match(text, /subtenants of operator: subtenant1, subtenant2/);
      assert.doesNotMatch(text, /listening/, 'stdout is the env block only');
      await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(p.out.stderr) && /subtenant1/.test(p.out.stderr));

      // the printed application credentials get TMS tokens …
      const api = client({
        url: vars.MDSP_GATEWAY_URL,
        credentials: {
          clientId: vars.MDSP_KEY_STORE_CLIENT_ID, clientSecret: vars.MDSP_KEY_STORE_CLIENT_SECRET,
          appName: vars.MDSP_OS_VM_APP_NAME, appVersion: vars.MDSP_OS_VM_APP_VERSION, hostTenant: vars.MDSP_HOST_TENANT,
        },
      });
      assert.equal((await api.token('tenant001')).status, 200);
      // … and the tenant credentials piam tokens, with the subtenant of the hint too
      const tenantClient = { clientId: vars.MINDSPHERE_CLIENT_ID, clientSecret: vars.MINDSPHERE_CLIENT_SECRET };
      const piam = await api.piam({ grant_type: 'client_credentials', 'iam-action': 'client_credentials.tenant-impersonation', subtenant: 'subtenant1' },
        { client: tenantClient });
      assert.equal(piam.status, 200);
      assert.equal(decodeJwt(piam.json.access_token).claims.ten, 'subtenant1');
      assert.equal(await p.stop(), 0);
      assert.equal(p.out.stdout, text, 'nothing more on stdout');
    } finally {
      p.kill();
    }
  });

  it('--secret fixes every secret; TMS_EMULATOR_SECRET too; the flag wins', { timeout: 100_000 }, async () => {
    for (const [args, env, expected] of [
      [['--secret', 'from-flag'], {}, 'from-flag'],
      [[], { TMS_EMULATOR_SECRET: 'from-env' }, 'from-env'],
      [['--secret', 'from-flag'], { TMS_EMULATOR_SECRET: 'from-env' }, 'from-flag'],
    ]) {
      const p = run(['--port', '0', '--print-env', ...args], { env });
      try {
        const vars = parseDotenv(await p.untilBlank());
        assert.deepEqual([vars.MDSP_KEY_STORE_CLIENT_SECRET, vars.MINDSPHERE_CLIENT_SECRET], [expected, expected]);
        assert.ok(!p.out.stderr.includes(expected), `the secret is not repeated on stderr: ${p.out.stderr}`);
        assert.equal(await p.stop(), 0, `exit code; signal ${p.child.signalCode}; stderr: ${p.out.stderr}`);
      } finally {
        p.kill();
      }
    }
  });

  it('exits 2 on a secret that would not paste, and on a busy port', { timeout: 20_000 }, async () => {
    const bad = run(['--port', '0', '--secret', 'a b']);
    const [code] = await once(bad.child, 'exit');
    assert.equal(code, 2);
    assert.match(bad.out.stderr, /secret must be/);

    const first = run(['--port', '0']);
    try {
      const stdout = await waitFor(() => /credentials: /.test(first.out.stdout) && first.out.stdout, 10_000);
      const port = /127\.0\.0\.1:(\d+)/.exec(stdout)[1];
      const second = run(['--port', port]);
      const [code2] = await once(second.child, 'exit');
      assert.equal(code2, 2);
      assert.match(second.out.stderr, /EADDRINUSE/);
      assert.equal(await first.stop(), 0);
    } finally {
      first.kill();
    }
  });
});

describe('tms-emulator --list-tenants and --help', () => {
  it('--list-tenants prints role and name lines and exits 0 without listening', async () => {
    const p = run(['--list-tenants', '--tenants', '2']);
    const [code] = await once(p.child, 'exit');
    assert.equal(code, 0);
    assert.deepEqual(p.out.stdout.trim().split('\n'), [
      'host operator', 'user tenant001', 'user tenant002', 'credentials operator', 'credentials tenant001',
      'subtenant subtenant1 operator', 'subtenant subtenant2 operator',
    ]);
  });

  it('--help prints the usage and exits 0', async () => {
    const p = run(['--help']);
    const [code] = await once(p.child, 'exit');
    assert.equal(code, 0);
    assert.match(p.out.stdout, /--print-env/);
  });
});

describe('the emulator folder as a package part', () => {
  it('imports nothing from outside emulator/ (node: built-ins and ./ files only)', () => {
    for (const file of readdirSync(EMULATOR_DIR).filter((f) => f.endsWith('.mjs'))) {
      // comment lines are skipped: usage examples there name the package
      const source = readFileSync(join(EMULATOR_DIR, file), 'utf8').split('\n').filter((l) => !/^\s*\/\//.test(l)).join('\n');
      for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        assert.ok(spec.startsWith('node:') || /^\.\/[\w-]+\.mjs$/.test(spec), `${file} imports ${spec}`);
      }
    }
    assert.ok(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n'));
  });

  it('runs when copied elsewhere (the bin of the npm package)', { timeout: 20_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tms-emulator-copy-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(EMULATOR_DIR, join(dir, 'emulator'), { recursive: true });
    const p = run(['--port', '0', '--print-env'], { cli: join(dir, 'emulator', 'cli.mjs') });
    try {
      const vars = parseDotenv(await p.untilBlank());
      const r = await fetch(`${vars.MDSP_GATEWAY_URL}/token_keys`);
      assert.equal(r.status, 200);
      assert.equal(await p.stop(), 0);
    } finally {
      p.kill();
    }
  });

  it('index.mjs: startEmulator with env (the same variables as an object) and close(); importing cli.mjs starts nothing', async () => {
    const lib = await import('../../emulator/index.mjs');
    await import('../../emulator/cli.mjs'); // must neither listen nor exit
    const emu = await lib.startEmulator({ port: 0, secret: 'lib-secret' });
    try {
      assert.deepEqual(Object.keys(emu.env), [...APP_VARS, ...TENANT_VARS]);
      assert.equal(emu.env.MDSP_GATEWAY_URL, emu.url);
      assert.equal(emu.env.MINDSPHERE_CLIENT_SECRET, 'lib-secret');
      assert.deepEqual(parseDotenv(lib.formatEnv(emu.env)), emu.env);
      const api = client(emu);
      assert.equal((await api.req('POST', `${BASE}/oauth/token`, {
        headers: { 'x-space-auth-key': api.basic }, json: api.tokenBody('tenant002'),
      })).status, 200);
    } finally {
      await emu.close();
    }
    await assert.rejects(fetch(`${emu.url}/token_keys`), TypeError);
  });

  it('the returned emulator drives faults, keys, stats and sockets in-process, like the control plane', async () => {
    const lib = await import('../../emulator/index.mjs');
    const emu = await lib.startEmulator({ port: 0 });
    try {
      const api = client(emu);
      assert.equal(emu.faults([{ endpoint: 'token', kind: 500 }]).length, 1);
      assert.throws(() => emu.faults([{ endpoint: 'token', kind: 'teapot' }]), /kind/);
      assert.equal((await api.token()).status, 500);
      assert.equal(emu.stats().requests.token, 1);
      const { sockets: viaHttpSockets, ...viaHttp } = (await api.control('GET', 'stats')).json;
      const { sockets: inProcessSockets, ...inProcess } = emu.stats();
      assert.deepEqual(inProcess, viaHttp);
      assert.equal(inProcessSockets.tms, viaHttpSockets.tms); // open differs by the control request's socket
      assert.equal((await emu.rotateKeys({ publish: false })).signingKid, 'key-id-3');
      assert.equal(emu.publishKeys().keys.every((k) => k.listed), true);
      emu.reset();
      assert.equal(emu.stats().requests.token, 0);
      assert.deepEqual(Object.keys(emu.sockets()), ['open', 'tms', 'inFlight']);
      emu.faults([{ endpoint: 'token', kind: '429', count: -1 }]);
      emu.clearFaults();
      assert.equal((await api.token()).status, 200);
    } finally {
      await emu.close();
    }
  });
});
