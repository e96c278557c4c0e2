// The emulator as a library (the package's `tms-edge/emulator` export), for a user's own tests:
//
//   import { startEmulator } from 'tms-edge/emulator';
//   const emu = await startEmulator({ port: 0 });
//   const tm = TokenManager.fromEnv(emu.env);   // or new TokenManager({ gateway: emu.url, ...emu.credentials })
//   …
//   await emu.close();
//
// Importing starts nothing and never exits the process; relative imports only, so the folder
// works wherever it is copied.
export { startEmulator } from './server.mjs';
export { envFor, formatEnv } from './env.mjs';
export { FAULT_KINDS, FAULT_ENDPOINTS } from './faults.mjs';
export { CONTROL_PREFIX } from './control.mjs';
