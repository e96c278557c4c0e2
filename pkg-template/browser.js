// Browsers and bundlers: fetch and compile the .wasm next to this file (top-level await).
import init, { __tmsErrorClass } from "./tms_edge.js";
import { TokenManager, promisesAlwaysSettle } from "./manager.js";

await init({ module_or_path: new URL("./tms_edge_bg.wasm", import.meta.url) });

export { decodeJwt } from "./tms_edge.js";
// The wasm class behind a hit path in JS (see manager.js). Promises here always settle.
promisesAlwaysSettle();
export { TokenManager };
export const TmsError = __tmsErrorClass();
