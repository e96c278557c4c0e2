// The error class of tms-edge. Defined in JS so that `err instanceof TmsError` and
// `err instanceof Error` hold, and stacks work as users expect. Messages are built in Rust
// from fixed text and never contain a secret or a token.
export class TmsError extends Error {
  constructor(code, message, status, retryAfter) {
    super(message);
    this.name = "TmsError";
    this.code = code;
    if (status !== undefined) this.status = status;
    if (retryAfter !== undefined) this.retryAfter = retryAfter;
  }

  toJSON() {
    return { name: this.name, code: this.code, message: this.message, status: this.status, retryAfter: this.retryAfter };
  }
}
