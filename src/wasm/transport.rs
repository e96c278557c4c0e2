//! One upstream attempt over `fetch`: builds the `RequestInit` from a core `HttpRequest`,
//! bounds it with a timeout (AbortController), links the caller's signal, and reads status,
//! `Retry-After` and body. Retries are decided by the caller with `tms::retry`.

use super::convert::set;
use super::js::{bind_arg, call_fetch, AbortController, AbortSignal, FetchResponse};
use super::wait::{self, race, Listener, Raced, Timer};
use crate::tms::error::{ErrorCode, TmsError};
use crate::tms::request::HttpRequest;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

pub struct Reply {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<String>,
    /// When the request was sent: token lifetimes are anchored here.
    pub sent_at_ms: f64,
}

fn request_init(req: &HttpRequest, signal: &AbortSignal) -> Object {
    let init = Object::new();
    set(&init, "method", &JsValue::from_str(req.method));
    let headers = Object::new();
    for (k, v) in &req.headers {
        set(&headers, k, &JsValue::from_str(v));
    }
    set(&init, "headers", &headers);
    if let Some(body) = &req.body {
        set(&init, "body", &JsValue::from_str(body));
    }
    // No `cache` option: workerd rejects some values. Redirects are not followed: a
    // redirected credentials request should fail loudly, not be replayed elsewhere.
    set(&init, "redirect", &JsValue::from_str("manual"));
    set(&init, "signal", signal);
    init
}

/// `controller.abort(reason)` as a function, for timers and listeners.
fn abort_fn(controller: &AbortController, reason: &str) -> Option<Function> {
    let f = Reflect::get(controller, &JsValue::from_str("abort")).ok()?.dyn_into::<Function>().ok()?;
    Some(bind_arg(&f, controller, &JsValue::from_str(reason)))
}

pub async fn attempt(
    fetch: Option<&Function>,
    req: &HttpRequest,
    timeout_ms: f64,
    caller: Option<&AbortSignal>,
) -> Result<Reply, TmsError> {
    let label = req.endpoint.label();
    let aborted = || TmsError::new(ErrorCode::Aborted, format!("{label} was aborted by the caller"));
    if caller.is_some_and(wait::aborted) {
        return Err(aborted());
    }
    let controller =
        AbortController::new().map_err(|_| TmsError::new(ErrorCode::Network, "AbortController is not available"))?;
    let signal = controller.signal();
    let _timer = abort_fn(&controller, "timeout").map(|f| Timer::start(&f, timeout_ms));
    let _link = match (caller, abort_fn(&controller, "aborted")) {
        (Some(s), Some(f)) => Some(Listener::add(s, f)),
        _ => None,
    };
    // Why a fetch failed: our abort reasons tell the caller's abort from our timeout.
    let timed_out = || TmsError::new(ErrorCode::Timeout, format!("{label} timed out after {} ms", timeout_ms as u64));
    let failure = || {
        if caller.is_some_and(wait::aborted) {
            aborted()
        } else if wait::aborted(&signal) {
            timed_out()
        } else {
            TmsError::new(ErrorCode::Network, format!("{label} failed: network error"))
        }
    };
    let sent_at_ms = js_sys::Date::now();
    let deadline = sent_at_ms + timeout_ms;
    // Each await is raced against the deadline and the caller's signal too, in case `fetch`
    // (a custom one, or a stalled body) does not honour the abort.
    let settle = |raced: Raced| match raced {
        Raced::Value(v) => Ok(v),
        Raced::Rejected => Err(failure()),
        Raced::Timer => Err(timed_out()),
        Raced::Aborted => Err(aborted()),
    };
    let init = request_init(req, &signal);
    let promise = call_fetch(fetch, &JsValue::from_str(&req.url), &init).map_err(|_| failure())?;
    let resp: FetchResponse = settle(race(&promise, timeout_ms, caller).await)?.unchecked_into();
    let status =
        resp.status().ok().and_then(|s| s.as_f64()).filter(|s| (0.0..=999.0).contains(s)).unwrap_or(0.0) as u16;
    let retry_after = resp.headers().ok().and_then(|h| h.get("retry-after").ok().flatten());
    // The body is read under the same timeout: a server can stall after the headers.
    let text = Promise::resolve(&resp.text().map_err(|_| failure())?);
    let remaining = (deadline - js_sys::Date::now()).max(0.0);
    let body = settle(race(&text, remaining, caller).await)?;
    Ok(Reply { status, body: body.as_string().unwrap_or_default(), retry_after, sent_at_ms })
}
