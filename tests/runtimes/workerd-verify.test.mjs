// The npm README's "checking a user's token" worker (quickstart/verify-worker.js) in workerd,
// bundled as wrangler does: a genuine bearer token is verified (WebCrypto RS256 in workerd)
// and its tenant served; a forged, expired or missing one is refused with 401.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { bundleWorkerd } from "./lib/bundle.mjs";
import { HERE, OUT, installPackage, startEmulator } from "./lib/setup.mjs";
import { envFor, startWorkerd } from "./lib/workerd.mjs";

const RUNTIME = "workerd";
let emu, consumer, worker, lib;

before(async () => {
  consumer = (await installPackage(RUNTIME)).dir;
  lib = await import(join(consumer, "node_modules/tms-edge/node.js"));
  emu = await startEmulator();
  const script = await bundleWorkerd(join(HERE, "quickstart/verify-worker.js"), join(OUT, RUNTIME, "verify-quickstart"), consumer);
  worker = await startWorkerd(script, { bindings: envFor(emu) });
});
after(async () => {
  await worker?.dispose();
  await emu?.stop();
});

describe("workerd: the README worker that checks a user's token", () => {
  test("workerd: a genuine bearer token passes verify(); forged, expired and missing ones are 401", async () => {
    // A token the platform issued (here: the emulator, for tenant002) stands for a user's token.
    const tm = new lib.TokenManager({ ...emu.credentials, gateway: emu.url });
    const user = (await tm.token("tenant002")).accessToken;
    const ok = await fetch(worker.url, { headers: { authorization: `Bearer ${user}` } });
    const body = await ok.json();
    assert.equal(ok.status, 200, JSON.stringify(body));
    assert.equal(body.tenant, "tenant002", "acts for the token's tenant");
    assert.ok(body.expiresAt > Date.now());

    const [h, p, s] = user.split(".");
    const forged = `${h}.${p}.${s.slice(0, 8)}${s[8] === "A" ? "B" : "A"}${s.slice(9)}`;
    const bad = await fetch(worker.url, { headers: { authorization: `Bearer ${forged}` } });
    const badBody = await bad.json();
    assert.equal(bad.status, 401);
    assert.equal(badBody.code, "TMS_INVALID_TOKEN");
    assert.match(badBody.reason, /signature/, "names the failed check");
    assert.ok(!JSON.stringify(badBody).includes(s.slice(0, 16)), "never the token");

    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    const expired = `${h}.${Buffer.from(JSON.stringify({ ...claims, exp: 1 })).toString("base64url")}.${s}`;
    const old = await fetch(worker.url, { headers: { authorization: `Bearer ${expired}` } });
    assert.equal(old.status, 401);
    assert.match((await old.json()).reason, /`exp`/);

    const none = await fetch(worker.url);
    assert.equal(none.status, 401);
    await none.text();
  });
});
