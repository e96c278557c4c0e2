// Runs the shared cases in a browser page or a dedicated worker. The page (or worker) imports
// this module and the suite; the test calls run(...) through Playwright (page) or postMessage
// (worker). The emulator is reached through the test server's same-origin proxy (the TMS
// routes have no CORS, like the real service), so `url` is the page's origin.
import { emulatorClient, runCases } from "../../shared/harness.mjs";

export async function run(lib, cases, { url, credentials, runtime }) {
  return runCases(cases, { lib, emu: emulatorClient(url, credentials), runtime });
}
