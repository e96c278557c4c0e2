import type { LeasingTokenStore } from "./token-store.js";
export type { TokenStore, LeasingTokenStore } from "./token-store.js";

/** The part of a `DurableObjectNamespace` binding the store uses (no Workers types needed). */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): any;
  get(id: any): { fetch(input: string, init?: any): Promise<any> };
}

export interface DurableObjectStoreOptions {
  /**
   * The name of the coordinator object (`idFromName`), e.g. the host tenant: one object per
   * application deployment. Default `"tms-edge"` (one object for the whole namespace).
   */
  name?: string;
}

/**
 * A TokenStore kept by a TokenCoordinator Durable Object: strongly consistent, with leases
 * that hold across every isolate.
 */
export declare function durableObjectStore(namespace: DurableObjectNamespaceLike, options?: DurableObjectStoreOptions): LeasingTokenStore;

/**
 * The Durable Object class: re-export it from the worker's main module
 * (`export { TokenCoordinator } from "tms-edge/durable-object"`) and bind it
 * (`class_name = "TokenCoordinator"`, a `new_sqlite_classes` migration). It keeps values and
 * leases in memory and in `ctx.storage`.
 */
export declare class TokenCoordinator {
  constructor(ctx: any, env?: unknown);
  fetch(request: any): Promise<any>;
}
