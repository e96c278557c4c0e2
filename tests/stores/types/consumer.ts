// Type-checks the store adapters' subpath exports as a consumer sees them, with lib es2022
// alone (no DOM, Node, Deno or Workers types): the .d.ts files must not need any.
import { redisStore } from "tms-edge/redis";
import { denoKvStore } from "tms-edge/deno-kv";
import { durableObjectStore, TokenCoordinator } from "tms-edge/durable-object";
import { workersKvStore } from "tms-edge/workers-kv";
import type { TokenStore } from "tms-edge/redis";

declare const anyClient: { get(k: string): Promise<string | null>; set(...a: unknown[]): Promise<unknown>; eval(...a: unknown[]): Promise<unknown>; sendCommand(...a: unknown[]): Promise<unknown> };
declare const kv: { get<T = unknown>(key: readonly unknown[], o?: { consistency?: "strong" | "eventual" }): Promise<{ value: T | null; versionstamp: string | null }>; getMany(keys: unknown[][]): Promise<unknown[]>; set(key: unknown[], value: unknown, o?: { expireIn?: number }): Promise<{ ok: true; versionstamp: string }>; atomic(): unknown };
declare const ns: { idFromName(name: string): { toString(): string }; get(id: { toString(): string }): { fetch(input: string, init?: object): Promise<{ ok: boolean }> } };
declare const kvNs: { getWithMetadata(key: string, type: "text"): Promise<{ value: string | null; metadata: unknown }>; getWithMetadata(key: string, o: { type: "text" }): Promise<{ value: string | null; metadata: unknown }>; put(key: string, value: string, o?: object): Promise<void> };

export async function main(): Promise<void> {
  const stores: TokenStore[] = [
    redisStore(anyClient),
    redisStore(anyClient, { flavour: "ioredis" }),
    denoKvStore(kv, { prefix: ["app", "tokens"] }),
    durableObjectStore(ns, { name: "hosttenant" }),
    workersKvStore(kvNs),
  ];
  for (const s of stores) {
    const v: string | null | undefined = await s.get("k");
    await s.set("k", v ?? "", 1000);
    const release = await s.lease?.("k", 1000);
    if (release) await release();
  }
  // The stores with a lease have it without `?.`.
  const r = await redisStore(anyClient).lease("k", 1000);
  if (r !== null) await r();
  const d = await durableObjectStore(ns).lease("k", 1000);
  void d;
  // @ts-expect-error Workers KV has no lease
  workersKvStore(kvNs).lease("k", 1000);
  // @ts-expect-error an unknown flavour
  redisStore(anyClient, { flavour: "memcached" });
  class Coordinator extends TokenCoordinator {}
  void Coordinator;
}
