// Answers that take time or never end: the faults a client's timeouts, body limits and
// connection handling are tested against. Each one ends by itself (hangMs, the end of the body)
// or when the client goes away, and close() of the emulator destroys whatever is left.

/**
 * Calls `onDone` once when the socket is gone: destroyed after `hangMs`, or as soon as the client
 * half-closes or leaves. The timer does not keep the process alive.
 */
function holdOpen(req, res, hangMs, onDone) {
  const socket = req.socket;
  const timer = setTimeout(() => socket.destroy(), hangMs);
  timer.unref();
  let finished = false;
  const done = () => {
    if (finished) return; // 'end' and 'close' may both fire
    finished = true;
    clearTimeout(timer);
    socket.destroy();
    onDone();
  };
  socket.once('end', done); // client half-closed: it will never read an answer
  res.once('close', done); // connection gone (client abort or close())
}

/** "hang": no answer at all. */
export function hang(req, res, hangMs, onDone) {
  holdOpen(req, res, hangMs, onDone);
}

// What a stalled answer has sent: the start of a token response.
const STALL_PREFIX = '{"access_token":"';
const STALL_LENGTH = 4096; // announced but never reached

/** "stallBody": 200 and headers at once, the first bytes of the body, then nothing. */
export function stallBody(req, res, hangMs, onDone) {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': STALL_LENGTH });
  res.write(STALL_PREFIX);
  holdOpen(req, res, hangMs, onDone);
}

import { createGzip } from 'node:zlib';

const CHUNK = Buffer.alloc(64 * 1024, 'x');
const HUGE_PREFIX = '{"padding":"';
const HUGE_SUFFIX = '"}';

/**
 * "hugeBody": a 200 whose JSON body is `bytes` long, written chunk by chunk as the client reads
 * (never built in memory). Content-Length is sent unless `chunked`. A client that stops reading
 * for `hangMs` without leaving loses the connection, so nothing waits forever.
 * `onDone(sentBytes, complete)` is called once, when the body ended or the client left.
 */
export async function hugeBody(req, res, { bytes, chunked, gzip, hangMs }, onDone) {
  if (gzip) return gzipBomb(res, bytes, onDone);
  res.writeHead(200, { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': bytes }) });
  let sent = 0;
  const write = (data) => {
    sent += data.length;
    return res.write(data);
  };
  // Resolves on 'drain' (go on) or 'close' (stop), whichever comes first; after hangMs without
  // either, the socket is destroyed (which closes the response).
  const writable = () => new Promise((resolve) => {
    const timer = setTimeout(() => req.socket.destroy(), hangMs);
    timer.unref();
    const go = () => {
      clearTimeout(timer);
      res.off('drain', go);
      res.off('close', go);
      resolve();
    };
    res.once('drain', go);
    res.once('close', go);
  });
  const gone = () => res.destroyed || res.writableEnded || res.socket === null || res.socket.destroyed;

  write(HUGE_PREFIX);
  let padding = bytes - HUGE_PREFIX.length - HUGE_SUFFIX.length;
  while (padding > 0 && !gone()) {
    const chunk = padding >= CHUNK.length ? CHUNK : CHUNK.subarray(0, padding);
    padding -= chunk.length;
    if (!write(chunk)) await writable();
  }
  const complete = padding === 0 && !gone();
  if (complete) res.end(HUGE_SUFFIX);
  onDone(sent + (complete ? HUGE_SUFFIX.length : 0), complete);
}

// Compressed huge bodies by size: 64 MiB of padding is ~64 KiB gzipped, made once.
const bombs = new Map();

/** The gzipped huge body of `bytes` (made once per size). */
export async function compressed(bytes) {
  if (!bombs.has(bytes)) {
    bombs.set(bytes, new Promise((resolve, reject) => {
      const gz = createGzip({ level: 9 });
      const parts = [];
      gz.on('data', (d) => parts.push(d)).on('end', () => resolve(Buffer.concat(parts))).on('error', reject);
      gz.write(HUGE_PREFIX);
      let padding = bytes - HUGE_PREFIX.length - HUGE_SUFFIX.length;
      const more = () => {
        while (padding > 0) {
          const chunk = padding >= CHUNK.length ? CHUNK : CHUNK.subarray(0, padding);
          padding -= chunk.length;
          if (!gz.write(chunk)) return gz.once('drain', more);
        }
        gz.end(HUGE_SUFFIX);
      };
      more();
    }));
  }
  return bombs.get(bytes);
}

/**
 * "hugeBody" with `gzip`: the same body gzipped (`Content-Encoding: gzip`), its small
 * compressed length as `Content-Length`: a client that trusts the length to bound what it
 * reads (fetch inflates it) reads `bytes`.
 */
async function gzipBomb(res, bytes, onDone) {
  const body = await compressed(bytes);
  res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length });
  res.end(body);
  onDone(body.length, true);
}
