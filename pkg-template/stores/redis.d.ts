import type { LeasingTokenStore } from "./token-store.js";
export type { TokenStore, LeasingTokenStore } from "./token-store.js";

export interface RedisStoreOptions {
  /** Which client `client` is; detected from its shape when omitted. */
  flavour?: "node-redis" | "ioredis" | "upstash";
}

/**
 * A TokenStore on Redis through a client you created (and connected, for node-redis and
 * ioredis): `createClient()` of npm `redis`, `new Redis()` of `ioredis`, or `new Redis({ url,
 * token })` of `@upstash/redis`. Values are stored unchanged, so clients of all three kinds
 * share entries on one database. Lease: `SET NX PX` with a random token (in a script that also
 * checks the value last seen), released by compare-and-delete.
 * Clients that queue commands while disconnected make calls wait; tms-edge's `storeTimeout`
 * bounds that wait.
 * @throws TypeError when `client` is none of the supported clients
 */
export declare function redisStore(client: object, options?: RedisStoreOptions): LeasingTokenStore;
