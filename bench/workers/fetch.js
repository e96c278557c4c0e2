// The hand-written miss of bench/workerd.mjs: what every miss costs at least, with no library.
// Each request sends the token request itself (the POST to the Token Management Service's
// /oauth/token that tms-edge sends for one tenant: the same endpoint, credentials and body, as
// bench/clients/baseline.mjs does in Node) and parses the JSON answer; no cache, no checks
// beyond the status and an access_token being there. The response never holds the token.
//
//   GET /?t=<tenant>
export default {
  async fetch(request, env) {
    const tenant = new URL(request.url).searchParams.get("t");
    const res = await fetch(`${env.MDSP_GATEWAY_URL}/api/technicaltokenmanager/v3/oauth/token`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-space-auth-key": `Basic ${btoa(`${env.MDSP_KEY_STORE_CLIENT_ID}:${env.MDSP_KEY_STORE_CLIENT_SECRET}`)}`,
      },
      body: JSON.stringify({ appName: env.MDSP_OS_VM_APP_NAME, appVersion: env.MDSP_OS_VM_APP_VERSION, hostTenant: env.MDSP_HOST_TENANT, userTenant: tenant }),
    });
    if (res.status !== 200) return new Response(`upstream ${res.status}`, { status: 502 });
    const body = await res.json();
    const ok = typeof body.access_token === "string" && body.access_token.length > 0 && Number(body.expires_in) > 0;
    return new Response(ok ? "ok" : "no token", { status: ok ? 200 : 502 });
  },
};
