// A value sealed by store-codec.js in Node, for the other runtimes to open (one format everywhere).
import { createCodec } from "../../../src/js/store-codec.js";

export async function sealedInNode() {
  const secret = "client-secret-sealed-in-node";
  const identity = ["https://gateway.example.test", "client-id-1", "app", "1.0.0", "host", "tenant-sealed-in-node"];
  const text = JSON.stringify({ accessToken: "a.b.c", refreshAt: 1_900_000_000_000 });
  const codec = await createCodec(secret);
  const key = await codec.keyFor(identity);
  return { secret, identity, key, text, sealed: await codec.seal(key, text) };
}
