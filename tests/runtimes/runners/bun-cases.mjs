// Runs the shared cases inside Bun. The generated entry (in the consumer directory, so that
// "tms-edge" resolves from its node_modules as in a user's project: Bun picks the `node`
// condition) imports the package and the suites and calls main(lib, suites).
// Argument: the JSON { url, credentials }. Output: one line per suite, "RESULT <suite> <json>".
import { emulatorClient, runCases } from "../../shared/harness.mjs";

export async function main(lib, suites) {
  const { url, credentials } = JSON.parse(process.argv[2]);
  const emu = emulatorClient(url, credentials);
  for (const [name, cases] of Object.entries(suites)) {
    const outcome = await runCases(cases, { lib, emu, runtime: "bun" });
    console.log(`RESULT ${name} ${JSON.stringify(outcome)}`);
  }
}
