// The TokenStore contract (api.md, "Shared tier: store") as cases that run in any runtime:
// Node (Redis), workerd (Durable Objects, Workers KV) and Deno (Deno KV). Globals only, no
// imports: runners load it as it is. Each case gets fresh keys, so cases do not interfere.
//
// options:
//   stores      two or more TokenStores over one backing store (two isolates' views)
//   lease       whether the adapter has lease()
//   ttlMs       a TTL short enough to wait out in a test (honoured by the adapter)
//   scan        async () => [[key, value], ...] of everything in the backing store (raw)
//   codec       a codec from store-codec.js, to seal what is stored in the plaintext case
//   down        an array of [name, TokenStore] whose backing store is down or failing
//   prefix      key prefix, unique per run
//   makeStore   () => a new TokenStore over the same backing store (one more isolate), for the
//               fleet cases: the read → lease → request → write → release protocol of api.md

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function check(cond, message) {
  if (!cond) throw new Error(message);
}

export function storeCases({ stores, lease = true, ttlMs = 300, scan, codec, down = [], prefix = `t${Date.now()}`, makeStore }) {
  const [a, b] = stores;
  let n = 0;
  const fresh = (name) => `tms-edge:v1:${prefix}-${name}-${n++}`;
  const cases = [];
  const add = (name, run) => cases.push({ name, run });

  add("get of a key never set is a miss", async () => {
    const v = await a.get(fresh("missing"));
    check(v === null || v === undefined, `got ${typeof v}`);
  });

  add("set then get gives back the same string, on every view", async () => {
    // Strings a JSON-parsing client would change ("true" → true, '"q"' → q).
    const values = ["v1.AAAA_-", "true", "null", "123", "1.0", '"q"', '{"a":1}', "[1,2]", " x ", "ünï ✓ \u{1F600}", "x".repeat(8000)];
    for (const value of values) {
      const key = fresh("rt");
      await a.set(key, value, 60_000);
      for (const s of stores) {
        const got = await s.get(key);
        check(got === value, `stored ${JSON.stringify(value.slice(0, 30))}, got ${JSON.stringify(typeof got === "string" ? got.slice(0, 30) : got)}`);
      }
    }
  });

  add("set overwrites", async () => {
    const key = fresh("ow");
    await a.set(key, "one", 60_000);
    await b.set(key, "two", 60_000);
    check((await a.get(key)) === "two", "not overwritten");
  });

  add(`ttl honoured: gone after ${ttlMs} ms`, async () => {
    const key = fresh("ttl");
    const t0 = Date.now();
    await a.set(key, "short", ttlMs);
    const early = await a.get(key);
    // Only meaningful when the machine was fast enough to read before the ttl ran out.
    if (Date.now() - t0 < ttlMs) check(early === "short", "not readable before its ttl");
    const long = fresh("ttl-long");
    await a.set(long, "long", 60_000);
    await sleep(ttlMs + 250);
    const v = await b.get(key);
    check(v === null || v === undefined, `still there after its ttl: ${v}`);
    check((await b.get(long)) === "long", "a longer ttl expired too");
  });

  add("ttlMs under 1 ms or not a number is refused (rejects)", async () => {
    for (const bad of [0, -5, NaN, Infinity, "100"]) {
      let rejected = false;
      try {
        await a.set(fresh("bad"), "x", bad);
      } catch {
        rejected = true;
      }
      check(rejected, `set with ttl ${String(bad)} did not reject`);
    }
  });

  if (lease) {
    add("lease is exclusive: 20 concurrent calls on two views, exactly one wins", async () => {
      const key = fresh("excl");
      const got = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % stores.length].lease(key, 10_000)));
      const winners = got.filter((r) => r !== null);
      check(winners.length === 1, `${winners.length} winners`);
      check(typeof winners[0] === "function", "the winner is not a release function");
      check(got.every((r) => r === null || typeof r === "function"), "a loser got something other than null");
      await winners[0]();
    });

    add("release lets the next one in", async () => {
      const key = fresh("rel");
      const r1 = await a.lease(key, 10_000);
      check(r1, "first lease refused");
      check((await b.lease(key, 10_000)) === null, "second lease granted while held");
      await r1();
      const r2 = await b.lease(key, 10_000);
      check(r2, "lease refused after release");
      await r2();
      // Releasing twice is harmless.
      await r2();
    });

    add("an expired lease can be taken again", async () => {
      const key = fresh("exp");
      const t0 = Date.now();
      const r1 = await a.lease(key, ttlMs);
      check(r1, "first lease refused");
      const during = await b.lease(key, 10_000);
      if (Date.now() - t0 < ttlMs) check(during === null, "granted while held");
      else if (during) await during(); // too slow a machine to tell; free it for the next step
      await sleep(ttlMs + 250);
      const r2 = await b.lease(key, 10_000);
      check(r2, "refused after the first lease expired");
      await r2();
    });

    add("a release after expiry does not free another holder's lease", async () => {
      const key = fresh("cad");
      const late = await a.lease(key, ttlMs);
      check(late, "first lease refused");
      await sleep(ttlMs + 250);
      const holder = await b.lease(key, 10_000);
      check(holder, "refused after expiry");
      await late(); // the first holder wakes up and releases
      check((await a.lease(key, 10_000)) === null, "the late release freed the new holder's lease");
      await holder();
      const next = await a.lease(key, 10_000);
      check(next, "refused after the holder's release");
      await next();
    });

    add("the lease and the value are separate entries", async () => {
      const key = fresh("sep");
      const r = await a.lease(key, 10_000);
      check(r, "lease refused");
      const v = await a.get(key);
      check(v === null || v === undefined, "a lease reads as a value");
      await a.set(key, "value", 60_000);
      check((await b.get(key)) === "value", "value not readable while leased");
      await r();
      check((await b.get(key)) === "value", "release removed the value");
    });

    add("no second leader: a view that read a miss, then saw another write and release, gets null", async () => {
      const key = fresh("lead");
      const before = await a.get(key); // a: miss, will want the lease
      check(before === null || before === undefined, "not a miss");
      const r = await b.lease(key, 10_000); // b leads, writes, releases
      check(r, "b refused");
      await b.set(key, "fresh", 60_000);
      await r();
      check((await a.lease(key, 10_000)) === null, "a became a second leader after the token was written");
      check((await a.get(key)) === "fresh", "a does not read the new token");
      // Having read again, a may lead the next refresh.
      const again = await a.lease(key, 10_000);
      check(again, "a refused after reading the current value");
      await again();
    });

    add("a view's own write does not block its next lease", async () => {
      const key = fresh("own");
      const r = await a.lease(key, 10_000);
      check(r, "refused");
      await a.set(key, "mine", 60_000);
      await r();
      const r2 = await a.lease(key, 10_000);
      check(r2, "refused after its own write");
      await r2();
    });
  }

  if (lease && makeStore) {
    // api.md: "the holder requests the token, writes it with its refresh point and releases;
    // the others read the store again until the lease has ended, then take over."
    const obtain = async (store, key, upstream, { leaseMs = 2000, pollMs = 20 } = {}) => {
      for (let i = 0; i < 500; i++) {
        const v = await store.get(key);
        if (typeof v === "string" && JSON.parse(v).refreshAt > Date.now()) return JSON.parse(v).token;
        const release = await store.lease(key, leaseMs);
        if (release) {
          const token = await upstream();
          if (token === null) return null; // this isolate died: no write, no release
          try {
            await store.set(key, JSON.stringify({ token, refreshAt: Date.now() + 60_000 }), 120_000);
            return token;
          } finally {
            await release();
          }
        }
        await sleep(pollMs);
      }
      throw new Error("no token after 500 rounds");
    };

    add("fleet: 20 isolates missing one tenant at once send one upstream request and share its token", async () => {
      const key = fresh("fleet");
      let requests = 0;
      const upstream = async () => {
        requests++;
        await sleep(50);
        return `token-${requests}`;
      };
      const fleet = Array.from({ length: 20 }, () => makeStore());
      const tokens = await Promise.all(fleet.map((s) => obtain(s, key, upstream)));
      check(requests === 1, `${requests} upstream requests`);
      check(tokens.every((t) => t === "token-1"), `tokens ${[...new Set(tokens)]}`);
      // Isolates that come later read it from the store.
      const late = await Promise.all(Array.from({ length: 5 }, () => obtain(makeStore(), key, upstream)));
      check(requests === 1 && late.every((t) => t === "token-1"), "a later isolate requested again");
    });

    add("fleet: a leader that dies holding the lease is replaced once its lease expires (two requests, not twenty)", async () => {
      const key = fresh("fleet-dead");
      let requests = 0;
      let first = true;
      const upstream = async () => {
        requests++;
        await sleep(30);
        return `token-${requests}`;
      };
      const dying = async () => {
        requests++;
        return null;
      };
      const fleet = Array.from({ length: 10 }, () => makeStore());
      const results = await Promise.all(
        fleet.map((s, i) =>
          sleep(i === 0 ? 0 : 20).then(() =>
            obtain(s, key, () => {
              if (first) {
                first = false;
                return dying();
              }
              return upstream();
            }, { leaseMs: ttlMs }),
          ),
        ),
      );
      check(requests === 2, `${requests} upstream requests`);
      check(results.filter((t) => t === "token-2").length === 9, `results ${JSON.stringify(results)}`);
    });
  }

  if (scan && codec) {
    add("the backing store holds no plaintext: no tenant name, token or secret", async () => {
      const tenants = ["acmecorp", "globexinc", "initechltd"];
      const secrets = [];
      const releases = [];
      for (const t of tenants) {
        const key = await codec.keyFor([`http://127.0.0.1:1/${prefix}`, "client-id-zz", "app-zz", "1.0.0", "hosttenantzz", t]);
        const accessToken = `eyJhbGciOiJSUzI1NiJ9.${t}PAYLOAD.SIGNATURE${t}`;
        secrets.push(accessToken);
        const plain = JSON.stringify({ accessToken, userTenant: t, hostTenant: "hosttenantzz", expiresAt: 1_900_000_000_000 });
        await a.set(key, await codec.seal(key, plain), 60_000);
        if (lease) {
          const r = await a.lease(key, 10_000);
          check(r, "lease refused");
          releases.push(r);
        }
        check((await codec.open(key, await b.get(key))) === plain, "does not open from the other view");
      }
      const entries = await scan();
      check(entries.length >= tenants.length, `scan found ${entries.length} entries`);
      const words = [...tenants, "hosttenantzz", "client-id-zz", "app-zz", "PAYLOAD", "SIGNATURE", "accessToken", "eyJhbGci", ...secrets];
      for (const [k, v] of entries) {
        for (const w of words) {
          check(!String(k).includes(w), `a key shows ${w}`);
          check(!String(v).includes(w), `a value shows ${w}`);
        }
      }
      for (const r of releases) await r();
    });
  }

  for (const [name, store] of down) {
    add(`store down (${name}): every call rejects`, async () => {
      const calls = [["get", () => store.get(fresh("down"))], ["set", () => store.set(fresh("down"), "x", 60_000)]];
      if (lease && store.lease) calls.push(["lease", () => store.lease(fresh("down"), 10_000)]);
      for (const [op, call] of calls) {
        let rejected = false;
        try {
          await call();
        } catch {
          rejected = true;
        }
        check(rejected, `${op} did not reject`);
      }
    });
  }
  return cases;
}

/** Runs cases one after the other, each bounded by timeoutMs; returns [{ name, ok, message }]. */
export async function runCases(cases, timeoutMs = 20_000) {
  const results = [];
  for (const c of cases) {
    let timer;
    try {
      await Promise.race([c.run(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)))]);
      results.push({ name: c.name, ok: true });
    } catch (e) {
      results.push({ name: c.name, ok: false, message: String(e?.stack ?? e).slice(0, 2000) });
    } finally {
      clearTimeout(timer);
    }
  }
  return results;
}
