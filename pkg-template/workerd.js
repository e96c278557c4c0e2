// Cloudflare workerd (wrangler, Miniflare): it cannot compile wasm from bytes at run time,
// so the bundler hands us the module compiled at deploy time.
import wasm from "./tms_edge_bg.wasm";
import { initSync, __tmsErrorClass } from "./tms_edge.js";

initSync({ module: wasm });

// TokenManager: the wasm class behind a hit path in JS (manager.js, bundled into tms_edge.js).
export { TokenManager, decodeJwt } from "./tms_edge.js";
export const TmsError = __tmsErrorClass();
