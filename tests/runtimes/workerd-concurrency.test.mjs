// workerd concurrency: on Cloudflare Workers a request must not await a promise another request
// created. The quick start worker (one TokenManager per isolate) gets 200 concurrent requests on
// a cold cache (a fresh workerd each time) while the emulator answers in 300 ms; the first ones
// are aborted by their clients while the upstream request is in flight. Every other request
// must complete with the same token; the figures (upstream requests, latency, workerd's
// "different request context" warnings) are printed as diagnostics.
//
// Clients: a driver worker calling the quick start through a service binding, because then an
// abort is a real client disconnect for workerd (request.signal fires, "The client has
// disconnected", and the request's pending I/O is cancelled), as on Cloudflare's edge. Node
// clients over TCP are also tried: local workerd does not notice their disconnects while a
// handler is pending, so there nothing is aborted inside the worker.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { installPackage, startEmulator } from "./lib/setup.mjs";
import { buildQuickstart, storm } from "./lib/storm.mjs";
import { fileURLToPath } from "node:url";

const N = 200;
const ABORTED = 10;
const LATENCY = 300;
// The library's default `timeout` (the quick start sets none) and its lease slack: a follower
// takes a lost leader's flight over once the flight's deadline (timeout + 1 s) has passed.
const TIMEOUT = 10_000;
const LEASE_SLACK = 1_000;
const MARGIN = 3_000; // two shared cores, 200 requests

let emu, script, plain;
before(async () => {
  const { dir } = await installPackage("workerd");
  script = await buildQuickstart(dir);
  plain = await buildQuickstart(dir, fileURLToPath(new URL("./runners/workerd-plain.js", import.meta.url)), "plain");
  emu = await startEmulator({ tenants: 12 });
});
after(async () => {
  await emu?.stop();
});

function show(t, r) {
  const { output, failed, ...figures } = r;
  t.diagnostic(JSON.stringify({ ...figures, warnings: r.warnings.length, failed: failed.length }));
  return r;
}

function expectAllServed(r, n) {
  assert.deepEqual(r.failed.slice(0, 5), [], `requests that were not aborted but failed (${r.failed.length})`);
  assert.equal(r.ok, n, "requests served with a token");
  assert.equal(r.distinctTokens, 1, "every request got the same token");
}

test(`workerd: ${N} concurrent requests on a cold cache make one upstream request`, async (t) => {
  const r = show(t, await storm({ script, emu, n: N, aborted: 0, latencyMs: LATENCY }));
  expectAllServed(r, N);
  assert.equal(r.upstream, 1, "upstream token requests");
  assert.deepEqual(r.warnings, [], "cross-request promise warnings");
});

test(`workerd: ${N} concurrent requests, the first ${ABORTED} (leader included) disconnect mid-flight: all others get the token`, async (t) => {
  const r = show(t, await storm({ script, emu, n: N, aborted: ABORTED, latencyMs: LATENCY }));
  assert.equal(r.abortedByClient, ABORTED);
  expectAllServed(r, N - ABORTED);
  // One request per lost leader at most; in practice the lost one and one new leader's.
  assert.ok(r.upstream >= 1 && r.upstream <= 1 + ABORTED, `upstream token requests: ${r.upstream}`);
  // An aborted leader ends its flight and wakes its waiters; the first one still running
  // leads at once, so nobody waits for the flight's deadline (timeout + slack).
  assert.ok(r.maxMs < TIMEOUT, `slowest request ${r.maxMs} ms: re-led at once, not taken over at the deadline`);
  // Aborted followers leave their flight, so no promise of a cancelled request is resolved.
  t.diagnostic(`cross-request promise warnings: ${r.warnings.length}`);
  assert.deepEqual(r.warnings, [], "cross-request promise warnings");
});

test(`workerd: only the leader disconnects: its waiters re-lead at once, the others get the token`, async (t) => {
  const r = show(t, await storm({ script, emu, n: N, aborted: 1, latencyMs: LATENCY }));
  expectAllServed(r, N - 1);
  assert.equal(r.upstream, 2, "upstream token requests: the lost one and the new leader's");
  assert.ok(r.maxMs < TIMEOUT, `slowest request ${r.maxMs} ms: re-led, not taken over at the deadline`);
  assert.deepEqual(r.warnings, [], "cross-request promise warnings");
});

test(`workerd: without enable_request_signal the others still get the token (workerd warns about cancelled followers)`, async (t) => {
  const r = show(t, await storm({ script, emu, n: N, aborted: ABORTED, latencyMs: LATENCY, flags: [] }));
  expectAllServed(r, N - ABORTED);
  assert.ok(r.upstream <= 1 + ABORTED, `upstream token requests: ${r.upstream}`);
  assert.ok(r.maxMs <= TIMEOUT + LEASE_SLACK + LATENCY + MARGIN, `slowest request ${r.maxMs} ms`);
  // The warnings come from resolving the promises of followers whose requests were cancelled;
  // at most one per cancelled follower.
  assert.ok(r.warnings.length <= ABORTED - 1, `warnings: ${r.warnings.length}`);
});

test(`workerd: token() without a signal: the first ${ABORTED} callers (the leader included) disconnect, the others get the token within a lease`, async (t) => {
  // Nothing tells the engine that the leader's request is gone: each follower waits on a
  // promise of its own until the flight's deadline, then takes the flight over. Had they
  // shared the first caller's promise (as in Node), they would wait forever.
  const r = show(t, await storm({ script: plain, emu, n: N, aborted: ABORTED, latencyMs: LATENCY }));
  assert.equal(r.abortedByClient, ABORTED);
  expectAllServed(r, N - ABORTED);
  assert.ok(r.upstream >= 1 && r.upstream <= 1 + ABORTED, `upstream token requests: ${r.upstream}`);
  assert.ok(r.maxMs <= TIMEOUT + LEASE_SLACK + LATENCY + MARGIN, `slowest request ${r.maxMs} ms`);
  // As without enable_request_signal: at most one warning per cancelled follower.
  assert.ok(r.warnings.length <= ABORTED - 1, `warnings: ${r.warnings.length}`);
});

test(`workerd: token() without a signal, nobody disconnects: one upstream request, no warnings`, async (t) => {
  const r = show(t, await storm({ script: plain, emu, n: N, aborted: 0, latencyMs: LATENCY }));
  expectAllServed(r, N);
  assert.equal(r.upstream, 1, "upstream token requests");
  assert.deepEqual(r.warnings, [], "cross-request promise warnings");
});

test(`workerd: Node clients over TCP that abort: local workerd keeps their handlers running, one upstream request`, async (t) => {
  const r = show(t, await storm({ script, emu, via: "tcp", n: N, aborted: ABORTED, latencyMs: LATENCY }));
  expectAllServed(r, N - ABORTED);
  assert.equal(r.upstream, 1, "upstream token requests");
  assert.deepEqual(r.warnings, [], "cross-request promise warnings");
});
