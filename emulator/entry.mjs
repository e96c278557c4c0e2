// "Is this module the program?" — so that importing server.mjs or cli.mjs (tests, a user's
// own test setup, the npm package's export) never starts a server or exits the process.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function isEntryModule(moduleUrl) {
  try {
    // realpath on both sides: npm links a bin through a symlink in node_modules/.bin.
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
