// Node runner for the shared fault-matrix and secrets suites: one node:test per case, each
// starting from a reset emulator (the harness's runCases semantics), against the package
// built into pkg/ (or the module named by TMS_EDGE_MODULE) and an in-process emulator on
// 127.0.0.1.
//
//   node --test tests/soak/faults.test.mjs
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";

import { startEmulator } from "../../emulator/server.mjs";
import { emulatorClient, optionsFor } from "../shared/harness.mjs";
import { cases as faultCases } from "../shared/suite-faults.mjs";
import { cases as secretCases } from "../shared/suite-secrets.mjs";

const modulePath = process.env.TMS_EDGE_MODULE
  ? pathToFileURL(process.env.TMS_EDGE_MODULE).href
  : new URL("../../pkg/node.js", import.meta.url).href;
const lib = await import(modulePath);

const RUNTIME = "node";
let server;
let emu;

before(async () => {
  // Hung requests end when the client gives up; 30 s is only a backstop.
  server = await startEmulator({ host: "127.0.0.1", hangMs: 30_000 });
  emu = emulatorClient(server.url, server.credentials);
});

after(() => server?.close());

for (const [suite, cases] of [["faults", faultCases], ["secrets", secretCases]]) {
  for (const c of cases) {
    const skip = c.only && !c.only.includes(RUNTIME) ? `only on ${c.only.join(", ")}` : false;
    test(`${suite}: ${c.name}`, { skip, timeout: 60_000 }, async () => {
      await emu.reset();
      await c.fn({ lib, emu, runtime: RUNTIME, options: (o) => optionsFor(emu, o) });
    });
  }
}
