// tms-edge demo page: plain ES module, no framework, no build step.
//
// Talks to three things:
//   /api/*                       the example worker (examples/worker/worker.js): token *status*
//                                and KPIs, never a token or a secret
//   <emulator>/_emulator/*       the TMS emulator's control plane (CORS): live log and faults
//   /pkg/browser.js              tms-edge's browser build, for decodeJwt() in the JWT inspector
// Everything from the network is rendered with textContent, never as HTML.

const $ = (sel) => document.querySelector(sel);

/** Tiny element builder: h("td", { class: "num" }, "text", childNode…). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "style") el.style.cssText = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const S = {
  cfg: { emulatorUrl: "", cronSec: 10 },
  offset: 0, // server clock minus this tab's clock
  status: null,
  log: [], // emulator log entries, oldest first
  lastSeq: 0,
  renderedSeq: 0,
  burstSeqs: new Set(),
  generations: new Map(), // tenant -> token generation last seen (to flash refreshes)
  newTokenUntil: new Map(),
  rows: new Map(), // tenant -> { tr, cells }
  faults: [],
  latencyMs: 0,
  emulatorDown: false,
};

const now = () => Date.now() + S.offset;

// --- formatting ---------------------------------------------------------------------------------

function clock(ms) {
  if (!Number.isFinite(ms)) return "–";
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "–");
function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s} s ago` : `${Math.floor(s / 60)} min ${s % 60} s ago`;
}
const timeOf = (iso) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour12: false });
};

// --- worker API -----------------------------------------------------------------------------

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: { accept: "application/json" }, body });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.message || data.error || `HTTP ${res.status}`);
  if (typeof data.now === "number") S.offset = data.now - Date.now();
  return data;
}

async function refreshStatus() {
  try {
    S.status = await api("GET", "/api/status");
    renderStatus();
  } catch (err) {
    $("#job-info").textContent = `Worker unreachable: ${err.message}`;
  }
}

async function runJob() {
  const btn = $("#run-job");
  btn.disabled = true;
  renderJobLine(true);
  try {
    S.status = await api("POST", "/api/job");
    renderStatus();
  } catch (err) {
    $("#job-info").textContent = `Job failed: ${err.message}`;
  } finally {
    btn.disabled = false;
  }
  pollLog();
}

// --- tenants table --------------------------------------------------------------------------

function tokenState(rec, t) {
  const tok = rec.token;
  if (!tok || t >= tok.expiresAt) {
    if (rec.lastError) {
      const e = rec.lastError;
      return { cls: "err", label: `${e.code || "error"}${e.status ? ` ${e.status}` : ""}`, title: e.message || "no valid token" };
    }
    if (rec.expiredAt || (tok && t >= tok.expiresAt)) return { cls: "err", label: "expired", title: "expired: never handed out" };
    return { cls: "none", label: "not cached", title: "no token cached for this tenant" };
  }
  if (rec.staleSince && rec.lastError) {
    return { cls: "stale", label: "stale but valid", title: `refresh failed (${rec.lastError.code}); the cached token is still valid and served` };
  }
  if (t >= tok.refreshAt) return { cls: "due", label: "refresh due", title: "past its refresh point: the next call fetches a new token" };
  if (t >= tok.refreshEarliest) return { cls: "due", label: "refresh window", title: "inside the jitter window: it may be refreshed on the next call" };
  return { cls: "fresh", label: "cached", title: "served from the cache: no upstream request" };
}

function ensureRow(rec) {
  let row = S.rows.get(rec.tenant);
  if (row) return row;
  const cells = {
    tenant: h("td", { class: "tenant" }, rec.tenant, rec.role === "host" ? h("span", { class: "role" }, "host") : null),
    state: h("td"),
    bar: h("td"),
    refresh: h("td", { class: "num cd" }),
    expires: h("td", { class: "num cd" }),
    kpis: [h("td", { class: "num kpi" }), h("td", { class: "num kpi" }), h("td", { class: "num kpi" }), h("td", { class: "num kpi" })],
    kpiErr: h("td", { class: "kpi-err", colspan: 4 }),
  };
  const fill = h("div", { class: "fill" });
  const jit = h("div", { class: "jit" });
  const tick = h("div", { class: "tick" });
  const bar = h("div", { class: "bar" }, jit, fill, tick);
  cells.bar.append(bar);
  cells.barParts = { bar, fill, jit, tick };
  const tr = h("tr", { class: rec.role === "host" ? "host" : "", dataset: { tenant: rec.tenant } },
    cells.tenant, cells.state, cells.bar, cells.refresh, cells.expires, ...cells.kpis);
  row = { tr, cells, mode: "kpi" };
  S.rows.set(rec.tenant, row);
  $("#tenants tbody").append(tr);
  return row;
}

function renderRowTimes(rec, row, t) {
  const st = tokenState(rec, t);
  const { cells } = row;
  const flashing = (S.newTokenUntil.get(rec.tenant) ?? 0) > Date.now();
  const label = flashing && st.cls === "fresh" ? "new token" : st.label;
  const badge = cells.state.firstChild;
  const cls = `state ${st.cls}${flashing ? " flash" : ""}`;
  if (!badge || badge.className !== cls || badge.dataset.label !== label) {
    const valid = rec.token && t < rec.token.expiresAt;
    const gen = valid && rec.token.generation > 1 ? h("span", { class: "gen", title: "tokens this tenant has had" }, `#${rec.token.generation}`) : null;
    cells.state.replaceChildren(h("span", { class: cls, title: st.title, dataset: { label } }, label), gen ?? "");
  }
  const tok = rec.token && t < rec.token.expiresAt ? rec.token : null;
  const { bar, fill, jit, tick } = cells.barParts;
  bar.className = `bar ${tok ? st.cls : "none"}`;
  if (tok) {
    const life = tok.lifetimeMs;
    const left = Math.max(0, tok.expiresAt - t);
    fill.style.width = `${Math.min(100, (left / life) * 100)}%`;
    const margin = tok.expiresAt - tok.refreshAt;
    const early = tok.expiresAt - tok.refreshEarliest;
    tick.style.left = `${(margin / life) * 100}%`;
    jit.style.left = `${(margin / life) * 100}%`;
    jit.style.width = `${((early - margin) / life) * 100}%`;
    bar.title = `lifetime ${Math.round(life / 1000)} s · refresh ${Math.round(margin / 1000)}–${Math.round(early / 1000)} s before expiry`;
    cells.refresh.textContent = t >= tok.refreshAt ? "due" : clock(tok.refreshAt - t);
    cells.refresh.className = `num cd${t >= tok.refreshEarliest ? " due" : ""}`;
    cells.expires.textContent = clock(tok.expiresAt - t);
  } else {
    fill.style.width = "0";
    jit.style.width = "0";
    tick.style.left = "-10px";
    bar.title = "no valid token";
    cells.refresh.textContent = "–";
    cells.refresh.className = "num cd";
    cells.expires.textContent = "–";
  }
}

function renderRowKpis(rec, row) {
  const { cells, tr } = row;
  if (rec.role === "host") {
    if (row.mode !== "host") {
      cells.kpiErr.replaceChildren(h("span", { class: "muted" }, "token for GET /userTenants"));
      cells.kpis.forEach((c) => c.remove());
      tr.append(cells.kpiErr);
      row.mode = "host";
    }
    return;
  }
  if (rec.kpiError) {
    if (row.mode !== "err") {
      cells.kpis.forEach((c) => c.remove());
      tr.append(cells.kpiErr);
      row.mode = "err";
    }
    cells.kpiErr.textContent = rec.kpiError;
    return;
  }
  if (row.mode !== "kpi") {
    cells.kpiErr.remove();
    tr.append(...cells.kpis);
    row.mode = "kpi";
  }
  const k = rec.kpis;
  const old = rec.kpiAt && now() - rec.kpiAt > Math.max(30_000, 3 * S.cfg.cronSec * 1000);
  const title = rec.kpiAt ? `computed ${ago(now() - rec.kpiAt)}` : "";
  const [oee, av, pe, qu] = cells.kpis;
  oee.replaceChildren(k ? h("span", { class: "oee" }, h("i", { style: `--w:${(k.oee * 100).toFixed(1)}%` }), pct(k.oee)) : "–");
  av.textContent = k ? pct(k.availability) : "–";
  pe.textContent = k ? pct(k.performance) : "–";
  qu.textContent = k ? pct(k.quality) : "–";
  for (const c of cells.kpis) {
    c.className = `num kpi${old ? " old" : ""}`;
    c.title = title;
  }
}

function renderJobLine(forceRunning = false) {
  const s = S.status;
  const line = $("#job-info");
  const parts = [];
  if (forceRunning || s?.running) parts.push(h("span", {}, h("span", { class: "spin" }), " job running…"));
  const r = s?.lastRun;
  if (r) {
    parts.push(h("span", {}, "Last run ", h("b", {}, ago(now() - r.startedAt)), ` (${r.trigger === "cron" ? "cron" : "button"}, ${r.durationMs} ms)`));
    parts.push(h("span", {}, h("b", {}, `${r.tokens}/${r.tenants}`), " tokens · ", h("b", {}, String(r.kpis)), " KPI sets"));
    parts.push(h("span", {}, h("b", {}, String(r.upstreamRequests)), ` upstream TMS request${r.upstreamRequests === 1 ? "" : "s"}`));
    if (r.refreshes) parts.push(h("span", {}, h("b", {}, String(r.refreshes)), " refreshed ahead"));
    if (r.retries) parts.push(h("span", { class: "warn" }, `${r.retries} retr${r.retries === 1 ? "y" : "ies"}`));
    if (r.staleServed) parts.push(h("span", { class: "warn", title: "a refresh failed; the cached token was still valid and was used" }, `${r.staleServed} refresh${r.staleServed === 1 ? "" : "es"} failed, cached token used`));
    if (r.errors) parts.push(h("span", { class: "warn", title: "no valid token could be obtained: see the tenants' status" }, `${r.errors} tenant${r.errors === 1 ? "" : "s"} without a token`));
    if (r.listError) parts.push(h("span", { class: "warn", title: r.listError.message }, `tenant list unavailable (${r.listError.code}${r.listError.status ? ` ${r.listError.status}` : ""}): used the last known list`));
  } else if (s && !s.running && !forceRunning) {
    parts.push(h("span", {}, "No run yet. ", S.cfg.cronSec > 0 ? `The cron trigger runs every ${S.cfg.cronSec} s.` : "Press “Run KPI job now”."));
  }
  if (s && S.cfg.cronSec > 0) parts.push(h("span", { class: "muted" }, `cron: every ${S.cfg.cronSec} s`));
  line.replaceChildren(...parts);
}

/** Isolates sharing the Durable Object coordinator: how many there were, what they took from it. */
function renderShared() {
  const sh = S.status?.shared;
  const el = $("#shared-info");
  if (!sh || !el) return;
  el.textContent = sh.coordinator
    ? `Isolates so far: ${sh.isolates} · tokens from the shared Durable Object: ${sh.fromCoordinator}` +
      ` · requests to the TMS: ${sh.upstreamRequests}` +
      (sh.coordinatorErrors ? ` · coordinator errors: ${sh.coordinatorErrors}` : "")
    : `Isolates so far: ${sh.isolates} (no coordinator bound: each isolate asks the TMS itself)`;
}

