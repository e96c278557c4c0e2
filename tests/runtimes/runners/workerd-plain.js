// The quick start worker, but its token() calls pass no options (no request.signal). Where
// promises always settle (Node, Deno) the package's entry code lets such calls share one
// promise; on workerd it must not: a cancelled first caller's promise would never settle.
import { TokenManager } from "tms-edge";

let tms;

export default {
  async fetch(request, env) {
    tms ??= TokenManager.fromEnv(env);
    const tenant = new URL(request.url).searchParams.get("tenant") ?? undefined;
    try {
      const token = await tms.token(tenant);
      return Response.json({ userTenant: token.userTenant, expiresAt: token.expiresAt });
    } catch (err) {
      return Response.json({ code: err.code, status: err.status }, { status: err.code === "TMS_ABORTED" ? 499 : 502 });
    }
  },
};
