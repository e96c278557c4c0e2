// Node-only test helpers for sockets (the rest of tests/shared runs in every runtime).
import { createServer } from "node:net";

/** A free TCP port on 127.0.0.1 (for servers and tools that cannot be told to pick one and say which). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
