// Browsers and bundlers: fetch and compile the .wasm next to this file (top-level await).
import init, { __tmsErrorClass, sharePendingCalls } from "./tms_edge.js";

await init({ module_or_path: new URL("./tms_edge_bg.wasm", import.meta.url) });

// Nothing here cancels a request under a pending promise: concurrent calls may share one
// (see manager.js).
sharePendingCalls();

// TokenManager: the wasm class behind a hit path in JS (manager.js, bundled into tms_edge.js).
export { TokenManager, decodeJwt } from "./tms_edge.js";
export const TmsError = __tmsErrorClass();
