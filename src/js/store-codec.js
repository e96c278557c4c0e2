// The shared tier's crypto (api.md, "Shared tier: store"): store keys and sealed values.
// Web standards only (crypto.subtle, TextEncoder, btoa/atob) so that the same file runs in
// Node 20, Deno, workerd, edge-runtime and browsers. The Rust shell imports it through
// wasm-bindgen as a snippet, which is copied alone: this file must not import anything.
//
// Two keys are derived from the client secret with HKDF-SHA-256, one per purpose (the info
// string), so that the key naming entries is never the key encrypting them:
// - an AES-256-GCM key that seals values; the store key is the additional data, so a value
//   copied or moved to another key does not open there;
// - an HMAC-SHA-256 key that names entries. A plain SHA-256 of the identity would be
//   computable by anyone who can list the store and guess tenant names (they are short and
//   often public), which would confirm "tenant X uses this app". Keyed with the secret, a
//   store key says nothing to anyone who does not hold the secret. The cost: a rotated
//   secret names new keys, so the store starts cold; values sealed under the old secret
//   would not open anyway, so nothing usable is lost.
// Both keys are non-extractable: nothing in the process can read them back out.

const VERSION = "v1";
const KEY_PREFIX = "tms-edge:v1:";
const SALT = "tms-edge:v1:store";
const INFO_SEAL = "tms-edge:v1:store:aes-256-gcm:values";
const INFO_NAME = "tms-edge:v1:store:hmac-sha-256:keys";
const IV_BYTES = 12; // the GCM standard nonce; random per value (2^-32 collision bound holds far beyond a token store's writes)
const TAG_BYTES = 16;
// A sealed token is a few KiB; anything far larger is not ours and is refused before decoding.
const MAX_SEALED_CHARS = 1 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Derives the codec's keys from the client secret.
 * @param {string} clientSecret
 * @returns {Promise<Codec>}
 */
export async function createCodec(clientSecret) {
  if (typeof clientSecret !== "string" || clientSecret.length === 0) {
    // Fixed text: never echo the argument, it is a secret.
    throw new TypeError("createCodec: the client secret must be a non-empty string");
  }
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey("raw", encoder.encode(clientSecret), "HKDF", false, ["deriveKey"]);
  const hkdf = (info) => ({ name: "HKDF", hash: "SHA-256", salt: encoder.encode(SALT), info: encoder.encode(info) });
  const [sealKey, nameKey] = await Promise.all([
    subtle.deriveKey(hkdf(INFO_SEAL), base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]),
    subtle.deriveKey(hkdf(INFO_NAME), base, { name: "HMAC", hash: "SHA-256", length: 256 }, false, ["sign"]),
  ]);
  return new Codec(sealKey, nameKey);
}

export class Codec {
  #sealKey;
  #nameKey;

  /** Use createCodec(clientSecret); the keys are CryptoKeys derived there. */
  constructor(sealKey, nameKey) {
    this.#sealKey = sealKey;
    this.#nameKey = nameKey;
  }

  /**
   * The store key of one identity: "tms-edge:v1:" + base64url(HMAC-SHA-256(JSON of the parts)).
   * JSON.stringify of the array is unambiguous: ["a,b","c"] and ["a","b,c"] differ.
   * @param {string[]} identity gateway, client id, app, version, host tenant, user tenant
   * @returns {Promise<string>}
   */
  async keyFor(identity) {
    if (!Array.isArray(identity) || identity.some((part) => typeof part !== "string")) {
      throw new TypeError("keyFor: the identity must be an array of strings");
    }
    const mac = await crypto.subtle.sign("HMAC", this.#nameKey, encoder.encode(JSON.stringify(identity)));
    return KEY_PREFIX + toBase64Url(new Uint8Array(mac));
  }

  /**
   * Encrypts `plaintext` for `storeKey`: "v1." + base64url(iv || ciphertext-with-tag).
   * @param {string} storeKey
   * @param {string} plaintext
   * @returns {Promise<string>}
   */
  async seal(storeKey, plaintext) {
    if (typeof storeKey !== "string" || typeof plaintext !== "string") {
      throw new TypeError("seal: the store key and the plaintext must be strings");
    }
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ct = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(storeKey) }, this.#sealKey, encoder.encode(plaintext)),
    );
    const out = new Uint8Array(IV_BYTES + ct.length);
    out.set(iv);
    out.set(ct, IV_BYTES);
    return `${VERSION}.${toBase64Url(out)}`;
  }

  /**
   * Decrypts a stored value for `storeKey`, or null for anything that does not open here:
   * another secret, another key, a changed byte, another version, not a string. Never throws:
   * whatever a store hands back is a miss at worst.
   * @param {string} storeKey
   * @param {unknown} value
   * @returns {Promise<string | null>}
   */
  async open(storeKey, value) {
    try {
      if (typeof storeKey !== "string" || typeof value !== "string") return null;
      if (value.length > MAX_SEALED_CHARS || !value.startsWith(`${VERSION}.`)) return null;
      const bytes = fromBase64Url(value.slice(VERSION.length + 1));
      if (bytes === null || bytes.length < IV_BYTES + TAG_BYTES) return null;
      const pt = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: encoder.encode(storeKey) },
        this.#sealKey,
        bytes.subarray(IV_BYTES),
      );
      return decoder.decode(pt);
    } catch {
      return null;
    }
  }
}

function toBase64Url(bytes) {
  let bin = "";
  // Chunks keep String.fromCharCode's argument count far below engines' limits.
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Strict: only the base64url alphabet, no padding, no whitespace (atob alone is lenient). */
function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}
