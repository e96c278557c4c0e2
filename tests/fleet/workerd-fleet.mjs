// The fleet in workerd (Miniflare), with tms-edge/durable-object or tms-edge/workers-kv: one
// request runs the whole fleet (every isolate a TokenManager of its own, sharing the bindings).
// See workerd-fleet-runner.mjs.
import { TokenManager } from "../../pkg/workerd.js";
import { durableObjectStore, TokenCoordinator } from "../../pkg/stores/durable-object.js";
import { workersKvStore } from "../../pkg/stores/workers-kv.js";
import { runSpec } from "./fleet-core.mjs";

export { TokenCoordinator };

export default {
  async fetch(request, env) {
    const spec = await request.json();
    const makeStore =
      spec.adapter === "durable-object"
        ? () => durableObjectStore(env.COORD, { name: spec.options.hostTenant })
        : () => workersKvStore(env.KV);
    const row = await runSpec(spec, { TokenManager, makeStore });
    return Response.json(row);
  },
};
