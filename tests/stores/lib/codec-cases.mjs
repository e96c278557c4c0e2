// store-codec.js checks that run in any runtime (Deno, workerd, edge-runtime), with globals
// only: the same file must seal and open alike everywhere. tests/stores/codec.test.mjs has the
// full set in Node; `sealedInNode` (optional) is a value Node sealed, which must open here.

const check = (cond, message) => {
  if (!cond) throw new Error(message);
};

export function codecCases(createCodec, { sealedInNode } = {}) {
  const SECRET = "client-secret-0123456789";
  const IDENTITY = ["https://gateway.example.test", "client-id-1", "app-name", "1.0.0", "hosttenant", "acmeusertenant"];
  const TEXT = JSON.stringify({ accessToken: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhY21lIn0.c2ln", note: "ünï ✓" });
  const cases = [];
  const add = (name, run) => cases.push({ name: `codec: ${name}`, run });

  add("round trip", async () => {
    const c = await createCodec(SECRET);
    const key = await c.keyFor(IDENTITY);
    check(/^tms-edge:v1:[A-Za-z0-9_-]{43}$/.test(key), `key ${key}`);
    const sealed = await c.seal(key, TEXT);
    check(/^v1\.[A-Za-z0-9_-]+$/.test(sealed), "not a compact v1 value");
    check(!sealed.includes("eyJhbGci") && !sealed.includes("acme"), "plaintext visible");
    check((await c.open(key, sealed)) === TEXT, "does not open");
  });
  add("moved, tampered, garbage, other secret: null", async () => {
    const c = await createCodec(SECRET);
    const key = await c.keyFor(IDENTITY);
    const other = await c.keyFor([...IDENTITY.slice(0, 5), "other"]);
    const sealed = await c.seal(key, TEXT);
    const flipped = sealed.slice(0, 20) + (sealed[20] === "A" ? "B" : "A") + sealed.slice(21);
    for (const [what, k, v] of [["moved", other, sealed], ["tampered", key, flipped], ["garbage", key, "v1.@@"], ["number", key, 7], ["object", key, {}], ["v2", key, "v2" + sealed.slice(2)]]) {
      check((await c.open(k, v)) === null, `${what} opened`);
    }
    check((await (await createCodec(SECRET + "x")).open(key, sealed)) === null, "another secret opened it");
  });
  if (sealedInNode) {
    add("a value sealed in Node opens here, and the key is the same", async () => {
      const c = await createCodec(sealedInNode.secret);
      check((await c.keyFor(sealedInNode.identity)) === sealedInNode.key, "another key for the same identity");
      check((await c.open(sealedInNode.key, sealedInNode.sealed)) === sealedInNode.text, "Node's value does not open");
    });
  }
  return cases;
}
