// A module worker that runs the shared cases inside workerd: POST { suite, url, credentials }
// returns runCases' outcome as JSON. "tms-edge" resolves through the workerd condition.
// The test generates the entry: `export default casesWorker({ api: cases, ... })`.
import { TokenManager, decodeJwt, TmsError } from "tms-edge";
import { emulatorClient, runCases } from "../../shared/harness.mjs";

const lib = { TokenManager, decodeJwt, TmsError };

export function casesWorker(suites) {
  return {
    async fetch(request) {
      const { suite, url, credentials } = await request.json();
      const cases = suites[suite];
      if (!cases) return Response.json({ error: `no suite ${suite}` }, { status: 404 });
      const outcome = await runCases(cases, { lib, emu: emulatorClient(url, credentials), runtime: "workerd" });
      return Response.json(outcome);
    },
  };
}
