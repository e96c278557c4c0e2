// Request counters and the request log shown by /_emulator/stats and /_emulator/log.
// The log exists so tests and the demo can see what a client sent; it must never become a place
// where credentials or tokens end up, because it is served with CORS "*".

export const LOG_LIMIT = 200;
export const ENDPOINT_NAMES = Object.freeze(['token', 'batch', 'userTenants', 'tokenKeys', 'kpi', 'piam']);

// Keys whose values are secrets in any plausible request body or query.
const SECRET_KEY = /secret|passw|token|authorization|auth.?key|credential|assertion|signature/i;
// Values that are secrets wherever they appear: JWTs and auth header values.
const SECRET_VALUE = /^(eyJ[\w-]*\.[\w-]*\.|(basic|bearer)\s)/i;

/** A deep copy of a parsed body or query with secret-looking keys and values replaced. */
export function redact(value, depth = 0) {
  if (depth > 20) return '[too deep]';
  if (typeof value === 'string') return SECRET_VALUE.test(value) ? '[redacted]' : value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1)]));
  }
  return value;
}

const zeroCounters = () => Object.fromEntries(ENDPOINT_NAMES.map((n) => [n, 0]));

export function createRecorder(limit = LOG_LIMIT) {
  // seq is never reset (not even by /_emulator/reset): a live view polling ?since=N must not
  // miss entries because numbering restarted below N.
  let seq = 0;
  let entries = [];
  let counters = zeroCounters();
  return {
    count(endpoint) {
      counters[endpoint] += 1;
    },
    /** Stores an entry (without seq) and returns the stored object, which the caller may still update. */
    record(entry) {
      const stored = { seq: ++seq, ...entry };
      entries.push(stored);
      if (entries.length > limit) entries = entries.slice(-limit);
      return stored;
    },
    since(n) {
      return entries.filter((e) => e.seq > n);
    },
    stats() {
      return { requests: { ...counters }, log: [...entries] };
    },
    clear() {
      entries = [];
      counters = zeroCounters();
    },
  };
}
