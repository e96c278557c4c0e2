// The soak test, short form, under node --test: 1500 calls over 100 tenants in about 10 s
// with random faults. The long form is `node tests/soak/soak.mjs --calls 10000 --tenants 500
// --seconds 60`. See soak.mjs for what is checked.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatSummary, MEMORY_LIMITS, runSoak } from "./soak.mjs";

const MB = 1024 * 1024;

test("soak (short): 1500 calls, 100 tenants, 10 s of random faults", { timeout: 90_000 }, async (t) => {
  const s = await runSoak({ calls: 1500, tenants: 100, seconds: 10, quiet: true });
  t.diagnostic(`seed ${s.seed}`);
  console.log(formatSummary(s));
  check(s);
});

test("soak (short) with verify and a flaky shared store: 5 isolates, 1500 calls, 100 tenants, 10 s", { timeout: 90_000 }, async (t) => {
  const s = await runSoak({ calls: 1500, tenants: 100, seconds: 10, quiet: true, verify: true, store: true, isolates: 5 });
  t.diagnostic(`seed ${s.seed}`);
  console.log(formatSummary(s));
  check(s, { isolates: 5 });
  assert.ok(s.store.failures > 0, "the store failed now and then");
  assert.ok(s.clientStats.storeHits > 0, "tokens came from the store");
});

function check(s, { isolates = 1 } = {}) {
  assert.equal(s.calls, 1500, "calls made");
  assert.ok(s.tokens > 0, "no token at all");
  assert.equal(s.wrongTenant, 0, "tokens of the wrong tenant");
  assert.equal(s.expired, 0, "expired tokens");
  assert.equal(s.hangs, 0, `calls past the ${s.callBoundMs} ms bound`);
  assert.equal(s.stillPending, 0, "calls still pending at the end");
  assert.equal(s.unexpectedErrors, 0, "errors that are not TmsErrors");
  assert.equal(s.abortedWithoutSignal, 0, "TMS_ABORTED for calls without a signal");
  assert.equal(s.badShape, 0, `malformed results: ${s.problems.join("; ")}`);
  assert.equal(s.sweep.errors, 0, `recovery sweep errors: ${JSON.stringify(s.sweep.codes)}`);
  assert.equal(s.sweep.tokens, 100, "recovery sweep tokens");
  const m = s.memory;
  assert.ok(m.heapGrowthAfterWarmup < MEMORY_LIMITS.heapGrowth * isolates, `heap grew ${(m.heapGrowthAfterWarmup / MB).toFixed(1)} MB after warm-up`);
  assert.ok(m.rssGrowthAfterWarmup < MEMORY_LIMITS.rssGrowth * isolates, `rss grew ${(m.rssGrowthAfterWarmup / MB).toFixed(1)} MB after warm-up`);
  assert.ok((m.wasmGrowthAfterWarmup ?? 0) < MEMORY_LIMITS.wasmGrowth, "wasm memory grew after warm-up");
  assert.ok(s.ok, "summary not ok");
}
