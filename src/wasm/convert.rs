//! Conversions between core types and JS values: errors (built into JS once, at the edge),
//! tokens, arguments, and JSON through the JS engine's own parser and encoder.

use super::js::TmsErrorJs;
use crate::tms::error::{ErrorCode, TmsError};
use crate::tms::response::Grant;
use crate::tms::wire::Loose;
use js_sys::{Array, Function, JsString, Object, Reflect, JSON};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

pub fn error_to_js(e: &TmsError) -> JsValue {
    TmsErrorJs::new(e.code.as_str(), &e.message, e.status, e.retry_after).into()
}

/// The one "aborted" error: the caller's signal fired while `what` was in progress.
pub fn aborted(what: &str) -> TmsError {
    TmsError::new(ErrorCode::Aborted, format!("{what} was aborted by the caller"))
}

/// A `fetch` that failed, with its reason (e.g. Deno's permission error) in the message;
/// `secrets` (the request's auth header values) are scrubbed from it, and it is cut short.
pub fn network_error(what: &str, cause: &JsValue, secrets: &[&str]) -> TmsError {
    let mut reason = get(cause, "message").as_string().or_else(|| cause.as_string()).unwrap_or_default();
    for s in secrets {
        for part in [*s, s.rsplit(' ').next().unwrap_or(s)] {
            if part.len() >= 8 {
                reason = reason.replace(part, "[redacted]");
            }
        }
    }
    // A token in a message is a token leaked, whoever put it there.
    if reason.contains("eyJ") {
        reason.clear();
    }
    let reason: String = reason.chars().filter(|c| !c.is_control()).take(200).collect();
    let mut message = format!("{what} failed: network error");
    if !reason.trim().is_empty() {
        message.push_str(&format!(" ({reason})"));
    }
    TmsError::new(ErrorCode::Network, message)
}

thread_local! {
    /// One do-nothing function, to mark promises whose rejection is of no interest (a
    /// cancelled body) as handled.
    static NOOP: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
}

/// Marks `p` as handled: its rejection, if any, is expected and not worth reporting.
pub fn ignore(p: &js_sys::Promise) {
    NOOP.with(|f| {
        let _ = p.catch(f);
    });
}

pub fn set(o: &Object, key: &str, value: &JsValue) {
    // Reflect.set on a fresh plain object cannot fail; nothing to report if it did.
    let _ = Reflect::set(o, &JsValue::from_str(key), value);
}

pub fn get(o: &JsValue, key: &str) -> JsValue {
    if o.is_object() || o.is_function() {
        Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// JS values that a manager's tokens share: `"bearer"`, its host tenant's string, and the
/// frozen `scope` array of the last scope list seen (an app's tokens carry the same scope),
/// so 10 000 cached tokens do not hold 10 000 copies of each.
pub struct TokenParts {
    bearer: JsValue,
    host: JsValue,
    scope: Option<(Vec<String>, Array)>,
}

impl TokenParts {
    pub fn new(host_tenant: &str) -> TokenParts {
        TokenParts { bearer: JsValue::from_str("bearer"), host: JsValue::from_str(host_tenant), scope: None }
    }

    /// The public `Token` object, frozen: `{ accessToken, tokenType, expiresAt, userTenant,
    /// hostTenant, scope }`.
    pub fn token_object(&mut self, grant: &Grant, user_tenant: &str) -> JsValue {
        let scope = match &self.scope {
            Some((list, array)) if *list == grant.scope => array.clone(),
            _ => {
                let array: Array = grant.scope.iter().map(|s| JsValue::from_str(s)).collect();
                Object::freeze(&array);
                self.scope = Some((grant.scope.clone(), array.clone()));
                array
            }
        };
        super::js::token_object(
            grant.access_token.expose(),
            &self.bearer,
            grant.expires_at_ms.floor(),
            user_tenant,
            &self.host,
            &scope,
        )
    }
}

/// A JS value as the core's `Loose`. Strings must be well-formed UTF-16: a lone surrogate
/// would become U+FFFD on its way into Rust, and two different strings would read the
/// same (the core refuses U+FFFD).
pub fn loose(v: &JsValue) -> Loose {
    if v.is_undefined() {
        Loose::Missing
    } else if v.is_null() {
        Loose::Null
    } else if let Some(s) = v.dyn_ref::<JsString>() {
        if s.is_valid_utf16() {
            Loose::Str(String::from(s))
        } else {
            Loose::Str("\u{FFFD}".into())
        }
    } else if let Some(n) = v.as_f64() {
        Loose::Num(n)
    } else if let Some(b) = v.as_bool() {
        Loose::Bool(b)
    } else if Array::is_array(v) {
        let (mut items, mut other) = (Vec::new(), false);
        for item in Array::from(v).iter() {
            match loose(&item) {
                Loose::Str(s) => items.push(s),
                _ => other = true,
            }
        }
        Loose::List(items, other)
    } else {
        Loose::Object
    }
}

/// An optional function option (`fetch`, `onEvent`, `onProgress`).
pub fn function_option(o: &JsValue, key: &str) -> Result<Option<Function>, TmsError> {
    let v = get(o, key);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|_| TmsError::config(key, "must be a function"))
}

/// JSON text the JS engine parsed, taken into a core type; `None` if it is not JSON or
/// not that shape. serde's messages are never shown: they quote values.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Option<T> {
    from_js(&JSON::parse(text).ok()?)
}

pub fn from_js<T: DeserializeOwned>(v: &JsValue) -> Option<T> {
    serde_wasm_bindgen::from_value(v.clone()).ok()
}

/// A request body as JSON text, by the JS engine's encoder.
pub fn to_json_text<T: Serialize>(body: &T) -> JsValue {
    serde_wasm_bindgen::to_value(body)
        .ok()
        .and_then(|v| JSON::stringify(&v).ok())
        .map(JsValue::from)
        .unwrap_or(JsValue::UNDEFINED)
}

/// Form fields as `application/x-www-form-urlencoded` text, by `URLSearchParams`.
pub fn form_text(fields: &[(&'static str, String)]) -> JsValue {
    let Ok(params) = web_sys::UrlSearchParams::new() else { return JsValue::UNDEFINED };
    for (k, v) in fields {
        params.append(k, v);
    }
    params.to_string().into()
}
