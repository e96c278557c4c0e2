// Types of the public API of tms-edge. Names and shapes are a contract: see README.md.

/** Stable error codes carried by `TmsError.code`. */
export type TmsErrorCode =
  | "TMS_CONFIG" // bad options (names the option)
  | "TMS_UNAUTHORIZED" // 401 or 403
  | "TMS_HTTP" // any other non-2xx status
  | "TMS_THROTTLED" // 429 after retries, or a Retry-After over 60 s
  | "TMS_TIMEOUT" // an upstream request exceeded `timeout`
  | "TMS_ABORTED" // the caller's AbortSignal fired
  | "TMS_NETWORK" // fetch failed (connection refused, reset, DNS)
  | "TMS_INVALID_RESPONSE" // 2xx with a body that is not what the service sends
  | "TMS_INVALID_TOKEN" // a JWT that is malformed, expired on arrival, for another tenant, or fails a check
  | "TMS_STORE"; // events only: a store call failed or timed out (the call went on without it)

/** Every error this package throws or rejects with. Never contains a secret or a token. */
export declare class TmsError extends Error {
  readonly name: "TmsError";
  readonly code: TmsErrorCode;
  /** The HTTP status, where there was one. */
  readonly status?: number;
  /** Seconds, on `TMS_THROTTLED` when the server sent `Retry-After`. */
  readonly retryAfter?: number;
  toJSON(): { name: "TmsError"; code: TmsErrorCode; message: string; status?: number; retryAfter?: number };
}

/** A token for one user tenant. Frozen: the same object is shared by every cache hit. */
export interface Token {
  readonly accessToken: string;
  readonly tokenType: "bearer";
  /** Milliseconds since the epoch, anchored at the time the request was sent. */
  readonly expiresAt: number;
  readonly userTenant: string;
  readonly hostTenant: string;
  readonly scope: readonly string[];
}

export type TmsEventType = "hit" | "miss" | "request" | "response" | "retry" | "refresh" | "error";

/** What `onEvent` receives. Never a secret or a token. */
export interface TmsEvent {
  type: TmsEventType;
  userTenant?: string;
  /** For batch requests. */
  userTenants?: string[];
  status?: number;
  attempt?: number;
  code?: TmsErrorCode;
  durationMs?: number;
}

// Web types without a DOM: the package works where TypeScript has no DOM lib (lib es2022 alone,
// workers types, Deno, @types/node). Where the host declares a global (`AbortSignal`, `Response`,
// `fetch`), its own type is used; otherwise a minimal structural one that covers what this
// package touches.

/** The instance type of the global class `K` where the environment's types declare it, else `F`. */
type GlobalInstance<K extends string, F> = typeof globalThis extends { [P in K]: { prototype: infer T } } ? T : F;

/** What this package needs of an `AbortSignal` (the DOM's, Node's, Deno's and workerd's all fit). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** What this package reads of a `Response`. */
export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The global `AbortSignal` type where there is one. */
export type AbortSignalType = GlobalInstance<"AbortSignal", AbortSignalLike>;

/** The global `fetch`'s type where there is one, else a minimal fetch signature. */
export type GlobalFetch = typeof globalThis extends { fetch: infer F extends (...args: any[]) => any }
  ? F
  : (input: string, init?: { [option: string]: unknown }) => Promise<ResponseLike>;

/** A `fetch`-compatible function (service bindings, tests, instrumentation). */
export type FetchLike = (input: string, init: {
  method: string;
  headers: Record<string, string>;
  body?: string;
  redirect: "manual";
  signal: AbortSignalType;
}) => Promise<ResponseLike>;

/** Options of every manager, whichever credentials it holds. */
export interface CommonOptions {
  /** Base URL, e.g. `https://gateway.eu1.mindsphere.io` or `http://127.0.0.1:8080`. Required unless `region` is given. */
  gateway?: string;
  /** Builds `https://gateway.{region}.{domain}`. */
  region?: string;
  /** Default `mindsphere.io`. */
  domain?: string;
  clientId: string;
  clientSecret: string;
  /** Tenant used by `token()` with no argument. Default: `hostTenant` (or `subTenant ?? tenant`). */
  userTenant?: string;
  /** Seconds before expiry to refresh, at most half a token's lifetime. Default 300. */
  refreshBeforeExpiry?: number;
  /** Tenants per `/oauthTokens` request. Default 5. */
  batchSize?: number;
  /** Tenants per `/userTenants` page. Default 100. */
  pageSize?: number;
  /** Milliseconds per upstream request. Default 10000. */
  timeout?: number;
  /** Extra attempts for 429, 5xx, network errors and timeouts. Default 2. */
  retries?: number;
  /** Most tokens kept in the cache. Default 10000. */
  maxEntries?: number;
  /**
   * Accepted `iss` values. Default: for a `gateway.` host, `https://{tenant}.piam.{rest of the host}/oauth/token`;
   * for any other gateway, any http(s) URL.
   */
  issuer?: string | string[];
  /** Check each obtained token's RS256 signature (WebCrypto), once per token, never on a hit. Default false. */
  verify?: boolean;
  /** Where the signing keys are fetched. Default `{authUrl of hostTenant or tenant}/token_keys`. */
  keysUrl?: string;
  /** Seconds `iat` may lie in the future. Default 300. */
  clockTolerance?: number;
  /** A shared tier for many isolates (see `TokenStore`). */
  store?: TokenStore;
  /** Milliseconds per store call; a slower call goes on without the store. Default 1000. */
  storeTimeout?: number;
  /** Custom fetch. Default: the global `fetch`. */
  fetch?: FetchLike | GlobalFetch;
  /** Receives events; never a secret or a token. */
  onEvent?: (event: TmsEvent) => void;
}