function renderStatus() {
  const s = S.status;
  if (!s) return;
  renderJobLine();
  renderShared();
  const t = now();
  for (const rec of s.tenants) {
    const gen = rec.token?.generation ?? 0;
    const seen = S.generations.get(rec.tenant);
    if (seen !== undefined && gen > seen && gen > 1) S.newTokenUntil.set(rec.tenant, Date.now() + 4000);
    S.generations.set(rec.tenant, gen);
    const row = ensureRow(rec);
    renderRowTimes(rec, row, t);
    renderRowKpis(rec, row);
  }
  // Story tiles and the burst tenant list follow the live numbers.
  const users = s.tenants.filter((r) => r.role !== "host");
  $("#t-tenants").textContent = String(users.length);
  $("#t-batches").textContent = String(Math.ceil(users.length / (s.config.batchSize || 5)));
  const life = s.tenants.find((r) => r.token)?.token.lifetimeMs;
  if (life) {
    const sec = Math.round(life / 1000);
    $("#t-life").textContent = sec % 60 === 0 ? `${sec / 60}-minute` : `${sec}-second`;
  }
  const sel = $("#burst-tenant");
  const names = users.map((r) => r.tenant);
  if (names.length && sel.dataset.names !== names.join(",")) {
    const keep = sel.value;
    sel.replaceChildren(...names.map((n) => h("option", { value: n }, n)));
    if (names.includes(keep)) sel.value = keep;
    sel.dataset.names = names.join(",");
  }
}

