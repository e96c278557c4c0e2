/**
 * The shared tier of tms-edge (the `store` option): many isolates share tokens through it.
 * Values are sealed by tms-edge (AES-256-GCM) and keys are hashed; a store only keeps strings.
 */
export interface TokenStore {
  get(key: string): Promise<string | null | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Optional: take `key` for `ttlMs`; a release function, or null when another holds it. */
  lease?(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>;
}

/** A TokenStore that has a lease (every adapter here but Workers KV). */
export interface LeasingTokenStore extends TokenStore {
  lease(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>;
}
