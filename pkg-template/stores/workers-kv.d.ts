import type { TokenStore } from "./token-store.js";
export type { TokenStore } from "./token-store.js";

/** The part of a `KVNamespace` binding the store uses (no Workers types needed). */
export interface KVNamespaceLike {
  getWithMetadata(...args: any[]): Promise<any>;
  put(...args: any[]): Promise<any>;
}

/**
 * A read-through TokenStore on Workers KV, with no lease: KV is eventually consistent (60 s or
 * more across locations) and has no compare-and-swap. Entries are written with an
 * `expirationTtl` of at least 60 s (KV's minimum); the exact expiry is kept in the metadata.
 */
export declare function workersKvStore(namespace: KVNamespaceLike): TokenStore;
