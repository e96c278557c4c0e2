// Hardening, second round (storms, leaks, lossy keys): each case failed before its fix.
// Runs on every runtime; upstream requests are counted by the emulator, connections by its
// socket counter.
import { assert, rejects, sleep } from "./harness.mjs";

export const emulatorOptions = Object.freeze({ tenants: 25 });

const tenant = (n) => `tenant${String(n).padStart(3, "0")}`;


/** Waits until the emulator holds no TMS request open (the client released them). */
async function released(ctx, what, ms = 2_000) {
  const until = Date.now() + ms;
  let s;
  do {
    s = await ctx.emu.sockets();
    if (s.inFlight === 0) return;
    await sleep(50);
  } while (Date.now() < until);
  throw new Error(`${what}: ${s.inFlight} request(s) still open ${ms} ms later (${JSON.stringify(s)})`);
}

export const cases = [
  {
    name: "pagination storm: an empty page ends the listing whatever totalPages claims",
    async fn(ctx) {
      await ctx.emu.config({ pageSize: 10 });
      await ctx.emu.faults([{ endpoint: "userTenants", kind: "hugeTotalPages", count: -1 }]);
      const tm = new ctx.lib.TokenManager(ctx.options({ pageSize: 10 }));
      const list = await tm.userTenants();
      assert.equal(list.length, 25, "the real tenants");
      const pages = (await ctx.emu.counts()).userTenants;
      assert.ok(pages <= 3 + 4, `a handful of page requests, not thousands: ${pages}`);
    },
  },
  {
    name: "a failed page stops the pages not yet sent",
    async fn(ctx) {
      let sent = 0;
      const fetch = (url, init) => {
        const page = /[?&]page=(\d+)/.exec(String(url));
        if (page) {
          sent++;
          if (Number(page[1]) === 2) return Promise.resolve(new Response("down", { status: 500 }));
        }
        return globalThis.fetch(url, init);
      };
      const tm = new ctx.lib.TokenManager(ctx.options({ pageSize: 1, retries: 0, fetch }));
      await rejects(tm.userTenants(), "TMS_HTTP", "a page fails");
      assert.ok(sent <= 2 + 4, `pages after the failure are not sent: ${sent} of 25 requested`);
    },
  },
  {
    name: "a tenant listed on two pages comes back once",
    async fn(ctx) {
      await ctx.emu.faults([{ endpoint: "userTenants", kind: "duplicateTenants", count: -1 }]);
      const tm = new ctx.lib.TokenManager(ctx.options({ pageSize: 10 }));
      const list = await tm.userTenants();
      assert.equal(new Set(list).size, list.length, `no duplicates: ${list.length}`);
      assert.equal(list.length, 25, "every tenant");
    },
  },
  {
    name: "lossy tenant keys: strings with lone surrogates or control characters are TMS_CONFIG, never a shared entry",
    async fn(ctx) {
      const tm = new ctx.lib.TokenManager(ctx.options());
      for (const bad of ["a\uD800", "a\uDBFF", "\uDC00x", "a\u0000b", "", "a\nb"]) {
        await rejects(tm.token(bad), "TMS_CONFIG", JSON.stringify(bad));
        const r = await rejects(tm.tokens([tenant(1), bad]), "TMS_CONFIG", `tokens ${JSON.stringify(bad)}`);
        assert.ok(!r.message.includes("\uFFFD"), "message");
      }
      await rejects(tm.fetch("a\uD800", `${ctx.options().gateway}/api/kpi/v1/tenants/x/kpis`), "TMS_CONFIG", "fetch()");
      assert.throws(() => new ctx.lib.TokenManager(ctx.options({ userTenant: "x\uD800" })), "TMS_CONFIG", "userTenant option");
      assert.equal((await ctx.emu.counts()).token, 0, "nothing was sent");
    },
  },
  {
    name: "unbounded bodies: a 64 MiB token response (or 600 MiB gzipped) is TMS_INVALID_RESPONSE, read no further than 1 MiB",
    async fn(ctx) {
      const tm = new ctx.lib.TokenManager(ctx.options({ retries: 0, timeout: 5_000 }));
      // gzip: a Content-Length of 600 KiB that inflates to 600 MiB (fetch inflates it), more
      // than a JS string can hold: the length of a compressed body bounds nothing, and a
      // client that read it whole (text()) would fail otherwise than with the 1 MiB cap.
      for (const shape of [{ chunked: false }, { chunked: true }, { gzip: true, bytes: 600 * 1024 * 1024 }]) {
        const what = `huge body ${JSON.stringify(shape)}`;
        await ctx.emu.faults([{ endpoint: "token", kind: "hugeBody", ...shape }]);
        const started = Date.now();
        const e = await rejects(tm.token(tenant(2)), "TMS_INVALID_RESPONSE", what);
        assert.match(e.message, /1 MiB/, "says why");
        assert.ok(Date.now() - started < 4_000, `refused early: ${Date.now() - started} ms`);
        await released(ctx, what);
      }
    },
  },
  {
    name: "a token response that is not UTF-8 is TMS_INVALID_RESPONSE, read in one piece or in chunks",
    async fn(ctx) {
      // A real token answer with one byte that is not UTF-8 in an extra field: decoded
      // leniently (U+FFFD) it would parse and pass every check; JSON must be UTF-8.
      const encoder = new TextEncoder();
      // With a Content-Length (read in one piece), and without (read chunk by chunk).
      const answering = (declared) => async (input, init) => {
        const res = await globalThis.fetch(input, init);
        const text = await res.text();
        if (res.status !== 200) return new Response(text, { status: res.status });
        const body = new Uint8Array([...encoder.encode(`${text.slice(0, -1)},"note":"`), 0xff, ...encoder.encode('"}')]);
        const length = declared ? { "content-length": String(body.length) } : {};
        return new Response(body, { status: 200, headers: { "content-type": "application/json", ...length } });
      };
      for (const declared of [true, false]) {
        const tm = new ctx.lib.TokenManager(ctx.options({ retries: 0, fetch: answering(declared) }));
        await rejects(tm.token(tenant(6)), "TMS_INVALID_RESPONSE", `bad UTF-8 (Content-Length: ${declared})`);
      }
    },
  },
  {
    name: "leaked connections: a timed-out or aborted request releases its connection",
    async fn(ctx) {
      const tm = new ctx.lib.TokenManager(ctx.options({ retries: 0, timeout: 300 }));
      await ctx.emu.faults([{ endpoint: "token", kind: "stallBody" }]);
      await rejects(tm.token(tenant(3)), "TMS_TIMEOUT", "a stalled body");
      await released(ctx, "after the timeout of a stalled body");
      await ctx.emu.faults([{ endpoint: "token", kind: "hang" }]);
      await rejects(tm.token(tenant(4)), "TMS_TIMEOUT", "a hung request");
      await released(ctx, "after the timeout of a hung request");
      const ac = new AbortController();
      await ctx.emu.faults([{ endpoint: "token", kind: "stallBody" }]);
      setTimeout(() => ac.abort(), 100);
      const slow = new ctx.lib.TokenManager(ctx.options({ retries: 0, timeout: 10_000 }));
      await rejects(slow.token(tenant(5), { signal: ac.signal }), "TMS_ABORTED", "aborted while the body stalls");
      await released(ctx, "after the abort");
    },
  },
  {
    name: "fetch() with a Request that has a body: a 401 invalidates the token and the request is replayed once",
    async fn(ctx) {
      const bodies = [];
      let apiCalls = 0;
      const fetch = async (input, init) => {
        const url = typeof input === "string" ? input : input.url;
        if (!url.includes("/api/orders")) return globalThis.fetch(input, init);
        apiCalls++;
        bodies.push(await (typeof input === "string" ? new Response(init?.body ?? "") : input).text());
        return new Response("{}", { status: apiCalls === 1 ? 401 : 200 });
      };
      const tm = new ctx.lib.TokenManager(ctx.options({ fetch }));
      const first = await tm.token(tenant(6));
      const req = new Request("http://127.0.0.1:9/api/orders", { method: "POST", body: "order-42" });
      const res = await tm.fetch(tenant(6), req);
      assert.equal(res.status, 200, "the replay succeeded");
      assert.deepEqual(bodies, ["order-42", "order-42"], "the body was sent twice");
      const second = await tm.token(tenant(6));
      assert.notEqual(second.accessToken, first.accessToken, "the rejected token was invalidated");
      // A one-shot stream cannot be replayed: the 401 comes back, and the token is still dropped.
      apiCalls = 0;
      const stream = new ReadableStream({ start: (c) => { c.enqueue(new TextEncoder().encode("x")); c.close(); } });
      const r2 = await tm.fetch(tenant(6), "http://127.0.0.1:9/api/orders", { method: "POST", body: stream, duplex: "half" });
      assert.equal(r2.status, 401, "not replayed");
      const third = await tm.token(tenant(6));
      assert.notEqual(third.accessToken, second.accessToken, "invalidated on every 401");
    },
  },
  {
    name: "outage storm: 200 calls over 3 s after the refresh point during a 503 outage send a handful of requests",
    async fn(ctx) {
      await ctx.emu.config({ lifetimeSec: 12 });
      const tm = new ctx.lib.TokenManager(ctx.options({ retries: 0 }));
      const first = await tm.token(tenant(7));
      // Refresh point: expiresAt - min(300 s, lifetime / 2) - jitter (at most 1.1 s here).
      await sleep(Math.max(0, first.expiresAt - 5_500 - 1_100 - Date.now()) + 50);
      await ctx.emu.faults([{ endpoint: "token", kind: 503, count: -1 }]);
      const before = (await ctx.emu.counts()).token;
      for (let i = 0; i < 200; i++) {
        const t = await tm.token(tenant(7));
        assert.equal(t.accessToken, first.accessToken, "the still-valid token is served");
        assert.ok(t.expiresAt > Date.now(), "never expired");
        await sleep(15);
      }
      const sent = (await ctx.emu.counts()).token - before;
      assert.ok(sent >= 1 && sent <= 4, `refresh backs off (1 s, 2 s, ...): ${sent} requests for 200 calls`);
    },
  },
  {
    name: "throttle pause: a 429 with Retry-After holds every upstream request of the manager",
    async fn(ctx) {
      const tm = new ctx.lib.TokenManager(ctx.options());
      const cached = await tm.token(tenant(8));
      await ctx.emu.faults([{ endpoint: "token", kind: 429, retryAfter: 1 }]);
      const started = Date.now();
      const a = tm.token(tenant(9));
      await sleep(100);
      const b = tm.token(tenant(10)); // due in the pause: waits for its end
      assert.equal((await tm.token(tenant(8))).accessToken, cached.accessToken, "cached tokens are served meanwhile");
      const [ta, tb] = await Promise.all([a, b]);
      assert.equal(ta.userTenant, tenant(9), "a");
      assert.equal(tb.userTenant, tenant(10), "b");
      assert.ok(Date.now() - started >= 950, `both waited for the pause: ${Date.now() - started} ms`);
      const log = (await ctx.emu.log()).filter((e) => e.endpoint === "token");
      const tenB = log.find((e) => e.userTenants?.includes(tenant(10)));
      const first429 = log.find((e) => e.status === 429);
      assert.ok(tenB && first429 && new Date(tenB.time).getTime() - new Date(first429.time).getTime() >= 900, "b was sent after the pause");
    },
  },
  {
    name: "unknown option names are TMS_CONFIG with the closest known name",
    async fn(ctx) {
      let e;
      try {
        new ctx.lib.TokenManager(ctx.options({ refreshBeforExpiry: 60 }));
      } catch (err) {
        e = err;
      }
      assert.equal(e?.code, "TMS_CONFIG", "typo");
      assert.match(e.message, /`refreshBeforExpiry`.*`refreshBeforeExpiry`/, "names the option and the hint");
      assert.throws(() => ctx.lib.TokenManager.fromEnv({}, { ...ctx.options(), clientSecrect: "x" }), "TMS_CONFIG", "overrides");
    },
  },
];
