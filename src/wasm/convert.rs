//! Conversions between core types and JS values: errors, tokens, options, events.

use super::js::TmsErrorJs;
use crate::tms::config::{Raw, RawOptions};
use crate::tms::error::TmsError;
use crate::tms::response::Grant;
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;

pub fn error_to_js(e: &TmsError) -> JsValue {
    TmsErrorJs::new(e.code.as_str(), &e.message, e.status, e.retry_after).into()
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

/// The public `Token` object, frozen: `{ accessToken, tokenType, expiresAt, userTenant,
/// hostTenant, scope }`.
pub fn token_object(grant: &Grant, user_tenant: &str, host_tenant: &str) -> JsValue {
    let o = Object::new();
    set(&o, "accessToken", &JsValue::from_str(grant.access_token.expose()));
    set(&o, "tokenType", &JsValue::from_str("bearer"));
    set(&o, "expiresAt", &JsValue::from_f64(grant.expires_at_ms.floor()));
    set(&o, "userTenant", &JsValue::from_str(user_tenant));
    set(&o, "hostTenant", &JsValue::from_str(host_tenant));
    let scope: Array = grant.scope.iter().map(|s| JsValue::from_str(s)).collect();
    Object::freeze(&scope);
    set(&o, "scope", &scope);
    Object::freeze(&o);
    o.into()
}

pub fn raw(v: &JsValue) -> Raw {
    if v.is_undefined() || v.is_null() {
        Raw::Absent
    } else if let Some(s) = v.as_string() {
        Raw::Text(s)
    } else if let Some(n) = v.as_f64() {
        Raw::Number(n)
    } else if v.is_function() {
        Raw::Other("a function")
    } else if v.as_bool().is_some() {
        Raw::Other("a boolean")
    } else {
        Raw::Other("an object")
    }
}

pub fn raw_options(o: &JsValue) -> RawOptions {
    let r = |k: &str| raw(&get(o, k));
    RawOptions {
        gateway: r("gateway"),
        region: r("region"),
        domain: r("domain"),
        client_id: r("clientId"),
        client_secret: r("clientSecret"),
        app_name: r("appName"),
        app_version: r("appVersion"),
        host_tenant: r("hostTenant"),
        user_tenant: r("userTenant"),
        refresh_before_expiry: r("refreshBeforeExpiry"),
        batch_size: r("batchSize"),
        page_size: r("pageSize"),
        timeout: r("timeout"),
        retries: r("retries"),
        max_entries: r("maxEntries"),
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

/// A tenant id argument: a non-empty string.
pub fn tenant_arg(v: &JsValue, name: &str) -> Result<String, TmsError> {
    crate::tms::config::tenant(name, &raw(v))
}

pub fn is_tms_error(v: &JsValue) -> bool {
    v.is_instance_of::<TmsErrorJs>()
}
