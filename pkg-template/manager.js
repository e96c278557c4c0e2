// The public TokenManager: the wasm class, behind a cache-hit path that never enters wasm.
//
// The engine (in wasm) publishes every fresh cached token into a Map it owns: tenant →
// { token, storedAt, refreshAt, promise }, updated whenever its cache changes (new token, eviction,
// invalidate, a 401). A hit is then a Map lookup and two comparisons here, with no string
// copied into wasm memory. Anything else — past the refresh point, a refresh backing off,
// options given, a miss — goes to the engine, which decides as always. Hits counted here
// are added to stats(), and their `hit` events are emitted here, so both stay exact.
//
// A plain miss (no options) while another plain call for the same tenant is asking the
// engine shares that call's promise: a burst of 1000 callers enters wasm once, not 1000
// times. Such a follower counts nothing and emits nothing, as an engine follower. Only
// where a pending promise always settles (Node, Bun, Deno, browsers: the engine bounds
// every call; the entry turns sharing on). On workerd and Vercel's edge a request can be
// cancelled under its promises, so there every call waits on a promise of its own in the
// engine, which takes over a lost leader's flight (no request awaits another's promise).
import { TokenManager as Core } from "./tms_edge.js";

const WRAP = Symbol("wrap");
let sharing = false;

/** For entries whose runtime never cancels a pending promise (see above). */
export function sharePendingCalls() {
  sharing = true;
}

export class TokenManager {
  #core;
  #table;
  #defaultTenant;
  #onEvent;
  #hits = 0;
  // tenant (as given; undefined for the default) → the promise of the plain call asking
  // the engine for it; null where calls do not share.
  #asking = sharing ? new Map() : null;

  constructor(options, core, overrides) {
    this.#core = options === WRAP ? core : new Core(options);
    const source = options === WRAP ? overrides : options;
    const onEvent = source !== null && typeof source === "object" ? source.onEvent : undefined;
    this.#onEvent = typeof onEvent === "function" ? onEvent : undefined;
    this.#table = this.#core.__table;
    this.#defaultTenant = this.#core.__defaultTenant;
  }

  static fromEnv(env, overrides) {
    return new TokenManager(WRAP, Core.fromEnv(env, overrides), overrides);
  }

  token(userTenant, options) {
    if (options === undefined) {
      const entry = this.#table.get(userTenant ?? this.#defaultTenant);
      if (entry !== undefined) {
        const now = Date.now();
        // The engine's "fresh" rule: stored no later than now (a clock turned back means
        // expired), and before the refresh point.
        if (now < entry.refreshAt && now >= entry.storedAt) {
          this.#hits++;
          if (this.#onEvent !== undefined) this.#hit(userTenant ?? this.#defaultTenant);
          // One settled promise per published entry, made by its first hit and handed to
          // every later one (awaiting a settled promise is safe across requests; workerd
          // forbids only settling another request's promise); a new entry has a new one.
          return entry.promise ?? (entry.promise = Promise.resolve(entry.token));
        }
      }
      if (this.#asking !== null) return this.#ask(userTenant ?? undefined);
    }
    return this.#core.token(userTenant, options);
  }

  #ask(userTenant) {
    const asking = this.#asking.get(userTenant);
    if (asking !== undefined) return asking;
    const promise = this.#core.token(userTenant);
    this.#asking.set(userTenant, promise);
    const done = () => {
      if (this.#asking.get(userTenant) === promise) this.#asking.delete(userTenant);
    };
    promise.then(done, done);
    return promise;
  }

  #hit(userTenant) {
    try {
      this.#onEvent({ type: "hit", userTenant });
    } catch {
      // A throwing listener must not break token delivery (as in the engine).
    }
  }

  tokens(userTenants, options) {
    return this.#core.tokens(userTenants, options);
  }

  userTenants(options) {
    return this.#core.userTenants(options);
  }

  allTokens(options) {
    return this.#core.allTokens(options);
  }

  fetch(userTenant, input, init) {
    return this.#core.fetch(userTenant, input, init);
  }

  verify(jwt, options) {
    return this.#core.verify(jwt, options);
  }

  invalidate(userTenant) {
    this.#core.invalidate(userTenant);
  }

  stats() {
    const s = this.#core.stats();
    s.hits += this.#hits;
    return s;
  }

  free() {
    this.#core.free();
  }
}
