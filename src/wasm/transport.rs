//! One upstream attempt over `fetch`: builds the `RequestInit` from a core `HttpRequest`,
//! bounds it with a timeout (AbortController), links the caller's signal, reads status,
//! `Retry-After` and at most `MAX_BODY_BYTES` of body. Retries are the engine's business.
//!
//! Whatever ends an attempt early — timeout, the caller's abort, an oversized body — aborts
//! its controller and cancels the body reader, so the connection is released at once (a
//! body read that lost its race used to leave the request running).

use super::convert::{set, to_json_text};
use super::js::{bind_arg, call_fetch, BodyStream, FetchResponse, Signal};
use super::wait::{self, Deadline, Listener, Raced};
use crate::tms::error::{ErrorCode, TmsError};
use crate::tms::request::{Body, HttpRequest};
use crate::tms::response::MAX_BODY_BYTES;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestInit, RequestRedirect};

pub struct Reply {
    pub status: u16,
    /// `None` when the body was longer than `MAX_BODY_BYTES` (it was not read further).
    pub body: Option<String>,
    pub retry_after: Option<String>,
    /// When the request was sent: token lifetimes are anchored here.
    pub sent_at_ms: f64,
}

fn request_init(req: &HttpRequest, signal: &web_sys::AbortSignal) -> RequestInit {
    let init = RequestInit::new();
    init.set_method(req.method);
    let headers = Object::new();
    for (k, v) in &req.headers {
        set(&headers, k, &JsValue::from_str(v));
    }
    init.set_headers(&headers);
    match &req.body {
        Body::None => {}
        Body::Token(b) => init.set_body(&to_json_text(b)),
        Body::Batch(b) => init.set_body(&to_json_text(b)),
        Body::Form(fields) => init.set_body(&super::convert::form_text(fields)),
    }
    // No `cache` option: workerd rejects some values. Redirects are not followed: a
    // redirected credentials request should fail loudly, not be replayed elsewhere.
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(signal));
    init
}

/// Aborts the attempt's request and cancels its body when dropped, unless the attempt
/// completed (`done`).
struct Release {
    controller: AbortController,
    reader: Option<ReadableStreamDefaultReader>,
    done: bool,
}

impl Drop for Release {
    fn drop(&mut self) {
        if !self.done {
            self.controller.abort();
            if let Some(r) = &self.reader {
                // A rejection here (already closed) is of no interest; never unhandled.
                super::convert::ignore(&r.cancel());
            }
        }
    }
}

/// Why an attempt failed, in the caller's terms.
struct Failure<'a> {
    label: &'static str,
    timeout_ms: f64,
    caller: Option<&'a Signal>,
    signal: &'a web_sys::AbortSignal,
    /// The request's auth header values, scrubbed from any error text.
    secrets: Vec<&'a str>,
}

impl Failure<'_> {
    fn timed_out(&self) -> TmsError {
        TmsError::new(ErrorCode::Timeout, format!("{} timed out after {} ms", self.label, self.timeout_ms as u64))
    }

    /// A rejected fetch or body read; its reason (e.g. Deno's permission error) is kept.
    fn network(&self, cause: &JsValue) -> TmsError {
        if self.caller.is_some_and(wait::aborted) {
            super::convert::aborted(self.label)
        } else if wait::aborted(self.signal.unchecked_ref()) {
            self.timed_out()
        } else {
            super::convert::network_error(self.label, cause, &self.secrets)
        }
    }

    fn settle(&self, raced: Raced) -> Result<JsValue, TmsError> {
        match raced {
            Raced::Value(v) => Ok(v),
            Raced::Rejected(reason) => Err(self.network(&reason)),
            Raced::Timer => Err(self.timed_out()),
            Raced::Aborted => Err(super::convert::aborted(self.label)),
        }
    }
}

