// Cloudflare workerd (wrangler, Miniflare): it cannot compile wasm from bytes at run time,
// so the bundler hands us the module compiled at deploy time.
import wasm from "./tms_edge_bg.wasm";
import { initSync, __tmsErrorClass } from "./tms_edge.js";

initSync({ module: wasm });

export { decodeJwt } from "./tms_edge.js";
// The wasm class behind a hit path in JS (see manager.js).
export { TokenManager } from "./manager.js";
export const TmsError = __tmsErrorClass();