function tick() {
  const s = S.status;
  if (s) {
    const t = now();
    for (const rec of s.tenants) {
      const row = S.rows.get(rec.tenant);
      if (row) renderRowTimes(rec, row, t);
    }
  }
}

// --- burst ------------------------------------------------------------------------------------

async function burst() {
  const btn = $("#burst");
  const n = Number(btn.dataset.n) || 500;
  const tenant = $("#burst-tenant").value;
  const box = $("#burst-result");
  btn.disabled = true;
  box.dataset.state = "running";
  $("#burst-calls").textContent = String(n);
  $("#burst-upstream").textContent = "…";
  $("#burst-facts").textContent = `Dropping ${tenant}'s token, then ${n} concurrent token("${tenant}") calls…`;
  try {
    await pollLog(); // the log position before the burst
    const startSeq = S.lastSeq;
    const r = await api("POST", `/api/burst?tenant=${encodeURIComponent(tenant)}&n=${n}`);
    await pollLog();
    const upstream = S.log.filter((e) => e.seq > startSeq && (e.endpoint === "token" || e.endpoint === "batch") && (e.userTenants || []).includes(tenant));
    for (const e of upstream) S.burstSeqs.add(e.seq);
    renderLog();
    Object.assign(box.dataset, {
      state: "done",
      n: String(r.n),
      succeeded: String(r.succeeded),
      upstream: String(r.upstreamRequests),
      logRequests: String(upstream.length),
    });
    $("#burst-calls").textContent = String(r.n);
    $("#burst-upstream").textContent = String(r.upstreamRequests);
    $("#burst-plural").textContent = r.upstreamRequests === 1 ? "" : "s";
    $("#burst-naive").textContent = String(r.n);
    const errs = Object.entries(r.errors || {}).map(([c, k]) => `${k} × ${c}`).join(", ");
    const logText = upstream.length
      ? `${upstream.length} × ${upstream.map((e) => `${e.endpoint === "token" ? "POST /oauth/token" : "POST /oauthTokens"} → ${e.status} (#${e.seq})`).join(", ")}`
      : "none";
    $("#burst-facts").replaceChildren(
      h("b", {}, `${r.succeeded}/${r.n}`), " succeeded · ",
      h("b", {}, String(r.distinctTokens)), ` distinct token${r.distinctTokens === 1 ? "" : "s"} · `,
      h("b", {}, `${r.durationMs} ms`), errs ? ` · failed: ${errs}` : "",
      h("br"), "Emulator log for ", h("b", {}, tenant), ": ", logText,
    );
  } catch (err) {
    box.dataset.state = "error";
    $("#burst-facts").textContent = `Burst failed: ${err.message}`;
  } finally {
    btn.disabled = false;
    refreshStatus();
  }
}

// --- emulator: live log and faults ------------------------------------------------------------

async function emu(path, method = "GET", body) {
  if (!S.cfg.emulatorUrl) throw new Error("no emulator URL");
  // text/plain: a "simple" request, no CORS preflight; the control plane takes JSON anyway.
  const init = { method };
  if (body !== undefined) {
    init.headers = { "content-type": "text/plain" };
    init.body = JSON.stringify(body);
  }
  const res = await fetch(`${S.cfg.emulatorUrl}/_emulator/${path}`, init);
  if (!res.ok) throw new Error(`emulator ${path}: HTTP ${res.status}`);
  return res.json();
}

let logBusy = null;
function pollLog() {
  logBusy ??= (async () => {
    try {
      const { entries } = await emu(`log?since=${S.lastSeq}`);
      S.emulatorDown = false;
      if (entries.length) {
        S.log.push(...entries);
        if (S.log.length > 600) S.log.splice(0, S.log.length - 600);
        S.lastSeq = Math.max(S.lastSeq, ...entries.map((e) => e.seq));
        renderLog();
      }
    } catch {
      if (!S.emulatorDown) {
        S.emulatorDown = true;
        renderLog();
      }
    } finally {
      logBusy = null;
    }
  })();
  return logBusy;
}

const EP = {
  token: ["POST /oauth/token", "token"],
  batch: ["POST /oauthTokens", "batch"],
  userTenants: ["GET /userTenants", "userTenants"],
  kpi: ["GET KPI API", "kpi"],
  tokenKeys: ["GET /token_keys", "kpi"],
};

function logItem(e, fresh) {
  const [label, cls] = EP[e.endpoint] ?? [`${e.method} ${e.path}`, ""];
  const ok = typeof e.status === "number" && e.status < 400;
  const what = h("div", { class: "what" }, h("span", { class: `ep ${cls}` }, label));
  if (e.endpoint === "userTenants" && e.query?.page !== undefined) what.append(h("span", { class: "muted" }, ` page ${e.query.page}`));
  if (e.endpoint === "kpi") what.append(h("span", { class: "muted" }, ` ${(e.userTenants || [])[0] ?? ""}`));
  if (e.endpoint === "batch" || e.endpoint === "token") {
    const ts = e.userTenants || [];
    if (S.burstSeqs.has(e.seq)) what.append(h("span", { class: "burst-tag" }, "burst"));
    what.append(h("div", { class: "tenants", title: ts.join(", ") },
      h("em", {}, `${ts.length} tenant${ts.length === 1 ? "" : "s"}`), ts.map((t) => h("span", {}, t.replace(/^tenant0*/, "t")))));
  }
  const res = h("div", { class: "res" },
    h("span", { class: `st ${ok ? "ok" : "bad"}` }, String(e.status)),
    e.fault ? h("span", { class: "fault-tag" }, `fault ${e.fault}`) : null,
    h("span", { class: "dur" }, e.durationMs == null ? "" : `${Math.round(e.durationMs)} ms`));
  const liClass = [fresh ? "new" : "", S.burstSeqs.has(e.seq) ? "burst" : ""].filter(Boolean).join(" ");
  return h("li", { class: liClass || null, dataset: { seq: e.seq, endpoint: e.endpoint, status: e.status } },
    h("span", { class: "seq" }, `#${e.seq}`), h("span", { class: "time" }, timeOf(e.time)), what, res);
}

function renderLog() {
  const list = $("#log");
  const showKpi = $("#show-kpi").checked;
  const items = [];
  let hidden = 0;
  const flushHidden = () => {
    if (hidden) items.push(h("li", { class: "hidden-kpi" }, `${hidden} KPI API call${hidden === 1 ? "" : "s"} (Bearer token from the cache)`));
    hidden = 0;
  };
  for (let i = S.log.length - 1; i >= 0 && items.length < 150; i--) {
    const e = S.log[i];
    if (e.endpoint === "kpi" && !showKpi) {
      hidden += 1;
      continue;
    }
    flushHidden();
    items.push(logItem(e, e.seq > S.renderedSeq && S.renderedSeq > 0));
  }
  flushHidden();
  if (!items.length) {
    items.push(h("li", { class: "empty" }, S.emulatorDown ? "Emulator control plane unreachable." : "No upstream requests yet."));
  }
  list.replaceChildren(...items);
  S.renderedSeq = S.lastSeq;

  const count = (name) => S.log.filter((e) => e.endpoint === name).length;
  $("#counters").replaceChildren(
    h("span", {}, "oauthTokens ", h("b", {}, String(count("batch")))),
    h("span", {}, "oauth/token ", h("b", {}, String(count("token")))),
    h("span", {}, "userTenants ", h("b", {}, String(count("userTenants")))),
    h("span", {}, "KPI API ", h("b", {}, String(count("kpi")))),
    h("span", {}, "faults hit ", h("b", {}, String(S.log.filter((e) => e.fault).length))),
  );
}

const TMS_ENDPOINTS = ["token", "batch", "userTenants"];

async function pollFaults() {
  try {
    const [{ faults }, config] = await Promise.all([emu("faults"), emu("config")]);
    S.faults = faults;
    S.latencyMs = config.latencyMs;
    renderFaults();
  } catch {
    $("#armed").textContent = "Emulator control plane unreachable.";
  }
}

function renderFaults() {
  $("#f-latency").checked = S.latencyMs > 0;
  const outage = S.faults.filter((f) => f.count === -1 && f.kind === "503" && TMS_ENDPOINTS.includes(f.endpoint));
  $("#f-outage").checked = outage.length > 0;
  const parts = [];
  if (S.latencyMs > 0) parts.push(`latency ${S.latencyMs} ms`);
  const oneShot = S.faults.filter((f) => f.count !== -1);
  for (const f of oneShot) parts.push(`${f.kind} ×${f.count} on ${f.endpoint === "*" ? "next calls" : f.endpoint}`);
  if (outage.length) parts.push("TMS outage (503 until switched off)");
  const armed = $("#armed");
  armed.replaceChildren(parts.length ? h("span", { class: "on" }, `Armed: ${parts.join(" · ")}`) : "No faults armed.");
}

async function faultAction(fn) {
  try {
    await fn();
  } catch (err) {
    $("#armed").textContent = `Control plane error: ${err.message}`;
  }
  await pollFaults();
}

function wireFaults() {
  $("#f-latency").addEventListener("change", (ev) => faultAction(() => emu("config", "POST", { latencyMs: ev.target.checked ? 1500 : 0 })));
  const oneShot = (id, kind, extra) => $(id).addEventListener("click", (ev) => faultAction(async () => {
    ev.target.classList.add("fired");
    setTimeout(() => ev.target.classList.remove("fired"), 1500);
    await emu("faults", "POST", { faults: [{ endpoint: "*", kind, count: 2, ...extra }] });
    runJob(); // the job's first upstream call meets the fault right away
  }));
  oneShot("#f-429", "429", { retryAfter: 1 });
  oneShot("#f-5xx", "503", {});
  $("#f-outage").addEventListener("change", (ev) => faultAction(async () => {
    if (ev.target.checked) {
      await emu("faults", "POST", { faults: TMS_ENDPOINTS.map((endpoint) => ({ endpoint, kind: "503", count: -1 })) });
    } else {
      await emu("faults", "DELETE");
    }
    runJob();
  }));
  $("#f-clear").addEventListener("click", () => faultAction(async () => {
    await emu("faults", "DELETE");
    await emu("config", "POST", { latencyMs: 0 });
  }));
}

// --- JWT inspector (wasm in the browser) ------------------------------------------------------

const lib = import("/pkg/browser.js");
lib.then(
  () => { $("#wasm-state").textContent = "tms-edge wasm loaded"; },
  (err) => { $("#wasm-state").textContent = `wasm failed to load: ${err.message}`; },
);

const b64url = (obj) => btoa(JSON.stringify(obj)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** A made-up token with the shape of a TMS token; its signature is not a signature. */
function sampleJwt() {
  const iat = Math.floor(Date.now() / 1000) - 60;
  const client = "tenant001-kpi-calculator-1.0.0";
  return [
    b64url({ alg: "RS256", kid: "key-id-1", typ: "JWT" }),
    b64url({
      jti: "0f6b3e1e9c1d4d3f8a7e2b5c6d7e8f90", sub: client, scope: ["mdsp:core:Admin3rdPartyTechUser", "tm.t.r", "uts.ri"],
      client_id: client, cid: client, azp: client, grant_type: "client_credentials", iat, exp: iat + 1800,
      iss: "https://tenant001.piam.eu1.mindsphere.io/oauth/token", zid: "tenant001", aud: [client], ten: "tenant001",
      schemas: ["urn:siemens:mindsphere:iam:v1"], cat: "client-token:v1",
    }),
    "bWFkZS11cC1zYW1wbGUtbm90LWEtc2lnbmF0dXJl",
  ].join(".");
}

function when(sec) {
  if (typeof sec !== "number") return String(sec ?? "–");
  const d = new Date(sec * 1000);
  const rel = sec * 1000 - Date.now();
  const r = Math.abs(Math.round(rel / 1000));
  const span = r >= 3600 ? `${Math.round(r / 3600)} h` : r >= 60 ? `${Math.round(r / 60)} min` : `${r} s`;
  return `${d.toLocaleString([], { hour12: false })} (${rel >= 0 ? `in ${span}` : `${span} ago`})`;
}

/** The worker's tm.verify() of the pasted token: each check, passed, failed or not reached. */
async function verifyJwt() {
  const list = $("#jwt-checks");
  const text = $("#jwt-input").value.trim();
  if (!text) return list.replaceChildren(h("li", { class: "muted" }, "Paste a JWT first."));
  const r = await api("POST", "/api/verify", text).catch((err) => ({ ok: false, passed: [], failed: "format", message: String(err) }));
  const all = ["format", "alg", "typ", "exp", "iat", "iss", "signature"];
  list.replaceChildren(
    ...all.map((c) => {
      const state = r.passed?.includes(c) ? "pass" : r.failed === c ? "fail" : "skip";
      const mark = state === "pass" ? "✓" : state === "fail" ? "✗" : "–";
      return h("li", { class: state, dataset: { check: c } }, `${mark} ${c}${state === "fail" ? `: ${r.message}` : ""}`);
    }),
  );
}

async function decode() {
  const out = $("#jwt-output");
  const text = $("#jwt-input").value.trim();
  if (!text) {
    out.replaceChildren(h("span", { class: "muted" }, "Paste a JWT first."));
    return;
  }
  try {
    const { decodeJwt } = await lib;
    const { header, claims } = decodeJwt(text);
    const scope = Array.isArray(claims.scope) ? claims.scope.join(" ") : claims.scope;
    const rows = [
      ["alg / typ / kid", `${header.alg ?? "–"} / ${header.typ ?? "–"} / ${header.kid ?? "–"}`],
      ["ten (tenant)", claims.ten ?? "–"],
      ["client_id", claims.client_id ?? claims.sub ?? "–"],
      ["iss", claims.iss ?? "–"],
      ["iat", when(claims.iat)],
      ["exp", when(claims.exp)],
      ["scope", scope ?? "–"],
    ];
    out.replaceChildren(
      h("dl", { id: "jwt-claims" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", { dataset: { claim: k.split(" ")[0] } }, String(v))])),
      h("details", {}, h("summary", {}, "All header fields and claims"), h("pre", {}, JSON.stringify({ header, claims }, null, 2))),
    );
  } catch (err) {
    out.replaceChildren(h("span", { class: "err" }, `${err.code ?? err.name}: ${err.message}`));
  }
}

// --- start ------------------------------------------------------------------------------------

function loop(fn, ms) {
  const run = async () => {
    try {
      await fn();
    } finally {
      setTimeout(run, ms);
    }
  };
  run();
}

async function main() {
  try {
    const res = await fetch("/demo-config.json");
    if (res.ok) Object.assign(S.cfg, await res.json());
  } catch {
    /* defaults */
  }
  $("#emu-url").textContent = S.cfg.emulatorUrl ? `emulator ${S.cfg.emulatorUrl.replace(/^https?:\/\//, "")}` : "emulator";

  $("#run-job").addEventListener("click", runJob);
  $("#cold").addEventListener("click", async () => {
    S.status = await api("POST", "/api/cold").catch(() => S.status);
    renderStatus();
  });
  $("#new-isolate").addEventListener("click", async () => {
    S.status = await api("POST", "/api/isolate").catch(() => S.status);
    renderStatus();
    await runJob();
  });
  $("#burst").addEventListener("click", burst);
  $("#show-kpi").addEventListener("change", renderLog);
  $("#jwt-decode").addEventListener("click", decode);
  $("#jwt-verify").addEventListener("click", verifyJwt);
  $("#jwt-sample").addEventListener("click", () => {
    $("#jwt-input").value = sampleJwt();
    decode();
  });
  wireFaults();
  renderLog();

  loop(refreshStatus, 1500);
  loop(pollLog, 1000);
  loop(pollFaults, 2500);
  setInterval(tick, 250);
  setInterval(() => renderJobLine(), 1000);
}

main();
