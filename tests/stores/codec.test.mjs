// src/js/store-codec.js in Node: the shared tier's keys and sealed values (api.md "Shared tier").
// The same file runs in every runtime; the adapter tests in workerd and Deno use it as well.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCodec } from "../../src/js/store-codec.js";

const SECRET = "client-secret-0123456789";
const IDENTITY = ["https://gateway.example.test", "client-id-1", "app-name", "1.0.0", "hosttenant", "acmeusertenant"];
const TOKEN = JSON.stringify({ accessToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhY21lIn0.c2lnbmF0dXJl", refreshAt: 1_800_000_000_000 });

test("round trip: open(seal(x)) === x, for empty and non-ASCII text too", async () => {
  const codec = await createCodec(SECRET);
  const key = await codec.keyFor(IDENTITY);
  for (const text of [TOKEN, "", "ünïcødé ✓ \u{1F600}", "x".repeat(100_000)]) {
    assert.equal(await codec.open(key, await codec.seal(key, text)), text);
  }
});

test("sealed values are compact, versioned, and differ each time (random IV)", async () => {
  const codec = await createCodec(SECRET);
  const key = await codec.keyFor(IDENTITY);
  const a = await codec.seal(key, TOKEN);
  const b = await codec.seal(key, TOKEN);
  assert.match(a, /^v1\.[A-Za-z0-9_-]+$/);
  assert.notEqual(a, b);
  // 12-byte IV + plaintext + 16-byte tag, base64url without padding.
  assert.equal(a.length, 3 + Math.ceil(((12 + new TextEncoder().encode(TOKEN).length + 16) * 4) / 3));
});

test("no plaintext substring is visible in the sealed value", async () => {
  const codec = await createCodec(SECRET);
  const key = await codec.keyFor(IDENTITY);
  const sealed = await codec.seal(key, TOKEN);
  for (const part of ["eyJhbGciOiJSUzI1NiJ9", "c2lnbmF0dXJl", "accessToken", "acme", "1800000000000", SECRET]) {
    assert.ok(!sealed.includes(part), `sealed value shows ${part}`);
  }
  // Nor in its base64 decoding (a store might show values decoded).
  const raw = Buffer.from(sealed.slice(3), "base64url").toString("latin1");
  for (const part of ["eyJhbGciOiJSUzI1NiJ9", "accessToken", "acme"]) assert.ok(!raw.includes(part));
});

test("a value moved to another key does not open", async () => {
  const codec = await createCodec(SECRET);
  const key = await codec.keyFor(IDENTITY);
  const other = await codec.keyFor([...IDENTITY.slice(0, 5), "otherusertenant"]);
  assert.equal(await codec.open(other, await codec.seal(key, TOKEN)), null);
});

test("a changed byte anywhere (IV, ciphertext, tag) does not open", async () => {
  const codec = await createCodec(SECRET);
  const key = await codec.keyFor(IDENTITY);
  const sealed = await codec.seal(key, TOKEN);
  const bytes = Buffer.from(sealed.slice(3), "base64url");
  for (const i of [0, 11, 12, 40, bytes.length - 1]) {
    const t = Buffer.from(bytes);
    t[i] ^= 1;
    assert.equal(await codec.open(key, "v1." + t.toString("base64url")), null, `byte ${i}`);
  }
  assert.equal(await codec.open(key, sealed.slice(0, -2)), null, "truncated");
  assert.equal(await codec.open(key, sealed + "AA"), null, "extended");
});

test("garbage, another version, non-strings: null, never a throw", async () => {
  const codec = await createCodec(SECRET);
  const key = await codec.keyFor(IDENTITY);
  const sealed = await codec.seal(key, TOKEN);
  const values = [
    undefined, null, 0, 42, true, {}, [], [sealed], { value: sealed }, new Uint8Array(40), Symbol("x"), () => sealed,
    "", "v1.", "v1", "v2." + sealed.slice(3), sealed.slice(3), "V1." + sealed.slice(3), "v1.!!!!", "v1.A", "v1.AAAA",
    "v1." + sealed.slice(3).replace(/.$/, "=") , "v1. " + sealed.slice(3), "v1." + "A".repeat(2_000_000), "{\"accessToken\":\"x\"}",
  ];
  for (const v of values) assert.equal(await codec.open(key, v), null, `value ${String(typeof v === "symbol" ? "symbol" : v).slice(0, 40)}`);
  assert.equal(await codec.open(undefined, sealed), null);
  assert.equal(await codec.open(42, sealed), null);
});

test("another secret neither opens the value nor names the same key", async () => {
  const a = await createCodec(SECRET);
  const b = await createCodec(SECRET + "x");
  const key = await a.keyFor(IDENTITY);
  assert.equal(await b.open(key, await a.seal(key, TOKEN)), null);
  assert.notEqual(await b.keyFor(IDENTITY), key);
  // The same secret in another codec (another isolate) opens it.
  const a2 = await createCodec(SECRET);
  assert.equal(await a2.open(key, await a.seal(key, TOKEN)), TOKEN);
});

test("keyFor: prefixed, stable, no tenant name, secret or identity part in it; unambiguous", async () => {
  const codec = await createCodec(SECRET);
  const key = await codec.keyFor(IDENTITY);
  assert.match(key, /^tms-edge:v1:[A-Za-z0-9_-]{43}$/);
  assert.equal(await (await createCodec(SECRET)).keyFor(IDENTITY), key);
  for (const part of [...IDENTITY, "acme", "hosttenant", SECRET]) assert.ok(!key.includes(part), `key shows ${part}`);
  // Each part counts, and joining parts differently gives another key.
  const keys = new Set([key]);
  for (let i = 0; i < IDENTITY.length; i++) {
    const changed = [...IDENTITY];
    changed[i] += "x";
    keys.add(await codec.keyFor(changed));
  }
  keys.add(await codec.keyFor(["a,b", "c"]));
  keys.add(await codec.keyFor(["a", "b,c"]));
  keys.add(await codec.keyFor(["a\u0000b"]));
  keys.add(await codec.keyFor(["a", "b"]));
  assert.equal(keys.size, IDENTITY.length + 5);
  // Not a plain SHA-256 of the identity: someone guessing tenant names cannot confirm a key.
  const plain = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(IDENTITY)))).toString("base64url");
  assert.notEqual(key, "tms-edge:v1:" + plain);
});

test("bad arguments reject with fixed messages that never show the secret", async () => {
  for (const bad of [undefined, "", 42, null]) await assert.rejects(createCodec(bad), TypeError);
  const codec = await createCodec(SECRET);
  await assert.rejects(codec.keyFor("acme"), TypeError);
  await assert.rejects(codec.keyFor(["acme", 1]), TypeError);
  await assert.rejects(codec.seal("k", 1), TypeError);
  await assert.rejects(codec.seal(undefined, "x"), TypeError);
  // The derived keys cannot be read back out of the codec.
  assert.equal(JSON.stringify(codec), "{}");
  assert.ok(!String(Object.getOwnPropertyNames(codec)).length);
});
