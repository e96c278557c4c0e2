// The public-API suite (tests/shared/suite-api.mjs) in Node, against the packed and installed
// package and a TMS emulator child process:
//
//   node --test --test-concurrency=1 tests/js/api.test.mjs
//
// One node:test test per case, each run through the shared harness (emulator reset first).
// TMS_EMULATOR=inprocess starts the emulator inside this process instead (easier to debug).
import { after, before, describe, test } from "node:test";

import { startEmulatorInProcess, startEmulatorProcess } from "../shared/emulator-process.mjs";
import { emulatorClient, runCases } from "../shared/harness.mjs";
import { installPackage } from "../shared/install-pkg.mjs";
import { cases, emulatorOptions } from "../shared/suite-api.mjs";

const RUNTIME = "node";

describe("tms-edge public API in Node (installed from the packed tarball, TMS emulator)", () => {
  let lib;
  let emulator;
  let emu;

  before(async () => {
    const pkg = await installPackage();
    const mod = await import(pkg.entry);
    lib = { TokenManager: mod.TokenManager, decodeJwt: mod.decodeJwt, TmsError: mod.TmsError };
    for (const [k, v] of Object.entries(lib)) if (typeof v !== "function") throw new Error(`tms-edge does not export ${k}`);
    const start = process.env.TMS_EMULATOR === "inprocess" ? startEmulatorInProcess : startEmulatorProcess;
    emulator = await start(emulatorOptions);
    emu = emulatorClient(emulator.url, emulator.credentials);
  });

  after(async () => {
    await emulator?.stop();
  });

  for (const c of cases) {
    const skip = c.only && !c.only.includes(RUNTIME) ? `only for ${c.only.join(", ")}` : false;
    test(c.name, { skip, timeout: 60_000 }, async () => {
      const { results } = await runCases([c], { lib, emu, runtime: RUNTIME });
      const r = results[0];
      if (!r.ok) {
        const err = new Error(r.error.split("\n")[0]);
        err.stack = r.error;
        throw err;
      }
    });
  }
});
