// With the DOM lib: the web types are the host's own (AbortSignal, Request, Response, fetch).
import { TokenManager } from "tms-edge";

export async function main(): Promise<Response> {
  const tms = new TokenManager({
    gateway: "http://127.0.0.1:8080",
    clientId: "operator-app-1.0.0",
    clientSecret: "secret",
    appName: "app",
    appVersion: "1.0.0",
    hostTenant: "operator",
    fetch: globalThis.fetch,
  });
  const ac = new AbortController();
  await tms.token("tenant001", { signal: ac.signal });
  await tms.tokens(["tenant001"], { signal: AbortSignal.timeout(1000) });
  const viaRequest: Response = await tms.fetch("tenant001", new Request("http://127.0.0.1:8080/api"), { method: "POST", body: "{}" });
  const viaUrl: Response = await tms.fetch("tenant001", new URL("http://127.0.0.1:8080/api"), { signal: ac.signal });
  void viaRequest;
  const wrapped = new TokenManager({
    region: "eu1",
    clientId: "a",
    clientSecret: "b",
    appName: "c",
    appVersion: "d",
    hostTenant: "e",
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
  });
  void wrapped;
  return viaUrl;
}
