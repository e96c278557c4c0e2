// Browsers and bundlers: fetch and compile the .wasm next to this file (top-level await).
import init, { __tmsErrorClass } from "./tms_edge.js";

await init({ module_or_path: new URL("./tms_edge_bg.wasm", import.meta.url) });

export { TokenManager, decodeJwt } from "./tms_edge.js";
export const TmsError = __tmsErrorClass();
