// A local stand-in for Upstash's REST protocol (which has no offline server), in front of a real
// Redis: @upstash/redis, pointed at it with new Redis({ url, token }), runs its real code path.
// What the client sends (read in node_modules/@upstash/redis, HttpClient.request):
//   POST {url}/            body ["set","k","v","px",100]       → {"result": ...}
//   POST {url}/pipeline    body [["get","k"],["eval",...]]     → [{"result": ...} | {"error": ...}]
//   POST {url}/multi-exec  body as /pipeline, run as MULTI/EXEC → the same array
//   Authorization: Bearer <token>; with "Upstash-Encoding: base64" (the client's default) every
//   string in a result is base64 except the status "OK", which the client keeps as it is.
// Errors: a non-2xx status with {"error": "..."}.
import { createServer } from "node:http";
import { createClient } from "redis";

export async function startUpstashStandIn(redisUrl, token) {
  const redis = createClient({ url: redisUrl });
  redis.on("error", () => {}); // reported through the replies
  await redis.connect();
  const requests = [];

  const encode = (v, b64) => {
    if (typeof v === "string") return b64 && v !== "OK" ? Buffer.from(v, "utf8").toString("base64") : v;
    if (Array.isArray(v)) return v.map((x) => encode(x, b64));
    if (typeof v === "bigint") return Number(v);
    return v ?? null;
  };
  const run = async (cmd, b64) => {
    if (!Array.isArray(cmd) || cmd.length === 0) return { error: "ERR bad command" };
    try {
      return { result: encode(await redis.sendCommand(cmd.map(String)), b64) };
    } catch (e) {
      return { error: String(e.message ?? e) };
    }
  };

  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const reply = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST") return reply(405, { error: "method" });
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: "Unauthorized" });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return reply(400, { error: "ERR body is not JSON" });
    }
    const b64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const path = new URL(req.url, "http://x").pathname.replace(/\/+$/, "");
    requests.push({ path, body, encoding: b64 ? "base64" : "" });
    if (path === "") {
      const r = await run(body, b64);
      return reply(r.error ? 400 : 200, r);
    }
    if (path === "/pipeline" || path === "/multi-exec") {
      if (!Array.isArray(body)) return reply(400, { error: "ERR pipeline body" });
      if (path === "/multi-exec") {
        const m = redis.multi();
        for (const c of body) m.addCommand(c.map(String));
        try {
          const results = await m.exec();
          return reply(200, results.map((r) => ({ result: encode(r, b64) })));
        } catch (e) {
          return reply(400, { error: String(e.message ?? e) });
        }
      }
      const out = [];
      for (const c of body) out.push(await run(c, b64));
      return reply(200, out);
    }
    return reply(404, { error: "not found" });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    async stop() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
      await redis.quit().catch(() => redis.destroy?.());
    },
  };
}
