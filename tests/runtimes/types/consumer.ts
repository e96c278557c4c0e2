// Type-checks the public API as a consumer sees it, with no DOM or Node types (lib es2022 alone):
// the package's index.d.ts must not depend on them.
import { decodeJwt, TmsError, TokenManager } from "tms-edge";
import type { FetchLike, TmsErrorCode, TmsEvent, Token, TokenManagerOptions, TokensResult } from "tms-edge";

const options: TokenManagerOptions = {
  gateway: "http://127.0.0.1:8080",
  clientId: "operator-app-1.0.0",
  clientSecret: "secret",
  appName: "app",
  appVersion: "1.0.0",
  hostTenant: "operator",
  refreshBeforeExpiry: 300,
  batchSize: 5,
  timeout: 10_000,
  onEvent: (e: TmsEvent) => {
    const type: string = e.type;
    void type;
  },
};

export async function main(): Promise<number> {
  const tms = new TokenManager(options);
  const fromEnv = TokenManager.fromEnv({ MDSP_HOST_TENANT: "operator" }, { timeout: 5_000 });
  const token: Token = await tms.token("tenant001");
  const again: Token = await tms.token(undefined, { forceRefresh: true });
  const result: TokensResult = await tms.tokens(["tenant001", "tenant002"]);
  for (const [tenant, t] of result.tokens) void (tenant + t.accessToken + t.userTenant + t.scope.join(" "));
  for (const e of result.errors.values()) {
    const code: TmsErrorCode = e.code;
    void code;
  }
  const ids: string[] = await tms.userTenants();
  await tms.allTokens({ onProgress: ({ done, total }) => void (done / total) });
  const res = await tms.fetch("tenant001", "http://127.0.0.1:8080/api/kpi");
  const status: number = res.status;
  tms.invalidate("tenant001");
  tms.invalidate();
  const stats = tms.stats();
  const { header, claims } = decodeJwt(token.accessToken);
  // Anything shaped like an AbortSignal is accepted.
  const signal = { aborted: false, addEventListener() {}, removeEventListener() {} };
  await tms.token("tenant001", { signal });
  // A custom fetch (service binding, test double).
  const custom: FetchLike = async (url, init) => ({ status: 200, headers: { get: () => null }, text: async () => url + init.method });
  const withCustom = new TokenManager({ ...options, fetch: custom });
  try {
    await withCustom.token("x");
  } catch (err) {
    if (err instanceof TmsError) {
      const code: TmsErrorCode = err.code;
      const s: number | undefined = err.status;
      const json = err.toJSON();
      void [code, s, json.code];
    }
  }
  fromEnv.free();
  return status + stats.hits + ids.length + again.expiresAt + Object.keys(header).length + Object.keys(claims).length;
}
