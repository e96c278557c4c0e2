// The fleet in Deno, with tms-edge/deno-kv (see deno-fleet-runner.mjs). Prints "RESULT <json>".
import { TokenManager } from "../../pkg/deno.js";
import { denoKvStore } from "../../pkg/stores/deno-kv.js";
import { runSpec } from "./fleet-core.mjs";

const spec = JSON.parse(Deno.args[0]);
const kv = await Deno.openKv(":memory:");
const row = await runSpec(spec, { TokenManager, makeStore: () => denoKvStore(kv) });
kv.close();
console.log(`RESULT ${JSON.stringify(row)}`);
