// One call to a user's TokenStore, as the engine needs it (api.md: "The store never makes a call
// fail: an error, a rejection or a call slower than storeTimeout goes on without the store").
// Web standards only; wasm-bindgen copies this file alone, so it imports nothing.
//
// callStore never throws and never rejects: it resolves { ok: true, value } or
// { ok: false, reason } with reason "timeout", "error" or "missing" (no such method, e.g. a
// store without lease). The store's own error is not passed on: its message may carry a
// connection string or a password, and the engine only reports TMS_STORE.

/**
 * @param {object} store a TokenStore
 * @param {"get" | "set" | "lease"} method
 * @param {unknown[]} args
 * @param {number} timeoutMs
 * @returns {Promise<{ ok: true, value: unknown } | { ok: false, reason: "timeout" | "error" | "missing" }>}
 */
export function callStore(store, method, args, timeoutMs) {
  let fn;
  try {
    fn = store?.[method];
  } catch {
    return Promise.resolve({ ok: false, reason: "error" }); // a throwing getter
  }
  if (typeof fn !== "function") return Promise.resolve({ ok: false, reason: "missing" });
  return bounded(() => fn.apply(store, args), timeoutMs, method === "lease" ? checkLease : checkAny, method === "lease" ? releaseLate : undefined);
}

/**
 * Calls a release function from lease(), bounded like callStore.
 * @param {() => Promise<void>} release
 * @param {number} timeoutMs
 */
export function callRelease(release, timeoutMs) {
  if (typeof release !== "function") return Promise.resolve({ ok: false, reason: "missing" });
  return bounded(() => release(), timeoutMs, checkAny);
}

/**
 * Runs `start` (sync throws and non-promise results included), resolving its checked outcome or
 * a timeout. `late` gets a result that arrives after the timeout.
 */
function bounded(start, timeoutMs, check, late) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (outcome) => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      resolve(outcome);
      return true;
    };
    const ms = typeof timeoutMs === "number" && timeoutMs >= 0 && Number.isFinite(timeoutMs) ? timeoutMs : 0;
    // A timer, not an AbortSignal: stores have no signal parameter. Cleared on settling, so it
    // keeps no process (Node, Deno) alive.
    const timer = setTimeout(() => finish({ ok: false, reason: "timeout" }), ms);
    let pending;
    try {
      pending = Promise.resolve(start());
    } catch {
      finish({ ok: false, reason: "error" });
      return;
    }
    pending.then(
      (value) => {
        if (!finish(check(value)) && late) late(value);
      },
      () => finish({ ok: false, reason: "error" }),
    );
  });
}

const checkAny = (value) => ({ ok: true, value });

/** lease() must give a release function or null; anything else is a broken store. */
const checkLease = (value) =>
  typeof value === "function" || value === null || value === undefined ? { ok: true, value: value ?? null } : { ok: false, reason: "error" };

/**
 * A lease granted after we stopped waiting would be held, with nobody working on it, until its
 * TTL: give it back at once so another isolate can take over.
 */
function releaseLate(value) {
  if (typeof value !== "function") return;
  try {
    Promise.resolve(value()).catch(() => {});
  } catch {
    // nothing to do: the lease will expire
  }
}
