// Deno: main.ts — deno run --allow-net --allow-env --unstable-no-legacy-abort main.ts
import { TmsError, TokenManager } from "npm:tms-edge";

const tms = TokenManager.fromEnv(Deno.env.toObject());

Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.env.get("PORT") ?? 8000) }, async (request) => {
  const tenant = new URL(request.url).searchParams.get("tenant") ?? undefined;
  try {
    const token = await tms.token(tenant, { signal: request.signal });
    return Response.json({ userTenant: token.userTenant, expiresAt: token.expiresAt });
  } catch (err) {
    if (!(err instanceof TmsError)) throw err;
    return Response.json({ code: err.code, status: err.status }, { status: 502 });
  }
});
