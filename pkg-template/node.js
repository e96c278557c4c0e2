// Node 20+: the .wasm sits next to this file; compile it synchronously at import.
import { readFileSync } from "node:fs";
import { initSync, __tmsErrorClass } from "./tms_edge.js";
import { TokenManager, promisesAlwaysSettle } from "./manager.js";

initSync({ module: readFileSync(new URL("./tms_edge_bg.wasm", import.meta.url)) });

export { decodeJwt } from "./tms_edge.js";
// The wasm class behind a hit path in JS (see manager.js). Promises here always settle.
promisesAlwaysSettle();
export { TokenManager };
export const TmsError = __tmsErrorClass();
