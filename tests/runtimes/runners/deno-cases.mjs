// Runs the shared cases inside Deno. The generated entry (in the consumer directory, so that
// "tms-edge" resolves from its node_modules through the deno condition) imports the package
// and the suites and calls main(lib, suites). Arguments: the JSON { url, credentials }.
// Output: one line per suite, "RESULT <suite> <json outcome>".
import { emulatorClient, runCases } from "../../shared/harness.mjs";

export async function main(lib, suites) {
  const { url, credentials } = JSON.parse(Deno.args[0]);
  const emu = emulatorClient(url, credentials);
  for (const [name, cases] of Object.entries(suites)) {
    // Deno's fetch resends a request on a reused connection the server closed, and under load
    // a 300 ms timeout can catch that: a failed case gets one more try (reported below), so a
    // transport quirk of the runtime does not fail the suite, while a real bug fails twice.
    const outcome = await runCases(cases, { lib, emu, runtime: "deno", retries: 1 });
    for (const r of outcome.results.filter((r) => r.retriedAfter)) {
      console.log(`RETRIED deno ${r.name}: ${r.retriedAfter.join(" | ")}`);
    }
    console.log(`RESULT ${name} ${JSON.stringify(outcome)}`);
  }
}
