#!/usr/bin/env node
// The emulator's command line: the `tms-emulator` bin of the npm package, and what
// `node emulator/server.mjs` runs.
//
// stdout is for machines: by default two lines (the URL, the credentials as JSON); with
// --print-env only the env block (so `tms-emulator --print-env > .dev.vars` writes a clean
// file); with --list-tenants the tenant names. Everything for humans goes to stderr.
import { parseArgs } from 'node:util';

import { normalizeOptions } from './config.mjs';
import { isEntryModule } from './entry.mjs';
import { formatEnv } from './env.mjs';
import { startEmulator } from './server.mjs';

const CLI_OPTIONS = {
  port: { type: 'string', default: '8787' },
  tenants: { type: 'string' },
  'batch-limit': { type: 'string' },
  'page-size': { type: 'string' },
  lifetime: { type: 'string' },
  latency: { type: 'string' },
  secret: { type: 'string' },
  'print-env': { type: 'boolean', default: false },
  'single-key': { type: 'boolean', default: false },
  'list-tenants': { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};

const USAGE = `usage: tms-emulator (or node emulator/server.mjs) [options]
  --port N          port on 127.0.0.1 (default 8787, 0 = any free port)
  --tenants N       number of user tenants (default 12)
  --batch-limit N   most tenants per /oauthTokens request (default 5)
  --page-size N     most tenants per /userTenants page (default 100)
  --lifetime SEC    token lifetime (default 1800)
  --latency MS      delay of every TMS-side answer (default 0)
  --secret S        fixed client secret for every client (else TMS_EMULATOR_SECRET, else random)
  --print-env       print the variables for TokenManager.fromEnv once listening, then an empty line
  --single-key      /token_keys lists the signing key only (for clients that read keys[0])
  --list-tenants    print the tenants the emulator knows and exit
  --verbose         one line per request on stderr (never headers or bodies)
`;

function cliInt(name, value) {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new Error(`--${name} must be a non-negative integer`);
  return Number(value);
}

/** startEmulator options from the parsed flags and the environment. */
function optionsFrom(values, env) {
  const secret = values.secret ?? (env.TMS_EMULATOR_SECRET || undefined);
  return {
    port: cliInt('port', values.port),
    tenants: cliInt('tenants', values.tenants),
    batchLimit: cliInt('batch-limit', values['batch-limit']),
    pageSize: cliInt('page-size', values['page-size']),
    lifetimeSec: cliInt('lifetime', values.lifetime),
    latencyMs: cliInt('latency', values.latency),
    secret,
    singleKey: values['single-key'],
    quiet: !values.verbose,
  };
}

/** "role name [parent]" lines: host, user, credentials (has tenant service credentials), subtenant. */
function tenantLines({ hostTenants, tenants, tenantClients }) {
  return [
    ...[...hostTenants].map((t) => `host ${t}`),
    ...tenants.map((t) => `user ${t}`),
    ...tenantClients.map((c) => `credentials ${c.tenant}`),
    ...tenantClients.flatMap((c) => c.subTenants.map((s) => `subtenant ${s} ${c.tenant}`)),
  ];
}

function summary({ hostTenants, tenants, tenantClients }) {
  const users = tenants.length <= 4 ? tenants.join(', ') : `${tenants.slice(0, 3).join(', ')} … ${tenants.at(-1)}`;
  const creds = tenantClients.map((c) => (c.subTenants.length ? `${c.tenant} (subtenants: ${c.subTenants.join(', ')})` : c.tenant));
  return `host tenant ${[...hostTenants].join(', ')}; ${tenants.length} user tenants${tenants.length ? `: ${users}` : ''}` +
    `; tenant service credentials: ${creds.join(', ') || 'none'} (all: --list-tenants)`;
}

/** Runs the command line; exits the process on bad flags (2) and on SIGINT/SIGTERM (0). */
export async function main(argv, { env = process.env, stdout = process.stdout, stderr = process.stderr } = {}) {
  let values;
  let options;
  try {
    ({ values } = parseArgs({ args: argv, options: CLI_OPTIONS, strict: true, allowPositionals: false }));
    if (values.help) {
      stdout.write(USAGE);
      return;
    }
    options = optionsFrom(values, env);
    if (values['list-tenants']) {
      stdout.write(`${tenantLines(normalizeOptions(options)).join('\n')}\n`);
      return;
    }
  } catch (err) {
    stderr.write(`tms-emulator: ${err.message}\n${USAGE}`);
    process.exit(2);
  }

  let emu;
  try {
    emu = await startEmulator(options);
  } catch (err) {
    // A busy port or a bad option: one line, no stack.
    stderr.write(`tms-emulator: ${err.message}\n`);
    process.exit(2);
  }
  // Handlers first: a reader may send SIGTERM as soon as it has read what we print.
  const stop = () => emu.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const listening = `TMS emulator listening on ${emu.url}\n`;
  if (values['print-env']) {
    stderr.write(listening);
    const host = emu.tenantCredentials[0];
    stdout.write(formatEnv(emu.env, { url: emu.url, subTenants: host?.subTenants ?? [] }));
  } else {
    // Exactly these two lines on stdout; the dev credentials are meant to be printed.
    stdout.write(listening);
    stdout.write(`credentials: ${JSON.stringify(emu.credentials)}\n`);
  }
  stderr.write(`tms-emulator: ${summary(emu.state)}\n`);
}

if (isEntryModule(import.meta.url)) await main(process.argv.slice(2));
