// Runs in Deno (--unstable-kv): the TokenStore cases on tms-edge/deno-kv over a real Deno KV
// (SQLite file in the directory given as the first argument), plus its own expiry checks and the
// codec cases (store-codec.js in Deno).
// Prints one line "RESULT <json>" with [{ name, ok, message }].
import { denoKvStore } from "../../../pkg-template/stores/deno-kv.js";
import { createCodec } from "../../../src/js/store-codec.js";
import { runCases, storeCases } from "../lib/conformance.mjs";
import { codecCases } from "../lib/codec-cases.mjs";

const dir = Deno.args[0];
const sealedInNode = JSON.parse(Deno.args[1]);
const kv = await Deno.openKv(`${dir}/kv.sqlite3`);
// Two stores on one handle are two isolates' views (each keeps its own last-seen versionstamps).
// Not two handles on the file: local SQLite then fails concurrent commits with "database is
// locked" (toolchain.md), which Deno Deploy's shared database does not do.
const closed = await Deno.openKv(":memory:");
closed.close();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const check = (cond, message) => {
  if (!cond) throw new Error(message);
};

async function scan() {
  const out = [];
  for await (const e of kv.list({ prefix: [] })) out.push([JSON.stringify(e.key), JSON.stringify(e.value)]);
  return out;
}

const stores = [denoKvStore(kv), denoKvStore(kv)];
const cases = storeCases({
  stores,
  makeStore: () => denoKvStore(kv),
  ttlMs: 300,
  scan,
  codec: await createCodec("client-secret-for-the-deno-kv-test"),
  down: [["closed handle", denoKvStore(closed)]],
  prefix: `deno-${Date.now()}`,
});

cases.push({
  name: "deno-kv: an entry past its expiry is a miss even while Deno still holds it",
  async run() {
    const store = denoKvStore(kv);
    // Written as an expired entry with no expireIn: Deno will never delete it by itself.
    await kv.set(["tms-edge", "tms-edge:v1:stale"], { v: "old", exp: Date.now() - 1 });
    check((await kv.get(["tms-edge", "tms-edge:v1:stale"])).value?.v === "old", "entry not there");
    check((await store.get("tms-edge:v1:stale")) === null, "an expired entry was returned");
    // An entry that is not ours (another shape) is a miss too.
    await kv.set(["tms-edge", "tms-edge:v1:odd"], "just a string");
    check((await store.get("tms-edge:v1:odd")) === null, "a foreign entry was returned");
    // So is an expired lease: it can be taken.
    await kv.set(["tms-edge", "lease", "tms-edge:v1:stale"], { token: "x", exp: Date.now() - 1 });
    const r = await store.lease("tms-edge:v1:stale", 1000);
    check(r, "an expired lease entry blocked the lease");
    await r();
    check((await kv.get(["tms-edge", "lease", "tms-edge:v1:stale"])).versionstamp === null, "release left the lease");
  },
});

cases.push({
  name: "deno-kv: entries live under the prefix, the value as { v, exp } with the expiry inside",
  async run() {
    const store = denoKvStore(kv, { prefix: ["app", "tokens"] });
    const before = Date.now();
    await store.set("tms-edge:v1:pfx", "sealed", 5000);
    const e = (await kv.get(["app", "tokens", "tms-edge:v1:pfx"])).value;
    check(e?.v === "sealed", "not under the prefix");
    check(e.exp >= before + 5000 && e.exp <= Date.now() + 5000, `exp ${e.exp - before}`);
  },
});

cases.push(...codecCases(createCodec, { sealedInNode }));

const results = await runCases(cases);
kv.close();
console.log("RESULT " + JSON.stringify(results));
