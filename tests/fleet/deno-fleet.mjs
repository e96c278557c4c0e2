// The fleet in Deno, with tms-edge/deno-kv (see deno-fleet-runner.mjs). Prints "RESULT <json>".
import { TokenManager } from "../../pkg/deno.js";
import { denoKvStore } from "../../pkg/stores/deno-kv.js";
import { runFleet } from "./fleet-core.mjs";

const spec = JSON.parse(Deno.args[0]);
const kv = await Deno.openKv(":memory:");
const row = await runFleet({
  TokenManager,
  options: spec.options,
  makeStore: () => denoKvStore(kv),
  tenants: spec.tenants,
  isolates: spec.isolates,
  lifetimeMs: spec.lifetimeMs,
  refreshBeforeExpiryMs: spec.refreshBeforeExpiryMs,
  lifetimes: spec.lifetimes,
  tokenRequests: async () => (await (await fetch(spec.statsUrl)).json()).requests.token,
  seed: 7,
});
kv.close();
console.log(`RESULT ${JSON.stringify(row)}`);
