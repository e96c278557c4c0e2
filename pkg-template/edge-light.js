// Vercel Edge Functions: `?module` asks Vercel's bundler for a compiled WebAssembly.Module.
import wasm from "./tms_edge_bg.wasm?module";
import { initSync, __tmsErrorClass } from "./tms_edge.js";

initSync({ module: wasm });

export { TokenManager, decodeJwt } from "./tms_edge.js";
export const TmsError = __tmsErrorClass();
