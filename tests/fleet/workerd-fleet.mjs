// The fleet in workerd (Miniflare), with tms-edge/durable-object or tms-edge/workers-kv: one
// request runs the whole fleet (every isolate a TokenManager of its own, sharing the bindings).
// See workerd-fleet-runner.mjs.
import { TokenManager } from "../../pkg/workerd.js";
import { durableObjectStore, TokenCoordinator } from "../../pkg/stores/durable-object.js";
import { workersKvStore } from "../../pkg/stores/workers-kv.js";
import { runFleet } from "./fleet-core.mjs";

export { TokenCoordinator };

export default {
  async fetch(request, env) {
    const spec = await request.json();
    const makeStore =
      spec.adapter === "durable-object"
        ? () => durableObjectStore(env.COORD, { name: spec.options.hostTenant })
        : () => workersKvStore(env.KV);
    const row = await runFleet({
      TokenManager,
      options: spec.options,
      makeStore,
      tenants: spec.tenants,
      isolates: spec.isolates,
      lifetimeMs: spec.lifetimeMs,
      refreshBeforeExpiryMs: spec.refreshBeforeExpiryMs,
      lifetimes: spec.lifetimes,
      tokenRequests: async () => (await (await fetch(spec.statsUrl)).json()).requests.token,
      seed: 7,
    });
    return Response.json(row);
  },
};
