// Deno: read the .wasm next to this file (needs read access to the package directory).
import { initSync, __tmsErrorClass } from "./tms_edge.js";

initSync({ module: Deno.readFileSync(new URL("./tms_edge_bg.wasm", import.meta.url)) });

export { TokenManager, decodeJwt } from "./tms_edge.js";
export const TmsError = __tmsErrorClass();
