// Bun: server.js — bun server.js (Bun reads .env itself)
import { TmsError, TokenManager } from "tms-edge";

const tms = TokenManager.fromEnv(); // MDSP_* variables from process.env

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 3000),
  async fetch(request) {
    const tenant = new URL(request.url).searchParams.get("tenant") ?? undefined;
    try {
      const token = await tms.token(tenant, { signal: request.signal });
      return Response.json({ userTenant: token.userTenant, expiresAt: token.expiresAt });
    } catch (err) {
      if (!(err instanceof TmsError)) throw err;
      return Response.json({ code: err.code, status: err.status }, { status: 502 });
    }
  },
});
console.log(`Listening on ${server.url}`);
