// The fleet simulation, short form (make test): 10 isolates, 20 tenants, 2 token lifetimes
// per adapter, on the real engines. `make fleet` runs the long form (50 isolates, 100 tenants,
// 3 lifetimes). See fleet.mjs.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ADAPTERS, fleets, formatTable } from "./fleet.mjs";

test("fleet (short): one token request per tenant per refresh cycle with every lease-capable store; about one per isolate without", { timeout: 300_000 }, async () => {
  const out = await fleets({ isolates: 10, tenants: 20, lifetime: 4, lifetimes: 2, only: ADAPTERS });
  console.log(formatTable(out));
  for (const r of out.rows) {
    assert.equal(r.wrongTenant, 0, `${r.adapter}: wrong tenant`);
    assert.equal(r.expired, 0, `${r.adapter}: expired`);
    assert.equal(r.errors, 0, `${r.adapter}: errors ${JSON.stringify(r.errorCodes)}`);
    if (r.adapter === "none") assert.ok(r.perTenantPerCycle >= 5, `${r.adapter}: ${r.perTenantPerCycle} per cycle, expected about one per isolate`);
    // Lease-capable stores: the floor is 1 per cycle (jitter makes a cycle's length vary).
    else if (r.adapter !== "workers-kv") assert.ok(r.perTenantPerCycle <= 1.15, `${r.adapter}: ${r.perTenantPerCycle} per cycle`);
    // Workers KV has no lease: isolates that miss at once each request; bounded, not 1.
    else assert.ok(r.perTenantPerCycle <= 3, `${r.adapter}: ${r.perTenantPerCycle} per cycle`);
  }
});
