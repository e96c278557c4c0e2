#!/usr/bin/env bash
# The demo (`make demo`): the TMS emulator, the example worker in workerd (Miniflare) with the
# emulator's dev credentials as its env, and the page in www/. Prints the URL; Ctrl-C (or TERM)
# stops everything this script started.
#
#   scripts/demo.sh [--port N] [--emulator-port N] [--tenants N] [--lifetime SEC] [--cron-sec N] [--smoke]
#
# Environment equivalents: DEMO_PORT (8788), EMULATOR_PORT (8787), DEMO_TENANTS (12),
# DEMO_LIFETIME (120: short tokens, so refresh-ahead shows within a minute), DEMO_CRON_SEC (10;
# 0 = the KPI job runs only when asked), DEMO_STATE_DIR (where the children's output goes; default
# a temporary directory removed on exit). Port 0 picks a free port.
# --smoke: start, check the page, the package and one KPI job over HTTP, stop; exit 0 if all good.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${DEMO_PORT:-8788}
emu_port=${EMULATOR_PORT:-8787}
tenants=${DEMO_TENANTS:-12}
lifetime=${DEMO_LIFETIME:-120}
cron=${DEMO_CRON_SEC:-10}
smoke=0

usage() { sed -n '2,13s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --emulator-port) emu_port=$2; shift 2 ;;
    --tenants) tenants=$2; shift 2 ;;
    --lifetime) lifetime=$2; shift 2 ;;
    --cron-sec) cron=$2; shift 2 ;;
    --smoke) smoke=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "demo: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

die() { echo "demo: $*" >&2; exit 1; }
command -v node >/dev/null || die "node (20+) is needed: run 'make setup'"
[ -f pkg/workerd.js ] && [ -f pkg/browser.js ] && [ -f pkg/tms_edge_bg.wasm ] || die "pkg/ is not built: run 'make demo' (or 'make build' first)"
[ -d node_modules/miniflare ] || die "node_modules/miniflare is missing: run 'make setup'"

if [ -n "${DEMO_STATE_DIR:-}" ]; then
  state=$DEMO_STATE_DIR; own_state=0; mkdir -p "$state"
else
  state=$(mktemp -d "${TMPDIR:-/tmp}/tms-edge-demo.XXXXXX"); own_state=1
fi

pids=()
cleanup() {
  trap - INT TERM EXIT
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # Give them a moment to close sockets and stop workerd, then insist.
  for _ in $(seq 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [ "$own_state" = 1 ] && rm -rf "$state"
  return 0
}
# Ctrl-C (INT) or TERM is how the demo is meant to end: stop the children and exit 0, so that
# `make demo` ends quietly instead of reporting the signal as an error.
stopped() { echo; echo "demo: stopped"; cleanup; exit 0; }
trap stopped INT TERM
trap 'cleanup' EXIT

wait_for_file() { # file lines seconds pid
  local i
  for i in $(seq $(($3 * 10))); do
    [ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ] && return 0
    kill -0 "$4" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# 1. The TMS emulator. Its stdout is two lines: the URL and the dev credentials (kept in the
#    state directory, not printed: credentials do not belong in terminal logs either).
node emulator/server.mjs --port "$emu_port" --tenants "$tenants" --lifetime "$lifetime" \
  >"$state/emulator.out" 2>"$state/emulator.err" &
pids+=($!)
wait_for_file "$state/emulator.out" 2 15 "${pids[0]}" || { cat "$state/emulator.err" >&2; die "the emulator did not start (port $emu_port busy? try --emulator-port 0)"; }

# 2. The credentials become the worker's env (MDSP_* as TokenManager.fromEnv reads them).
eval "$(node -e '
const [urlLine, credLine] = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
const c = JSON.parse(credLine.replace(/^credentials: /, ""));
const q = (s) => "\x27" + String(s).replace(/\x27/g, "\x27\\\x27\x27") + "\x27";
const out = {
  emulator_url: urlLine.replace(/^.* on /, "").trim(),
  MDSP_KEY_STORE_CLIENT_ID: c.clientId, MDSP_KEY_STORE_CLIENT_SECRET: c.clientSecret,
  MDSP_OS_VM_APP_NAME: c.appName, MDSP_OS_VM_APP_VERSION: c.appVersion,
  MDSP_HOST_TENANT: c.hostTenant, MDSP_GATEWAY_URL: c.gateway,
};
for (const [k, v] of Object.entries(out)) console.log(`${k}=${q(v)}`);
' "$state/emulator.out")"

# 3. The worker in workerd, and the page. Only this child gets the credentials.
MDSP_KEY_STORE_CLIENT_ID=$MDSP_KEY_STORE_CLIENT_ID MDSP_KEY_STORE_CLIENT_SECRET=$MDSP_KEY_STORE_CLIENT_SECRET \
MDSP_OS_VM_APP_NAME=$MDSP_OS_VM_APP_NAME MDSP_OS_VM_APP_VERSION=$MDSP_OS_VM_APP_VERSION \
MDSP_HOST_TENANT=$MDSP_HOST_TENANT MDSP_GATEWAY_URL=$MDSP_GATEWAY_URL \
  node examples/worker/dev.mjs --port "$port" --cron-sec "$cron" --emulator "$emulator_url" \
  --url-file "$state/page.url" >"$state/worker.out" 2>"$state/worker.err" &
pids+=($!)
unset MDSP_KEY_STORE_CLIENT_SECRET
wait_for_file "$state/page.url" 1 60 "${pids[1]}" || { cat "$state/worker.err" >&2; die "the worker did not start (port $port busy? try --port 0)"; }
page_url=$(head -1 "$state/page.url")

cat <<EOF

  tms-edge demo is running

    open      $page_url
    worker    examples/worker/worker.js in workerd (Miniflare)$( [ "$cron" != 0 ] && echo ", KPI job every ${cron} s" || true)
    emulator  $emulator_url  ($tenants tenants, token lifetime ${lifetime} s)

  Press Ctrl-C to stop.

EOF

if [ "$smoke" = 1 ]; then
  node --input-type=module -e '
const [page, tenants] = [process.argv[1], Number(process.argv[2])];
const get = async (p, init) => { const r = await fetch(new URL(p, page), init); if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`); return r; };
const html = await (await get("/")).text();
if (!html.includes("tms-edge")) throw new Error("page does not look like the demo");
await get("/pkg/browser.js"); await get("/app.js"); await get("/style.css");
const wasm = await get("/pkg/tms_edge_bg.wasm");
if (wasm.headers.get("content-type") !== "application/wasm") throw new Error("wasm served with the wrong type");
const text = await (await get("/api/job", { method: "POST" })).text();
const s = JSON.parse(text);
const users = s.tenants.filter((t) => t.role === "user");
if (users.length !== tenants) throw new Error(`expected ${tenants} tenants, got ${users.length}`);
if (users.some((t) => !t.token || !t.kpis)) throw new Error("a tenant has no token status or no KPIs");
if (/eyJ[\w-]+\.[\w-]+\./.test(text)) throw new Error("a JWT in a worker response");
console.log(`smoke: ok (${users.length} tenants with token status and KPIs, last job ${s.lastRun.durationMs} ms)`);
' "$page_url" "$tenants"
  exit $?
fi

# Stop when either child stops (the trap then stops the other), or on Ctrl-C.
set +e
wait -n "${pids[@]}"
status=$?
echo "demo: a child process exited ($status); stopping" >&2
for f in emulator.err worker.err; do [ -s "$state/$f" ] && tail -n 20 "$state/$f" >&2; done
exit 1
