// src/js/store-call.js in Node: one bounded, never-throwing call to a user's TokenStore (the
// engine turns every { ok: false } into a TMS_STORE event and goes on without the store).
import { test } from "node:test";
import assert from "node:assert/strict";
import { callRelease, callStore } from "../../src/js/store-call.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test("a resolved call gives its value; `this` is the store; arguments are passed", async () => {
  const store = {
    prefix: "p:",
    async get(key) {
      return this.prefix + key;
    },
    async set(key, value, ttl) {
      this.last = [key, value, ttl];
    },
  };
  assert.deepEqual(await callStore(store, "get", ["k"], 100), { ok: true, value: "p:k" });
  assert.deepEqual(await callStore(store, "set", ["k", "v", 5], 100), { ok: true, value: undefined });
  assert.deepEqual(store.last, ["k", "v", 5]);
});

test("a rejection, a sync throw, a throwing getter: { ok: false, reason: 'error' }, never the error itself", async () => {
  const secret = "redis://user:hunter2@db";
  const stores = [
    { get: () => Promise.reject(new Error(`connect ECONNREFUSED ${secret}`)) },
    {
      get() {
        throw new Error(secret);
      },
    },
    {
      get get() {
        throw new Error(secret);
      },
    },
    { get: () => Promise.reject(secret) },
  ];
  for (const s of stores) {
    const r = await callStore(s, "get", ["k"], 100);
    assert.deepEqual(r, { ok: false, reason: "error" });
    assert.ok(!JSON.stringify(r).includes("hunter2"));
  }
});

test("a call slower than the timeout: { ok: false, reason: 'timeout' } at about the timeout", async () => {
  const t0 = Date.now();
  const r = await callStore({ get: () => new Promise(() => {}) }, "get", ["k"], 80);
  const took = Date.now() - t0;
  assert.deepEqual(r, { ok: false, reason: "timeout" });
  assert.ok(took >= 70 && took < 1000, `took ${took} ms`);
  // A late rejection after the timeout is swallowed (no unhandled rejection).
  const late = await callStore({ get: () => sleep(50).then(() => Promise.reject(new Error("late"))) }, "get", ["k"], 10);
  assert.deepEqual(late, { ok: false, reason: "timeout" });
  await sleep(80);
});

test("non-promise results and a missing method", async () => {
  assert.deepEqual(await callStore({ get: () => "sync" }, "get", ["k"], 50), { ok: true, value: "sync" });
  assert.deepEqual(await callStore({ get: () => ({ then: (ok) => ok("thenable") }) }, "get", ["k"], 50), { ok: true, value: "thenable" });
  assert.deepEqual(await callStore({ get: async () => "x" }, "lease", ["k", 1000], 50), { ok: false, reason: "missing" });
  assert.deepEqual(await callStore(null, "get", ["k"], 50), { ok: false, reason: "missing" });
  assert.deepEqual(await callStore({ get: 42 }, "get", ["k"], 50), { ok: false, reason: "missing" });
});

test("lease: a release function or null is ok; anything else is an error", async () => {
  const release = async () => {};
  assert.deepEqual(await callStore({ lease: async () => release }, "lease", ["k", 1000], 50), { ok: true, value: release });
  assert.deepEqual(await callStore({ lease: async () => null }, "lease", ["k", 1000], 50), { ok: true, value: null });
  assert.deepEqual(await callStore({ lease: async () => undefined }, "lease", ["k", 1000], 50), { ok: true, value: null });
  for (const bad of [true, "token", 1, {}]) {
    assert.deepEqual(await callStore({ lease: async () => bad }, "lease", ["k", 1000], 50), { ok: false, reason: "error" });
  }
});

test("lease: one granted after the timeout is released at once (nobody would work on it)", async () => {
  let released = 0;
  const store = { lease: () => sleep(60).then(() => async () => void released++) };
  assert.deepEqual(await callStore(store, "lease", ["k", 1000], 10), { ok: false, reason: "timeout" });
  await sleep(120);
  assert.equal(released, 1);
  // A late release that fails is swallowed too.
  const failing = { lease: () => sleep(30).then(() => () => Promise.reject(new Error("down"))) };
  await callStore(failing, "lease", ["k", 1000], 5);
  await sleep(60);
});

test("callRelease: bounded and never throwing, like callStore", async () => {
  assert.deepEqual(await callRelease(async () => {}, 50), { ok: true, value: undefined });
  assert.deepEqual(await callRelease(() => Promise.reject(new Error("x")), 50), { ok: false, reason: "error" });
  assert.deepEqual(await callRelease(() => new Promise(() => {}), 30), { ok: false, reason: "timeout" });
  assert.deepEqual(await callRelease(null, 30), { ok: false, reason: "missing" });
});

test("a bad timeout counts as 0 ms (the call still gets its own microtask-fast answer)", async () => {
  assert.deepEqual(await callStore({ get: async () => "fast" }, "get", ["k"], NaN), { ok: true, value: "fast" });
  assert.deepEqual(await callStore({ get: () => sleep(20).then(() => "slow") }, "get", ["k"], -1), { ok: false, reason: "timeout" });
});
