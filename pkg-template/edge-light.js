// Vercel Edge Functions: `?module` asks Vercel's bundler for a compiled WebAssembly.Module.
import wasm from "./tms_edge_bg.wasm?module";
import { initSync, __tmsErrorClass } from "./tms_edge.js";

// Next.js's edge sandbox (at build time and in `next start`) hands over a Module made in another
// realm: `instanceof` is false there, and the glue would then try to compile the Module as if it
// were bytes. It is a real Module (the tag says so), so let this realm's check recognise it.
if (!(wasm instanceof WebAssembly.Module) && Object.prototype.toString.call(wasm) === "[object WebAssembly.Module]") {
  Object.setPrototypeOf(wasm, WebAssembly.Module.prototype);
}
initSync({ module: wasm });

// TokenManager: the wasm class behind a hit path in JS (manager.js, bundled into tms_edge.js).
export { TokenManager, decodeJwt } from "./tms_edge.js";
export const TmsError = __tmsErrorClass();
