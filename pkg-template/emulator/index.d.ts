// Types for "tms-edge/emulator": the local Token Management Service emulator (Node 20+ only),
// for development and tests against 127.0.0.1. Its README (next to this file) has the details.

export interface EmulatorCredentials {
  clientId: string;
  clientSecret: string;
  appName: string;
  appVersion: string;
  hostTenant: string;
  /** The emulator's base URL: pass it as `gateway` (or `MDSP_GATEWAY_URL`). */
  gateway: string;
}

export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  host?: string;
  /** How many user tenants (tenant001, tenant002, …), or their ids. */
  tenants?: number | string[];
  hostTenant?: string;
  /** Most tenants one `/oauthTokens` request may ask for. */
  batchLimit?: number;
  /** Tenants per `/userTenants` page. */
  pageSize?: number;
  /** Token lifetime in seconds. */
  lifetimeSec?: number;
  /** Added to every TMS response, in ms. */
  latencyMs?: number;
  /** No request log on stderr. */
  quiet?: boolean;
  [option: string]: unknown;
}

export interface RunningEmulator {
  url: string;
  port: number;
  credentials: EmulatorCredentials;
  close(): Promise<void>;
  state: unknown;
}

export function startEmulator(options?: EmulatorOptions): Promise<RunningEmulator>;
