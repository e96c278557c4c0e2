// Cloudflare Worker (wrangler): src/index.js
import { TokenManager } from "tms-edge";

let tms; // one per isolate: its token cache outlives single requests

export default {
  async fetch(request, env) {
    tms ??= TokenManager.fromEnv(env); // MDSP_* vars and secrets from wrangler.toml / `wrangler secret`
    const tenant = new URL(request.url).searchParams.get("tenant") ?? undefined;
    try {
      // request.signal (compatibility flag enable_request_signal) ends the wait if the client goes away.
      const token = await tms.token(tenant, { signal: request.signal });
      return Response.json({ userTenant: token.userTenant, expiresAt: token.expiresAt });
    } catch (err) {
      return Response.json({ code: err.code, status: err.status }, { status: err.code === "TMS_ABORTED" ? 499 : 502 });
    }
  },
};
