// A client worker for the concurrency test: it sends `n` concurrent requests to the worker bound
// as TMS (the quick start) through a service binding, so that aborting one is a real client
// disconnect for workerd (the callee's request.signal fires with "The client has disconnected",
// as on Cloudflare, where the edge cancels the request). The first `aborted` requests go out
// first; once the emulator has the upstream request, the rest follow, and `abortAfterMs` later the
// first ones are aborted while that upstream request is still in flight.
export default {
  async fetch(request, env) {
    const { n, aborted, abortAfterMs, tenant, emulator } = await request.json();
    const started = Date.now();
    const send = (i, signal) => {
      const t0 = Date.now();
      return env.TMS.fetch(`http://tms.local/?tenant=${tenant}&i=${i}`, { signal }).then(
        async (res) => ({ i, status: res.status, body: await res.json(), ms: Date.now() - t0 }),
        (e) => ({ i, status: e.name === "AbortError" ? "aborted" : "error", error: String(e), ms: Date.now() - t0 }),
      );
    };
    const upstream = async () => (await (await fetch(`${emulator}/_emulator/stats`)).json()).requests.token;
    const controllers = Array.from({ length: n }, () => new AbortController());
    const pending = [];
    for (let i = 0; i < aborted; i++) pending.push(send(i, controllers[i].signal));
    if (aborted > 0) {
      for (let tries = 0; (await upstream()) < 1; tries++) {
        if (tries > 1000) return Response.json({ error: "the leader's upstream request never arrived" }, { status: 500 });
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const leaderAt = Date.now() - started;
    for (let i = aborted; i < n; i++) pending.push(send(i, controllers[i].signal));
    await new Promise((r) => setTimeout(r, abortAfterMs));
    for (let i = 0; i < aborted; i++) controllers[i].abort();
    const abortAt = Date.now() - started;
    const results = await Promise.all(pending);
    return Response.json({ results, leaderAt, abortAt, wallMs: Date.now() - started });
  },
};
