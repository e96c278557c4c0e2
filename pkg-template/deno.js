// Deno: a source phase import hands us the compiled WebAssembly.Module through Deno's module
// loader, so no permission flag is needed (reading the file would need --allow-read).
import source wasm from "./tms_edge_bg.wasm";
import { initSync, __tmsErrorClass } from "./tms_edge.js";
import { TokenManager, promisesAlwaysSettle } from "./manager.js";

initSync({ module: wasm });

export { decodeJwt } from "./tms_edge.js";
// The wasm class behind a hit path in JS (see manager.js). Promises here always settle.
promisesAlwaysSettle();
export { TokenManager };
export const TmsError = __tmsErrorClass();
