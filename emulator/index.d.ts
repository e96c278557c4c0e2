// Types of the emulator's library entry (index.mjs, the package's `tms-edge/emulator` export).

/** Application credentials of the emulator's first app (TMS, `X-SPACE-AUTH-KEY`). */
export interface EmulatorCredentials {
  clientId: string;
  clientSecret: string;
  appName: string;
  appVersion: string;
  hostTenant: string;
  /** The emulator's URL: the `gateway` option of TokenManager. */
  gateway: string;
}

/** Tenant service credentials (the tenant's OAuth server, `POST {gateway}/oauth/token`). */
export interface EmulatorTenantCredentials {
  clientId: string;
  clientSecret: string;
  tenant: string;
  /** Subtenants these credentials may impersonate. */
  subTenants: string[];
  gateway: string;
}

/** The variables TokenManager.fromEnv reads (application credentials win when both are set). */
export interface EmulatorEnv {
  MDSP_GATEWAY_URL: string;
  MDSP_KEY_STORE_CLIENT_ID: string;
  MDSP_KEY_STORE_CLIENT_SECRET: string;
  MDSP_OS_VM_APP_NAME: string;
  MDSP_OS_VM_APP_VERSION: string;
  MDSP_HOST_TENANT: string;
  MINDSPHERE_CLIENT_ID?: string;
  MINDSPHERE_CLIENT_SECRET?: string;
  MINDSPHERE_TENANT?: string;
}

export interface EmulatorOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Loopback only: "127.0.0.1" (default), "localhost" or "::1". */
  host?: string;
  /** Number of user tenants (default 12: tenant001…) or their ids. */
  tenants?: number | string[];
  hostTenant?: string;
  apps?: Array<{ name?: string; version?: string; hostTenant?: string; clientId?: string; clientSecret?: string }>;
  tenantClients?: Array<{ tenant: string; clientId?: string; clientSecret?: string; subTenants?: string[] }>;
  /** Client secret of every client (default: random per client and start). */
  secret?: string;
  /** /token_keys lists only the emulator's own keys (no decoys). */
  singleKey?: boolean;
  batchLimit?: number;
  pageSize?: number;
  lifetimeSec?: number;
  latencyMs?: number;
  expiresIn?: number | string | null;
  quiet?: boolean;
  hangMs?: number;
}

export interface EmulatorFault {
  endpoint: 'token' | 'batch' | 'userTenants' | 'tokenKeys' | 'kpi' | 'piam' | '*';
  kind: string | number;
  count?: number;
  retryAfter?: number | string;
  tenant?: string;
  bytes?: number;
  chunked?: boolean;
  totalPages?: number;
  issuer?: string;
}

export interface EmulatorKeysView {
  signingKid: string;
  keys: Array<{ kid: string; role: 'decoy' | 'signing' | 'previous'; listed: boolean }>;
}

export interface EmulatorSockets {
  open: number;
  tms: number;
  inFlight: number;
}

export interface Emulator {
  url: string;
  port: number;
  credentials: EmulatorCredentials;
  tenantCredentials: EmulatorTenantCredentials[];
  env: EmulatorEnv;
  /** Destroys every connection and stops listening; idempotent. */
  close(): Promise<void>;
  /** The body of GET /_emulator/stats. */
  stats(): { requests: Record<string, number>; log: unknown[]; config: Record<string, unknown>; faults: unknown[]; sockets: EmulatorSockets };
  /** Appends faults (all or none; throws on a bad one) and returns the registered list. */
  faults(faults: EmulatorFault[]): unknown[];
  clearFaults(): void;
  reset(): void;
  rotateKeys(options?: { publish?: boolean; retire?: boolean }): Promise<EmulatorKeysView>;
  publishKeys(): EmulatorKeysView;
  sockets(): EmulatorSockets;
  /** Internals, for the emulator's own tests; not a stable interface. */
  state: unknown;
}

export function startEmulator(options?: EmulatorOptions): Promise<Emulator>;
export function envFor(emulator: { credentials: EmulatorCredentials; tenantCredentials: EmulatorTenantCredentials[] }): EmulatorEnv;
/** The --print-env text: NAME=value lines with # comments, ending with one empty line. */
export function formatEnv(env: EmulatorEnv, options?: { url?: string; subTenants?: string[] }): string;
export const FAULT_KINDS: Readonly<Record<string, { stage: 'pre' | 'post'; endpoints: string[] }>>;
export const FAULT_ENDPOINTS: readonly string[];
export const CONTROL_PREFIX: string;
