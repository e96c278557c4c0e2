import type { LeasingTokenStore } from "./token-store.js";
export type { TokenStore, LeasingTokenStore } from "./token-store.js";

/** The part of `Deno.Kv` the store uses (declared here so no Deno types are needed). */
export interface DenoKvLike {
  get(...args: any[]): Promise<any>;
  getMany(...args: any[]): Promise<any>;
  set(...args: any[]): Promise<any>;
  atomic(...args: any[]): any;
}

export interface DenoKvStoreOptions {
  /** Key prefix of the store's entries (a Deno KV key); default `["tms-edge"]`. */
  prefix?: ReadonlyArray<string | number | bigint | boolean | Uint8Array>;
}

/**
 * A TokenStore on Deno KV (`await Deno.openKv()`): values at `[...prefix, key]` with their
 * expiry inside (`expireIn` is only a hint), leases at `[...prefix, "lease", key]`, taken by
 * an atomic commit that checks both the lease's and the value's versionstamps.
 */
export declare function denoKvStore(kv: DenoKvLike, options?: DenoKvStoreOptions): LeasingTokenStore;