/** Application credentials: tokens for every user tenant of the app, from the Token Management Service. */
export interface AppCredentialOptions extends CommonOptions {
  appName: string;
  appVersion: string;
  /** The tenant the application runs on (operator). */
  hostTenant: string;
  tenant?: never;
  subTenant?: never;
  authUrl?: never;
}

/** Tenant service credentials: one token for the tenant (or a subtenant it impersonates), from its OAuth server. */
export interface TenantCredentialOptions extends CommonOptions {
  tenant: string;
  /** A subtenant to impersonate. */
  subTenant?: string;
  /** The tenant's OAuth server. Default: the gateway with `gateway` replaced by `{tenant}.piam` (a non-`gateway.` host as it is). */
  authUrl?: string;
  appName?: never;
  appVersion?: never;
  hostTenant?: never;
}

export type TokenManagerOptions = AppCredentialOptions | TenantCredentialOptions;

/** A shared tier: Durable Objects, Redis, Deno KV or Workers KV (subpath exports), or your own. */
export interface TokenStore {
  get(key: string): Promise<string | null | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Optional: take `key` for `ttlMs`; a release function, or null when another holds it. */
  lease?(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>;
}

/** Environment variables read by `TokenManager.fromEnv`. */
export interface TmsEnv {
  MDSP_KEY_STORE_CLIENT_ID?: string;
  MDSP_KEY_STORE_CLIENT_SECRET?: string;
  MDSP_OS_VM_APP_NAME?: string;
  MDSP_OS_VM_APP_VERSION?: string;
  MDSP_HOST_TENANT?: string;
  MDSP_USER_TENANT?: string;
  HOST_BASEDOMAIN?: string;
  MDSP_GATEWAY_URL?: string;
  MDSP_REGION?: string;
  MINDSPHERE_CLIENT_ID?: string;
  MINDSPHERE_CLIENT_SECRET?: string;
  MINDSPHERE_TENANT?: string;
  MINDSPHERE_SUB_TENANT?: string;
  [name: string]: unknown;
}

export interface TokensResult {
  tokens: Map<string, Token>;
  errors: Map<string, TmsError>;
}

export interface Progress {
  done: number;
  total: number;
}

export interface TmsStats {
  hits: number;
  misses: number;
  upstreamRequests: number;
  refreshes: number;
  errors: number;
  entries: number;
  /** With a `store`. */
  storeHits?: number;
  storeMisses?: number;
  storeErrors?: number;
}

export declare class TokenManager {
  /** @throws {TmsError} `TMS_CONFIG`, naming the bad option. */
  constructor(options: TokenManagerOptions);
  /** Options from `MDSP_*` variables of `env` (default `process.env`); `overrides` win. */
  static fromEnv(env?: TmsEnv | Record<string, unknown>, overrides?: Partial<AppCredentialOptions> | Partial<TenantCredentialOptions>): TokenManager;
  token(userTenant?: string, options?: { signal?: AbortSignalLike; forceRefresh?: boolean }): Promise<Token>;
  tokens(userTenants: string[], options?: { signal?: AbortSignalLike }): Promise<TokensResult>;
  userTenants(options?: { signal?: AbortSignalLike }): Promise<string[]>;
  allTokens(options?: { signal?: AbortSignalLike; onProgress?: (progress: Progress) => void }): Promise<TokensResult>;
  /** Calls an API with `Authorization: Bearer <token>`; on a 401 refreshes the token and retries once. */
  fetch(userTenant: string, input: Parameters<GlobalFetch>[0], init?: Parameters<GlobalFetch>[1]): ReturnType<GlobalFetch>;
  /** Every token check, the RS256 signature included, for any token (e.g. a user's). @throws {TmsError} `TMS_INVALID_TOKEN`, naming the check. */
  verify(jwt: string, options?: { signal?: AbortSignalLike }): Promise<Record<string, unknown>>;
  invalidate(userTenant?: string): void;
  stats(): TmsStats;
  /** Releases the wasm memory of this instance (also done by the garbage collector). */
  free(): void;
}

/** Decodes a JWT's header and claims without checking its signature. @throws {TmsError} `TMS_INVALID_TOKEN`. */
export declare function decodeJwt(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown> };
