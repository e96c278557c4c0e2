// The token worker of bench/workerd.mjs, bundled as wrangler does (the package's workerd entry,
// the .wasm a module compiled by workerd at load). One TokenManager per isolate, created on the
// first request from the MDSP_* bindings (BENCH_VERIFY=1 adds `verify: true`), as in the README's
// quick start. The response says whether a token was obtained, never the token.
//
//   GET /token?t=<tenant>    await tm.token(tenant): a hit when cached, a miss (an upstream
//                            request) for a tenant this isolate has not seen
//   GET /refetch?t=<tenant>  tm.invalidate(tenant), then await tm.token(tenant): always a miss
//   GET /stats               tm.stats() (counters only)
import { TokenManager } from "tms-edge";

let tm;

export default {
  async fetch(request, env) {
    tm ??= TokenManager.fromEnv(env, env.BENCH_VERIFY === "1" ? { verify: true } : undefined);
    const url = new URL(request.url);
    if (url.pathname === "/stats") return Response.json(tm.stats());
    const tenant = url.searchParams.get("t") ?? undefined;
    if (url.pathname === "/none") return new Response(tenant ? "ok" : "no tenant", { status: tenant ? 200 : 400 });
    try {
      if (url.pathname === "/refetch") tm.invalidate(tenant);
      else if (url.pathname !== "/token") return new Response("not found", { status: 404 });
      const token = await tm.token(tenant);
      const ok = token.userTenant === tenant && typeof token.accessToken === "string" && token.accessToken.length > 0;
      return new Response(ok ? "ok" : "wrong token", { status: ok ? 200 : 500 });
    } catch (err) {
      return new Response(String(err?.code ?? "error"), { status: 502 });
    }
  },
};
