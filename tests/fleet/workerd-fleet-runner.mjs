// Runs the fleet in workerd through Miniflare 4 (SQLite-backed Durable Objects, local KV).
// Miniflare's KV is immediately consistent, unlike Workers KV across locations: the row is a
// lower bound for KV (see README, "Shared tier").
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { childSpec } from "./fleet-core.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export async function run(adapter, p) {
  const dir = mkdtempSync(join(tmpdir(), "tms-fleet-"));
  const mf = new Miniflare({
    modules: true,
    scriptPath: join(ROOT, "tests/fleet/workerd-fleet.mjs"),
    modulesRoot: ROOT,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-06-01",
    durableObjects: { COORD: { className: "TokenCoordinator", useSQLite: true } },
    kvNamespaces: ["KV"],
    durableObjectsPersist: join(dir, "do"),
    kvPersist: join(dir, "kv"),
    host: "127.0.0.1",
    port: 0,
  });
  try {
    const res = await mf.dispatchFetch("http://127.0.0.1/fleet", {
      method: "POST",
      body: JSON.stringify(childSpec(adapter, p)),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`workerd fleet (${adapter}): HTTP ${res.status}: ${text.slice(0, 2000)}`);
    return JSON.parse(text);
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
