// Secrets never leak: the client secret, the X-SPACE-AUTH-KEY value (and its base64 part)
// and every access token the service issued during a case must not appear in any error
// (message, stack, String(err), JSON.stringify(err), own properties, cause), any event,
// stats(), or anything written to the console while the case runs.
//
// Every error path and every event type is driven; a recording `fetch` collects every
// access token the emulator sent (also the ones the client rejected: expired, swapped,
// opaque, truncated), so those are searched for too. Web-standard APIs only.
import { assert, sleep } from "./harness.mjs";

const TIMEOUT = 300;
const RUNTIME_CODES = [
  "TMS_UNAUTHORIZED", "TMS_HTTP", "TMS_THROTTLED", "TMS_TIMEOUT", "TMS_ABORTED",
  "TMS_NETWORK", "TMS_INVALID_RESPONSE", "TMS_INVALID_TOKEN",
];
const EVENT_TYPES = ["hit", "miss", "request", "response", "retry", "refresh", "error"];
const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug", "trace", "dir", "table"];

const b64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const safeJson = (v) => {
  try {
    return JSON.stringify(v) ?? "";
  } catch (e) {
    return `[unserializable: ${e?.message}]`;
  }
};
const safeString = (v) => {
  try {
    return String(v);
  } catch (e) {
    return `[unstringifiable: ${e?.message}]`;
  }
};

