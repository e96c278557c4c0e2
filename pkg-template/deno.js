// Deno: a source phase import hands us the compiled WebAssembly.Module through Deno's module
// loader, so no permission flag is needed (reading the file would need --allow-read).
import source wasm from "./tms_edge_bg.wasm";
import { initSync, __tmsErrorClass, sharePendingCalls } from "./tms_edge.js";

initSync({ module: wasm });

// Nothing here cancels a request under a pending promise: concurrent calls may share one
// (see manager.js).
sharePendingCalls();

// TokenManager: the wasm class behind a hit path in JS (manager.js, bundled into tms_edge.js).
export { TokenManager, decodeJwt } from "./tms_edge.js";
export const TmsError = __tmsErrorClass();
