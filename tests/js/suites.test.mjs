// The shared suites that have no Node runner of their own (suite-api.mjs: api.test.mjs;
// suite-faults.mjs and suite-secrets.mjs: tests/soak/faults.test.mjs), in Node, against the
// package built into pkg/ and an in-process emulator per suite (with its emulatorOptions).
//
//   node --test tests/js/suites.test.mjs
import { after, before, describe, test } from "node:test";
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

import { startEmulator } from "../../emulator/server.mjs";
import { emulatorClient, runCases } from "../shared/harness.mjs";

const SHARED = fileURLToPath(new URL("../shared/", import.meta.url));
const OWN_RUNNERS = new Set(["suite-api.mjs", "suite-faults.mjs", "suite-secrets.mjs"]);
const files = readdirSync(SHARED).filter((f) => /^suite-.*\.mjs$/.test(f) && !OWN_RUNNERS.has(f)).sort();
// TMS_EDGE_MODULE: another build of the package (e.g. an older one, to see a case fail before its fix).
const lib = await import(process.env.TMS_EDGE_MODULE ? pathToFileURL(process.env.TMS_EDGE_MODULE).href : new URL("../../pkg/node.js", import.meta.url).href);
const RUNTIME = "node";

for (const file of files) {
  const suite = await import(pathToFileURL(SHARED + file).href);
  describe(`${file} in Node`, () => {
    let server;
    let emu;
    before(async () => {
      server = await startEmulator({ host: "127.0.0.1", hangMs: 30_000, quiet: true, ...(suite.emulatorOptions ?? {}) });
      emu = emulatorClient(server.url, server.credentials);
    });
    after(() => server?.close());
    for (const c of suite.cases) {
      const skip = c.only && !c.only.includes(RUNTIME) ? `only for ${c.only.join(", ")}` : false;
      test(c.name, { skip, timeout: 60_000 }, async () => {
        const { results } = await runCases([c], { lib, emu, runtime: RUNTIME });
        if (!results[0].ok) {
          const err = new Error(results[0].error.split("\n")[0]);
          err.stack = results[0].error;
          throw err;
        }
      });
    }
  });
}
