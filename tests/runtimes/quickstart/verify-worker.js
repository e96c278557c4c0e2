// Cloudflare Worker: check a user's bearer token, then act for the user's tenant.
import { TmsError, TokenManager } from "tms-edge";

let tms;

export default {
  async fetch(request, env) {
    tms ??= TokenManager.fromEnv(env);
    const bearer = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1];
    if (!bearer) return new Response("missing bearer token", { status: 401 });
    let claims;
    try {
      // Signature (RS256, keys from the gateway's token_keys), alg, typ, exp, iat, iss.
      claims = await tms.verify(bearer, { signal: request.signal });
    } catch (err) {
      if (!(err instanceof TmsError)) throw err;
      return Response.json({ code: err.code, reason: err.message }, { status: 401 });
    }
    // A technical token for the user's tenant, e.g. to call an API on the user's behalf.
    const token = await tms.token(claims.ten, { signal: request.signal });
    return Response.json({ user: claims.sub ?? null, tenant: token.userTenant, expiresAt: token.expiresAt });
  },
};
