// Node 20+: token.mjs — node token.mjs [userTenant] [apiUrl]
import { TokenManager } from "tms-edge";

const tms = TokenManager.fromEnv(); // MDSP_* variables from process.env
const [tenant, api] = process.argv.slice(2);

const token = await tms.token(tenant); // no tenant: MDSP_USER_TENANT, else the host tenant
console.log(`${token.userTenant}: token until ${new Date(token.expiresAt).toISOString()}`);

if (api) {
  // Adds "Authorization: Bearer …"; on a 401 it gets a new token and retries once.
  const res = await tms.fetch(token.userTenant, api);
  console.log(`${api}: HTTP ${res.status}`);
}
