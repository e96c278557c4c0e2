// Vercel Edge Functions: `?module` asks Vercel's bundler for a compiled WebAssembly.Module.
import wasm from "./tms_edge_bg.wasm?module";
import { initSync, __tmsErrorClass } from "./tms_edge.js";

initSync({ module: wasm });

export { decodeJwt } from "./tms_edge.js";
// The wasm class behind a hit path in JS (see manager.js).
export { TokenManager } from "./manager.js";
export const TmsError = __tmsErrorClass();
