// Bundled into one script for Vercel's edge-runtime (tests/stores/edge-runtime.test.mjs): the
// TokenStore cases on tms-edge/redis with @upstash/redis (the client edge functions use) over
// fetch to the local Upstash stand-in, and the codec cases, inside the edge VM.
import { Redis } from "@upstash/redis";
import { redisStore } from "../../../pkg-template/stores/redis.js";
import { createCodec } from "../../../src/js/store-codec.js";
import { runCases, storeCases } from "../lib/conformance.mjs";
import { codecCases } from "../lib/codec-cases.mjs";

addEventListener("fetch", (event) => event.respondWith(handle(event.request)));

async function handle(request) {
  const { url, token, deadUrl, sealedInNode } = await request.json();
  const client = (u, o = {}) => new Redis({ url: u, token, enableTelemetry: false, ...o });
  const cases = [
    ...codecCases(createCodec, { sealedInNode }),
    ...storeCases({
      stores: [redisStore(client(url)), redisStore(client(url, { enableAutoPipelining: false }))],
      makeStore: () => redisStore(client(url)),
      ttlMs: 300,
      codec: await createCodec("client-secret-for-the-edge-store-test"),
      down: [["upstash, nothing listening", redisStore(client(deadUrl, { retry: false }))]],
      prefix: `edge-${Date.now()}`,
    }),
  ];
  return new Response(JSON.stringify(await runCases(cases)), { headers: { "content-type": "application/json" } });
}
