// The emulator's credentials as the environment variables TokenManager.fromEnv reads, as an
// object (emu.env) and as text a user pastes into .dev.vars (wrangler) or .env (dotenv).

/** The variables for both credential kinds; fromEnv prefers the application credentials. */
export function envFor({ credentials: c, tenantCredentials }) {
  const tenant = tenantCredentials[0];
  return {
    MDSP_GATEWAY_URL: c.gateway,
    MDSP_KEY_STORE_CLIENT_ID: c.clientId,
    MDSP_KEY_STORE_CLIENT_SECRET: c.clientSecret,
    MDSP_OS_VM_APP_NAME: c.appName,
    MDSP_OS_VM_APP_VERSION: c.appVersion,
    MDSP_HOST_TENANT: c.hostTenant,
    ...(tenant ? {
      MINDSPHERE_CLIENT_ID: tenant.clientId,
      MINDSPHERE_CLIENT_SECRET: tenant.clientSecret,
      MINDSPHERE_TENANT: tenant.tenant,
    } : {}),
  };
}

// Every value the emulator produces is plain (ids, URLs, secrets restricted in config.mjs); a
// value that is not is quoted, so the line still parses as one variable.
const line = (name, value) => (/^[\w.:/@+-]*$/.test(value) ? `${name}=${value}` : `${name}=${JSON.stringify(value)}`);

/**
 * The text of --print-env: `NAME=value` lines with `#` comments (both formats ignore them),
 * ending with one empty line, so a reader of the emulator's stdout knows the block is complete.
 */
export function formatEnv(env, { url, subTenants = [] } = {}) {
  const out = [`# TMS emulator at ${url ?? env.MDSP_GATEWAY_URL}: variables for TokenManager.fromEnv (tms-edge)`];
  const app = Object.keys(env).filter((k) => k.startsWith('MDSP_'));
  const tenant = Object.keys(env).filter((k) => k.startsWith('MINDSPHERE_'));
  out.push('# Application credentials (TMS); fromEnv uses these while MDSP_KEY_STORE_CLIENT_ID is set.');
  for (const k of app) out.push(line(k, env[k]));
  if (tenant.length) {
    out.push('# Tenant service credentials: to use them, remove the application lines above but MDSP_GATEWAY_URL.');
    for (const k of tenant) out.push(line(k, env[k]));
    if (subTenants.length) {
      out.push(`# Subtenant impersonation: uncomment; subtenants of ${env.MINDSPHERE_TENANT}: ${subTenants.join(', ')}`);
      out.push(`# ${line('MINDSPHERE_SUB_TENANT', subTenants[0])}`);
    }
  }
  return `${out.join('\n')}\n\n`;
}
