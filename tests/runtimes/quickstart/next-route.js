// Next.js on Vercel (App Router, edge runtime): app/api/token/route.js
import { TokenManager } from "tms-edge";

export const runtime = "edge";

let tms; // one per instance: its token cache outlives single invocations

export async function GET(request) {
  tms ??= TokenManager.fromEnv(process.env); // project environment variables (MDSP_*), .env.local in development
  const tenant = new URL(request.url).searchParams.get("tenant") ?? undefined;
  try {
    const token = await tms.token(tenant, { signal: request.signal });
    return Response.json({ userTenant: token.userTenant, expiresAt: token.expiresAt });
  } catch (err) {
    return Response.json({ code: err.code, status: err.status }, { status: 502 });
  }
}