pub async fn attempt(
    fetch: Option<&Function>,
    req: &HttpRequest,
    timeout_ms: f64,
    caller: Option<&Signal>,
) -> Result<Reply, TmsError> {
    let label = req.endpoint.label();
    if caller.is_some_and(wait::aborted) {
        return Err(super::convert::aborted(label));
    }
    let controller =
        AbortController::new().map_err(|_| TmsError::new(ErrorCode::Network, "AbortController is not available"))?;
    let signal = controller.signal();
    let mut release = Release { controller: controller.clone(), reader: None, done: false };
    let _link = caller.and_then(|s| {
        let abort = Reflect::get(&controller, &JsValue::from_str("abort")).ok()?.dyn_into::<Function>().ok()?;
        Some(Listener::add(s, bind_arg(&abort, &controller, &JsValue::UNDEFINED)))
    });
    let secrets = req
        .headers
        .iter()
        .filter(|(k, _)| *k == crate::tms::request::AUTH_KEY_HEADER || *k == "Authorization")
        .map(|(_, v)| v.as_str())
        .collect();
    let fail = Failure { label, timeout_ms, caller, signal: &signal, secrets };
    let sent_at_ms = js_sys::Date::now();
    // Each await is raced against the deadline and the caller's signal, in case `fetch`
    // (a custom one, or a stalled body) does not honour the abort.
    let deadline = Deadline::new(timeout_ms, caller);
    let init = request_init(req, &signal);
    let promise = call_fetch(fetch, &JsValue::from_str(&req.url), &init).map_err(|e| fail.network(&e))?;
    let resp: FetchResponse = fail.settle(deadline.race(&promise).await)?.unchecked_into();
    let status =
        resp.status().ok().and_then(|s| s.as_f64()).filter(|s| (0.0..=999.0).contains(s)).unwrap_or(0.0) as u16;
    let headers = resp.headers().ok();
    let header = |name: &str| headers.as_ref().and_then(|h| h.get(name).ok().flatten());
    let retry_after = header("retry-after");
    let length = header("content-length").and_then(|n| n.parse::<js_sys::Number>().ok()).map(|n| n.value_of());
    if length.is_some_and(|n| n > MAX_BODY_BYTES as f64) {
        return Ok(Reply { status, body: None, retry_after, sent_at_ms });
    }
    // The length of a compressed body says nothing of what it inflates to.
    let encoded = header("content-encoding").is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"));
    let declared = length.is_some_and(|n| n >= 0.0) && !encoded;
    // The body is read under the same deadline: a server can stall after the headers.
    // A body of a declared length within the cap (fetch holds a server to its
    // Content-Length), not compressed, is read in one `arrayBuffer()`; else chunk by chunk,
    // counting. Either way its bytes must be UTF-8 (`text()` would replace bad ones).
    let stream = resp.body().ok().filter(|b| Reflect::get(b, &"getReader".into()).is_ok_and(|f| f.is_function()));
    let body = match stream {
        Some(stream) if !declared => {
            let reader = stream.unchecked_into::<BodyStream>().get_reader().map_err(|e| fail.network(&e))?;
            release.reader = Some(reader.clone());
            read_capped(&reader, &deadline, &fail).await?
        }
        Some(_) => {
            let buf = Promise::resolve(&resp.array_buffer().map_err(|e| fail.network(&e))?);
            let buf = fail.settle(deadline.race(&buf).await)?;
            bytes_of(&buf).map(|b| String::from_utf8(b).unwrap_or_default())
        }
        None => {
            // Also a custom fetch's response without a stream: its `text()`, then the cap.
            let text = Promise::resolve(&resp.text().map_err(|e| fail.network(&e))?);
            let text = fail.settle(deadline.race(&text).await)?.as_string().unwrap_or_default();
            (text.len() <= MAX_BODY_BYTES).then_some(text)
        }
    };
    release.done = body.is_some();
    Ok(Reply { status, body, retry_after, sent_at_ms })
}

/// The bytes of an `ArrayBuffer` (of any realm); `None` past `MAX_BODY_BYTES`. Anything else
/// (a custom `fetch`'s odd answer) reads as no bytes: not JSON.
fn bytes_of(buf: &JsValue) -> Option<Vec<u8>> {
    let get = |k: &JsValue| if buf.is_object() { Reflect::get(buf, k).ok() } else { None };
    let tag = get(&js_sys::Symbol::to_string_tag().into()).and_then(|t| t.as_string());
    let len = get(&"byteLength".into()).and_then(|n| n.as_f64());
    match (tag.as_deref(), len) {
        (Some("ArrayBuffer"), Some(n)) if n > MAX_BODY_BYTES as f64 => None,
        (Some("ArrayBuffer"), Some(_)) => Some(Uint8Array::new(buf).to_vec()),
        _ => Some(Vec::new()),
    }
}

/// Reads a body stream to its end, or `None` as soon as it passes `MAX_BODY_BYTES`.
async fn read_capped(
    reader: &ReadableStreamDefaultReader,
    deadline: &Deadline<'_>,
    fail: &Failure<'_>,
) -> Result<Option<String>, TmsError> {
    let mut bytes: Vec<u8> = Vec::new();
    loop {
        let chunk = fail.settle(deadline.race(&reader.read()).await)?;
        if Reflect::get(&chunk, &"done".into()).is_ok_and(|d| d.is_truthy()) {
            break;
        }
        let value = Reflect::get(&chunk, &"value".into()).unwrap_or(JsValue::UNDEFINED);
        let part: Uint8Array =
            if value.is_instance_of::<Uint8Array>() { value.unchecked_into() } else { Uint8Array::new(&value) };
        if bytes.len() + part.length() as usize > MAX_BODY_BYTES {
            return Ok(None);
        }
        let start = bytes.len();
        bytes.resize(start + part.length() as usize, 0);
        if let Some(dst) = bytes.get_mut(start..) {
            part.copy_to(dst);
        }
    }
    // A body that is not UTF-8 is not JSON either: the caller reports it as such.
    Ok(Some(String::from_utf8(bytes).unwrap_or_default()))
}
