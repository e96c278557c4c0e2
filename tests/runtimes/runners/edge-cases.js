// A Vercel-edge-style handler that runs the shared cases inside edge-runtime: POST
// { suite, url, credentials } returns runCases' outcome as JSON. "tms-edge" resolves through the
// edge-light condition. The test generates the entry: `export default casesHandler({ ... })`.
import { TokenManager, decodeJwt, TmsError } from "tms-edge";
import { emulatorClient, runCases } from "../../shared/harness.mjs";

const lib = { TokenManager, decodeJwt, TmsError };

export function casesHandler(suites) {
  return async function handler(request) {
    const { suite, url, credentials } = await request.json();
    const cases = suites[suite];
    if (!cases) return Response.json({ error: `no suite ${suite}` }, { status: 404 });
    const outcome = await runCases(cases, { lib, emu: emulatorClient(url, credentials), runtime: "edge-runtime" });
    return Response.json(outcome);
  };
}
