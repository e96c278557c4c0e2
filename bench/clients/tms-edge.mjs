// tms-edge, installed from the packed pkg/ (bench/lib/pkg.mjs), imported as a Node user does.
export const name = "tms-edge";

let lib;

/** Imports the package entry (Node: reads the .wasm, compiles and instantiates it synchronously). */
export async function load(ctx) {
  lib = await import(ctx.pkgEntry);
}

export function create(ctx) {
  const tm = new lib.TokenManager({ ...ctx.credentials, gateway: ctx.url });
  return {
    /** One `await token()`: the library call and nothing else. */
    token: (tenant) => tm.token(tenant),
    accessToken: (t) => t.accessToken,
    /** Tokens for every tenant the app is authorized for: the documented flow in one call. */
    async fanout() {
      const { tokens, errors } = await tm.allTokens();
      return { ok: tokens.size, failed: errors.size };
    },
    stats: () => tm.stats(),
    retained: tm,
  };
}
