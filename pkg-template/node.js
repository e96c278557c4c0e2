// Node 20+: the .wasm sits next to this file; compile it synchronously at import.
import { readFileSync } from "node:fs";
import { initSync, __tmsErrorClass, sharePendingCalls } from "./tms_edge.js";

initSync({ module: readFileSync(new URL("./tms_edge_bg.wasm", import.meta.url)) });

// Nothing here cancels a request under a pending promise: concurrent calls may share one
// (see manager.js).
sharePendingCalls();

// TokenManager: the wasm class behind a hit path in JS (manager.js, bundled into tms_edge.js).
export { TokenManager, decodeJwt } from "./tms_edge.js";
export const TmsError = __tmsErrorClass();
