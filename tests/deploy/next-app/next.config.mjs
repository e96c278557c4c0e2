// tests/deploy/nextjs.test.mjs builds this app in tests/deploy/.build/next-app, where `next`,
// `react` and `react-dom` resolve from tests/deploy/node_modules (installed once by
// scripts/setup.sh): the workspace root is tests/deploy, two directories up.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
export default { outputFileTracingRoot: root, turbopack: { root } };
