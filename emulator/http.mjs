// Small HTTP helpers shared by the TMS routes and the control plane.
// Handlers return plain "result" objects ({ status, body | text, headers }) instead of writing
// to the response themselves, so that faults can rewrite a result before it is sent.

export const MAX_BODY_BYTES = 64 * 1024;

export const jsonResult = (status, body, headers = {}) => ({ status, body, headers });

/** OAuth-style error body; descriptions never contain credentials or tokens. */
export const errorResult = (status, error, description, headers = {}) =>
  jsonResult(status, { error, error_description: description }, headers);

export const isJsonContentType = (value) => /^application\/json\s*(;|$)/i.test(value ?? '');

/** Reads a request body as UTF-8; stops collecting beyond `limit` bytes (reported as tooLarge). */
export function readBody(req, limit = MAX_BODY_BYTES) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > limit }));
    req.on('error', reject);
  });
}

/** Parses a JSON body into { body, bodyError }; bodyError is a short text for 400 responses. */
export function parseJsonBody({ text, tooLarge }) {
  if (tooLarge) return { body: null, bodyError: `request body larger than ${MAX_BODY_BYTES} bytes` };
  if (text.trim() === '') return { body: null, bodyError: 'request body is empty' };
  try {
    return { body: JSON.parse(text), bodyError: null };
  } catch {
    return { body: null, bodyError: 'request body is not valid JSON' };
  }
}

/** Writes a result; a no-op when the client already went away. */
export function send(res, result, extraHeaders = {}) {
  if (res.destroyed || res.headersSent) return;
  const text = result.status === 204 ? '' : result.text ?? JSON.stringify(result.body ?? null);
  const headers = { 'content-type': 'application/json', ...result.headers, ...extraHeaders };
  if (result.status === 204) delete headers['content-type'];
  headers['content-length'] = Buffer.byteLength(text);
  res.writeHead(result.status, headers);
  res.end(text);
}