/** Everything a case collects: needles (secrets) and haystacks (what a user could see). */
function createWatch() {
  const needles = new Map(); // value -> label
  const haystacks = []; // { where, text }
  const codes = new Set();
  const events = [];
  const consoleLines = [];

  const watch = {
    needles,
    codes,
    events,
    consoleLines,
    secret(value, label) {
      if (typeof value === "string" && value.length >= 8 && !needles.has(value)) needles.set(value, label);
    },
    /** Every form of the app credentials that must stay hidden. */
    credentials(clientId, clientSecret, label = "client secret") {
      watch.secret(clientSecret, label);
      watch.secret(encodeURIComponent(clientSecret), `${label} (URL-encoded)`);
      const pair = b64(`${clientId}:${clientSecret}`);
      watch.secret(`Basic ${pair}`, `X-SPACE-AUTH-KEY of the ${label}`);
      watch.secret(pair, `base64 part of the X-SPACE-AUTH-KEY of the ${label}`);
      // The random part alone, should a message quote the secret partially.
      const tail = clientSecret.replace(/^dev-secret-/, "");
      if (tail !== clientSecret) watch.secret(tail, `${label} (random part)`);
    },
    /** An access token: the whole string, and its signature (or the whole opaque value). */
    token(value, label = "access token") {
      if (typeof value !== "string" || value.length < 8) return;
      watch.secret(value, label);
      const parts = value.split(".");
      if (parts.length === 3 && parts[2].length >= 16) watch.secret(parts[2], `${label} (signature)`);
    },
    /** Looks for tokens in a response body (JSON or not: truncated and malformed too). */
    scanBody(text) {
      try {
        const walk = (v) => {
          if (Array.isArray(v)) v.forEach(walk);
          else if (v && typeof v === "object") {
            for (const [k, x] of Object.entries(v)) {
              if (k === "access_token" && typeof x === "string") watch.token(x, "issued access token");
              else walk(x);
            }
          }
        };
        walk(JSON.parse(text));
      } catch {
        // not JSON: the patterns below still find them
      }
      for (const m of text.matchAll(/access_token"?\s*:\s*"([^"]{8,})/g)) watch.token(m[1], "access token in a broken body");
      for (const m of text.matchAll(/eyJ[\w-]+\.[\w-]{8,}(?:\.[\w-]*)?/g)) watch.token(m[0], "JWT in a response body");
    },
    see(where, text) {
      haystacks.push({ where, text: safeString(text) });
    },
    /** Every way a user could look at an error. */
    error(err, where) {
      if (err === undefined || err === null) return;
      if (err.code) codes.add(err.code);
      watch.see(`${where}: message`, err.message);
      watch.see(`${where}: stack`, err.stack);
      watch.see(`${where}: String(err)`, safeString(err));
      watch.see(`${where}: JSON.stringify(err)`, safeJson(err));
      for (const key of Object.getOwnPropertyNames(err)) {
        const v = err[key];
        watch.see(`${where}: err.${key}`, typeof v === "object" ? safeJson(v) : safeString(v));
      }
      if (err.cause !== undefined) {
        watch.see(`${where}: String(err.cause)`, safeString(err.cause));
        watch.see(`${where}: err.cause.message`, err.cause?.message);
        watch.see(`${where}: err.cause.stack`, err.cause?.stack);
        watch.see(`${where}: JSON.stringify(err.cause)`, safeJson(err.cause));
      }
    },
    /** Awaits `fn`, records its error (if any) and returns { value } or { error }. */
    async run(where, fn) {
      try {
        const value = await fn();
        if (value && value.errors instanceof Map) {
          for (const [tenant, e] of value.errors) watch.error(e, `${where} errors.get(${tenant})`);
        }
        return { value };
      } catch (error) {
        watch.error(error, where);
        return { error };
      }
    },
    /** Calls `fn` expecting a synchronous throw; records it. */
    throws(where, fn) {
      try {
        fn();
      } catch (error) {
        watch.error(error, where);
        return error;
      }
      return undefined;
    },
    onEvent: (e) => {
      events.push(e);
      // What a user's logging would do with an event.
      console.debug("tms event", e, JSON.stringify(e));
    },
    /** Replaces the console methods while `fn` runs; every argument is recorded. */
    async withConsole(fn) {
      const saved = {};
      for (const m of CONSOLE_METHODS) {
        saved[m] = console[m];
        console[m] = (...args) => {
          consoleLines.push(args.map((a) => (typeof a === "string" ? a : `${safeString(a)} ${safeJson(a)}`)).join(" "));
        };
      }
      try {
        return await fn();
      } finally {
        for (const m of CONSOLE_METHODS) console[m] = saved[m];
      }
    },
    /** Fails with every place a needle was found. */
    assertClean() {
      const all = [
        ...haystacks,
        ...events.map((e, i) => ({ where: `event #${i} (${e.type})`, text: safeJson(e) })),
        ...consoleLines.map((line, i) => ({ where: `console line #${i}`, text: line })),
      ];
      const leaks = [];
      for (const { where, text } of all) {
        for (const [needle, label] of needles) {
          if (text.includes(needle)) leaks.push(`${label} in ${where}`);
        }
      }
      assert.ok(leaks.length === 0, `secrets leaked (${leaks.length}):\n  ${[...new Set(leaks)].slice(0, 30).join("\n  ")}`);
      return all.length;
    },
  };
  return watch;
}

/** A fetch that records what goes out (auth header) and what comes back (tokens). */
function recordingFetch(watch, pending) {
  return async (input, init = {}) => {
    const headers = new Headers(init.headers ?? {});
    const auth = headers.get("x-space-auth-key");
    if (auth) watch.secret(auth, "X-SPACE-AUTH-KEY as sent");
    const bearer = headers.get("authorization");
    if (bearer && /^bearer /i.test(bearer)) watch.token(bearer.slice(7), "bearer token as sent");
    const res = await fetch(input, init);
    pending.push(res.clone().text().then((text) => watch.scanBody(text), () => {}));
    return res;
  };
}

async function tenantsOf(ctx) {
  const tenants = await new ctx.lib.TokenManager(ctx.options()).userTenants();
  assert.ok(tenants.length >= 8, `the emulator needs at least 8 user tenants, has ${tenants.length}`);
  await ctx.emu.reset();
  return tenants;
}

const faults = (ctx, ...list) => ctx.emu.faults(list);

export const cases = [
  {
    name: "TMS_CONFIG errors from bad options that contain the secret never quote it",
    async fn(ctx) {
      const watch = createWatch();
      const { clientId, clientSecret } = ctx.emu.credentials;
      watch.credentials(clientId, clientSecret);
      // A secret with the characters that end up in URLs and Basic credentials.
      const odd = `S3cr3t:with@odd/chars?x=${Math.random().toString(36).slice(2)}`;
      watch.credentials(clientId, odd, "odd client secret");
      const port = new URL(ctx.emu.url).port;
      const { TokenManager } = ctx.lib;
      const bad = [
        ["clientId", { clientId: `${clientId}:x`, clientSecret }],
        ["clientId", { clientId: `${clientId}:${clientSecret}` }],
        ["clientId", { clientId: `${clientId}:x`, clientSecret: odd }],
        ["gateway", { gateway: `http://${clientId}:${clientSecret}@127.0.0.1:${port}` }],
        ["gateway", { gateway: `http://${encodeURIComponent(clientId)}:${encodeURIComponent(odd)}@127.0.0.1:${port}` }],
        ["gateway", { gateway: `http://127.0.0.1:${port}/?client_secret=${clientSecret}` }],
        ["gateway", { gateway: `http://127.0.0.1:${port}/#${clientSecret}` }],
        ["gateway", { gateway: clientSecret }],
        ["gateway", { gateway: `http://127.0.0.1:${clientSecret}` }],
        ["gateway", { gateway: `http://127.0.0.1:${port}/ ${clientSecret}` }],
        ["gateway", { gateway: `ftp://${clientSecret}@127.0.0.1` }],
        ["clientSecret", { clientSecret: `${clientSecret}\n` }],
        ["clientSecret", { clientSecret: `\u0000${odd}` }],
        ["clientSecret", { clientSecret: 12345678901234 }],
        ["region", { gateway: undefined, region: `eu1/${clientSecret}` }],
        ["domain", { gateway: undefined, region: "eu1", domain: `${clientSecret}.io/x` }],
        ["hostTenant", { hostTenant: "" }],
        ["userTenant", { userTenant: `${clientSecret}`.repeat(20) }],
        ["timeout", { timeout: clientSecret }],
        ["retries", { retries: clientSecret }],
        ["refreshBeforeExpiry", { refreshBeforeExpiry: -1 }],
        ["fetch", { fetch: clientSecret }],
        ["onEvent", { onEvent: clientSecret }],
        ["appName", { appName: `\r\n${clientSecret}` }],
      ];
      await watch.withConsole(async () => {
        for (const [option, overrides] of bad) {
          const err = watch.throws(`new TokenManager(bad ${option})`, () => new TokenManager(ctx.options(overrides)));
          assert.ok(err, `no error for a bad ${option}`);
          assert.equal(err.code, "TMS_CONFIG", `bad ${option}: code (${err.message})`);
          assert.ok(err instanceof ctx.lib.TmsError, `bad ${option}: not a TmsError`);
          assert.ok(err.message.includes(option), `bad ${option}: the message does not name it: ${err.message}`);
        }
        const notObject = watch.throws("new TokenManager(secret string)", () => new TokenManager(clientSecret));
        assert.equal(notObject?.code, "TMS_CONFIG", "options as a string");
        const env = {
          MDSP_KEY_STORE_CLIENT_ID: clientId,
          MDSP_KEY_STORE_CLIENT_SECRET: clientSecret,
          MDSP_OS_VM_APP_NAME: "kpi-calculator",
          MDSP_OS_VM_APP_VERSION: "1.0.0",
          MDSP_HOST_TENANT: "operator",
          MDSP_GATEWAY_URL: `https://${clientId}:${clientSecret}@gateway.example.invalid`,
        };
        const fromEnv = watch.throws("TokenManager.fromEnv(credentials in the URL)", () => TokenManager.fromEnv(env));
        assert.equal(fromEnv?.code, "TMS_CONFIG", "fromEnv with credentials in the gateway URL");
        const fromEnv2 = watch.throws("TokenManager.fromEnv(clientId with ':')", () =>
          TokenManager.fromEnv({ ...env, MDSP_GATEWAY_URL: ctx.emu.url, MDSP_KEY_STORE_CLIENT_ID: `${clientId}:` }));
        assert.equal(fromEnv2?.code, "TMS_CONFIG", "fromEnv with a ':' in the client id");
        // Bad arguments to methods of a good manager.
        const tm = new TokenManager(ctx.options());
        for (const [where, fn] of [
          ["token(secret × 20)", () => tm.token(clientSecret.repeat(20))],
          ["token(number)", () => tm.token(12345678)],
          ["tokens(secret string)", () => tm.tokens(clientSecret)],
          ["tokens([secret × 20])", () => tm.tokens([clientSecret.repeat(20)])],
          ["fetch(secret × 20)", () => tm.fetch(clientSecret.repeat(20), `${ctx.emu.url}/x`)],
        ]) {
          const r = await watch.run(where, fn);
          assert.equal(r.error?.code, "TMS_CONFIG", `${where}: ${r.error?.message ?? "no error"}`);
        }
      });
      assert.equal(watch.consoleLines.length, 0, `unexpected console output: ${watch.consoleLines.slice(0, 3)}`);
      const looked = watch.assertClean();
      assert.ok(looked > 100, `too few places inspected (${looked})`);
      await ctx.emu.reset();
      const counts = await ctx.emu.counts();
      assert.equal(counts.token + counts.batch, 0, "a bad option must not reach the service");
    },
  },

  {
    name: "every error path and every event type: no secret, auth key or token anywhere",
    async fn(ctx) {
      const tenants = await tenantsOf(ctx);
      const [A, B, C, D, E, F, G, H] = tenants;
      const watch = createWatch();
      const pending = [];
      const { clientId, clientSecret } = ctx.emu.credentials;
      const wrongSecret = `wrong-${clientSecret.split("").reverse().join("")}`;
      watch.credentials(clientId, clientSecret);
      watch.credentials(clientId, wrongSecret, "wrong client secret");
      const { TokenManager } = ctx.lib;
      const options = (o = {}) =>
        ctx.options({ timeout: TIMEOUT, retries: 1, onEvent: watch.onEvent, fetch: recordingFetch(watch, pending), ...o });
      const tm = new TokenManager(options());
      const expect = (r, code, where) => {
        assert.ok(r.error, `${where}: expected ${code}, got a result`);
        assert.equal(r.error.code, code, `${where}: ${r.error.message}`);
      };

      await watch.withConsole(async () => {
        // miss, request, response; then hit.
        const a = await watch.run("token(A)", () => tm.token(A));
        assert.ok(a.value, `token(A): ${a.error?.message}`);
        await watch.run("token(A) again", () => tm.token(A));

        // retry, then success.
        await faults(ctx, { endpoint: "token", kind: 503 });
        assert.ok((await watch.run("token(B) after a 503", () => tm.token(B))).value, "token(B)");

        // TMS_HTTP (5xx with an HTML body; a 400 with an OAuth error body).
        await faults(ctx, { endpoint: "token", kind: 502, count: -1 });
        expect(await watch.run("token(C) 502", () => tm.token(C)), "TMS_HTTP", "502");
        await ctx.emu.clearFaults();
        // A batch over the server's limit is refused with 400 and split until it fits: the
        // 400s pass through the events; then a 404 (wrong path prefix) is a TMS_HTTP error.
        await ctx.emu.config({ batchLimit: 2 });
        const over = await watch.run("tokens() over the batch limit", () => tm.tokens([C, D, E]));
        assert.equal(over.value?.tokens.size, 3, "a refused batch is split until it fits");
        tm.invalidate(); // C, D and E are cached now; the cases below need misses
        await ctx.emu.config({ batchLimit: 5 });
        const lost = new TokenManager(options({ gateway: `${ctx.emu.url}/no-such-prefix` }));
        expect(await watch.run("token(C) 404 under a wrong prefix", () => lost.token(C)), "TMS_HTTP", "404");

        // TMS_THROTTLED, with and without a usable Retry-After. (A Retry-After of 120 s pauses
        // every request of its manager for 120 s: a manager of its own.)
        await faults(ctx, { endpoint: "token", kind: 429, retryAfter: 120 });
        const paused = new TokenManager(options());
        expect(await watch.run("token(C) 429 Retry-After 120", () => paused.token(C)), "TMS_THROTTLED", "429");
        expect(await watch.run("token(D) in the pause", () => paused.token(D)), "TMS_THROTTLED", "429 pause");
        await faults(ctx, { endpoint: "token", kind: 429, retryAfter: 0, count: -1 });
        expect(await watch.run("token(C) 429 every time", () => tm.token(C)), "TMS_THROTTLED", "429s");
        await ctx.emu.clearFaults();

        // TMS_UNAUTHORIZED: a gateway 401, wrong credentials, a 403, a 401 on /userTenants (Bearer).
        await faults(ctx, { endpoint: "token", kind: 401 });
        expect(await watch.run("token(C) 401", () => tm.token(C)), "TMS_UNAUTHORIZED", "401");
        const wrong = new TokenManager(options({ clientSecret: wrongSecret }));
        expect(await watch.run("token(C) wrong secret", () => wrong.token(C)), "TMS_UNAUTHORIZED", "wrong secret");
        expect(await watch.run("token(unknown tenant)", () => tm.token("tenant-unknown")), "TMS_UNAUTHORIZED", "403");
        // (userTenants() renews the operator token once after a 401: make every page fail.)
        await faults(ctx, { endpoint: "userTenants", kind: 401, count: -1 });
        expect(await watch.run("userTenants() 401", () => tm.userTenants()), "TMS_UNAUTHORIZED", "userTenants 401");
        await ctx.emu.clearFaults();
        await faults(ctx, { endpoint: "userTenants", kind: 503, count: -1 });
        expect(await watch.run("allTokens() 503", () => tm.allTokens()), "TMS_HTTP", "allTokens 503");
        await ctx.emu.clearFaults();

        // tm.fetch(): a 401 from the API makes it fetch a new token and try again.
        await faults(ctx, { endpoint: "kpi", kind: 401 });
        const api = await watch.run("fetch(A, kpi)", () => tm.fetch(A, `${ctx.emu.url}/api/kpi/v1/tenants/${A}/kpis`));
        assert.equal(api.value?.status, 200, `tm.fetch after a 401: ${api.error?.message ?? api.value?.status}`);
        await api.value.text();

        // TMS_TIMEOUT and TMS_ABORTED on a hung connection.
        await faults(ctx, { endpoint: "token", kind: "hang", count: -1 });
        expect(await watch.run("token(C) hang", () => tm.token(C)), "TMS_TIMEOUT", "hang");
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 50);
        expect(await watch.run("token(C) aborted", () => tm.token(C, { signal: ac.signal })), "TMS_ABORTED", "abort");
        await ctx.emu.clearFaults();

        // TMS_NETWORK: a reset, a refused connection, a fetch whose error quotes the request.
        await faults(ctx, { endpoint: "token", kind: "reset", count: -1 });
        expect(await watch.run("token(C) reset", () => tm.token(C)), "TMS_NETWORK", "reset");
        await ctx.emu.clearFaults();
        const refused = new TokenManager(options({ gateway: "http://127.0.0.1:1" }));
        expect(await watch.run("token(C) refused", () => refused.token(C)), "TMS_NETWORK", "refused");
        const leaky = new TokenManager(options({
          fetch: (url, init) => {
            const err = new Error(`request to ${url} failed: ${JSON.stringify(init)}`);
            err.request = init;
            return Promise.reject(err);
          },
        }));
        expect(await watch.run("token(C) leaky fetch error", () => leaky.token(C)), "TMS_NETWORK", "leaky fetch");

        // TMS_INVALID_RESPONSE: broken bodies that contain (part of) a token.
        for (const kind of ["truncated", "malformed"]) {
          await faults(ctx, { endpoint: "token", kind });
          expect(await watch.run(`token(C) ${kind}`, () => tm.token(C)), "TMS_INVALID_RESPONSE", kind);
        }
        // Left out of a batch, D is asked for alone; that answer is malformed too.
        await faults(ctx, { endpoint: "batch", kind: "omitTenant", tenant: D }, { endpoint: "token", kind: "malformed" });
        const omitted = await watch.run("tokens() omitTenant", () => tm.tokens([C, D]));
        assert.equal(omitted.value?.errors.get(D)?.code, "TMS_INVALID_RESPONSE", "omitTenant");

        // TMS_INVALID_TOKEN: opaque, expired, swapped tokens, and expires_in 0.
        for (const kind of ["notjwt", "expired"]) {
          await faults(ctx, { endpoint: "token", kind });
          expect(await watch.run(`token(E) ${kind}`, () => tm.token(E)), "TMS_INVALID_TOKEN", kind);
        }
        await faults(ctx, { endpoint: "batch", kind: "wrongTenant" });
        const swapped = await watch.run("tokens() wrongTenant", () => tm.tokens([E, F]));
        assert.equal(swapped.value?.errors.get(E)?.code, "TMS_INVALID_TOKEN", "wrongTenant");
        await ctx.emu.config({ expiresIn: 0 });
        expect(await watch.run("token(F) expires_in 0", () => tm.token(F)), "TMS_INVALID_TOKEN", "expires_in 0");
        await ctx.emu.config({ expiresIn: null });

        // refresh, and a failed refresh that falls back to the cached token (error event).
        await ctx.emu.config({ lifetimeSec: 3 });
        const g = await watch.run("token(G) short-lived", () => tm.token(G));
        assert.ok(g.value, `token(G): ${g.error?.message}`);
        await sleep(Math.max(0, g.value.expiresAt - 900 - Date.now()));
        await faults(ctx, { endpoint: "token", kind: 503, count: -1 });
        const fallback = await watch.run("token(G) refresh during an outage", () => tm.token(G));
        assert.equal(fallback.value?.accessToken, g.value.accessToken, "the cached token was not served");
        await ctx.emu.clearFaults();
        const forced = await watch.run("token(H) forceRefresh", () => tm.token(H, { forceRefresh: true }));
        assert.ok(forced.value, "forceRefresh");

        // What else a user might print.
        watch.see("stats()", safeJson(tm.stats()));
        watch.see("String(tm)", safeString(tm));
        watch.see("JSON.stringify(tm)", safeJson(tm));
        console.log("a user logging the manager", tm);
      });

      // Let the recorder finish reading every response body it saw.
      await Promise.race([Promise.all(pending), sleep(3000)]);

      const types = new Set(watch.events.map((e) => e.type));
      const missingTypes = EVENT_TYPES.filter((t) => !types.has(t));
      assert.deepEqual(missingTypes, [], "event types not driven");
      const missingCodes = RUNTIME_CODES.filter((c) => !watch.codes.has(c));
      assert.deepEqual(missingCodes, [], "error codes not driven");
      const tokensSeen = [...watch.needles.values()].filter((l) => /token/i.test(l)).length;
      assert.ok(tokensSeen >= 15, `only ${tokensSeen} token needles collected: the recorder is not working`);
      assert.ok(watch.consoleLines.length > 0, "the console capture saw nothing");
      watch.assertClean();
    },
  },

  {
    name: "decodeJwt errors never quote their input (broken tokens, the secret)",
    async fn(ctx) {
      const watch = createWatch();
      const { clientId, clientSecret } = ctx.emu.credentials;
      watch.credentials(clientId, clientSecret);
      const tm = new ctx.lib.TokenManager(ctx.options());
      const t = (await tm.token()).accessToken;
      watch.token(t);
      const [h, p, s] = t.split(".");
      watch.secret(p, "JWT payload");
      const inputs = {
        "four segments": `${t}.x`,
        "bad base64 in the payload": `${h}.${p.slice(0, 10)}!!${p.slice(12)}.${s}`,
        "payload not JSON": `${h}.${btoa("not json " + clientSecret).replace(/=+$/, "")}.${s}`,
        "two segments": `${h}.${p}`,
        "the secret": clientSecret,
        "the auth key": `Basic ${b64(`${clientId}:${clientSecret}`)}`,
        "token with a space": `${t} `,
      };
      await watch.withConsole(async () => {
        for (const [label, input] of Object.entries(inputs)) {
          const err = watch.throws(`decodeJwt(${label})`, () => ctx.lib.decodeJwt(input));
          assert.ok(err, `decodeJwt(${label}) did not throw`);
          assert.equal(err.code, "TMS_INVALID_TOKEN", `decodeJwt(${label}): ${err.message}`);
        }
      });
      watch.assertClean();
    },
  },
];
