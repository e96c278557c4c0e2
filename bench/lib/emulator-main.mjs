// The benchmark's emulator process: emulator/server.mjs's startEmulator() with the tenant ids
// the benchmark chose, so that the baseline and the SDK (which have no /userTenants support)
// can be handed the same list that tms-edge's allTokens() discovers.
//
//   node bench/lib/emulator-main.mjs '{"tenants":["bt0001",...],"latencyMs":0}'
// prints one line: {"url":…,"credentials":{…},"tenants":[…]}; SIGTERM/SIGINT close it.
import { startEmulator } from "../../emulator/server.mjs";

const opts = JSON.parse(process.argv[2] ?? "{}");
// singleKey: the vendor SDK reads keys[0] of /token_keys whatever its kid.
const emu = await startEmulator({ port: 0, host: "127.0.0.1", quiet: true, singleKey: true, ...opts });
process.stdout.write(JSON.stringify({ url: emu.url, credentials: emu.credentials, tenants: emu.state.tenants }) + "\n");
const stop = () => emu.close().then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
