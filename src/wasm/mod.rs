//! The wasm shell: moves data between the engine (`crate::tms::engine`) and `fetch`,
//! timers and JS values, and decides nothing itself. One concern per file:
//! `class` (the exported class and its arguments), `single` / `batch` / `pages` (the
//! drivers of `token()`, `tokens()`, `userTenants()`), `proxy` (`fetch()`), `upstream`
//! (one request with retries), `transport` (one attempt), `reply` (bodies into core types),
//! `wait` and `tasks` (promises, timers, bounded parallelism), `convert`, `events`, `js`.

mod batch;
mod class;
mod convert;
mod events;
mod inner;
mod js;
mod pages;
mod proxy;
mod reply;
mod single;
mod store;
mod tasks;
mod transport;
mod upstream;
mod verify;
mod wait;

use crate::tms::error::TmsError;
use convert::{error_to_js, set};
use js_sys::{Object, JSON};
use wasm_bindgen::prelude::*;

pub use class::TokenManager;

// `decodeJwt(jwt) → { header, claims }`, without a signature check.
#[wasm_bindgen(js_name = decodeJwt)]
pub fn decode_jwt(token: JsValue) -> Result<JsValue, JsValue> {
    let invalid = |why: &str| error_to_js(&crate::tms::jwt::invalid(why));
    let text = token.as_string().ok_or_else(|| invalid("decodeJwt expects a string"))?;
    let parts = crate::tms::jwt::split(&text).map_err(|e: TmsError| error_to_js(&e))?;
    let out = Object::new();
    // JS's parser keeps numbers exact and every claim as it is.
    set(&out, "header", &JSON::parse(&parts.header_json).map_err(|_| invalid("header is not JSON"))?);
    set(&out, "claims", &JSON::parse(&parts.claims_json).map_err(|_| invalid("payload is not JSON"))?);
    Ok(out.into())
}

// The `TmsError` class, for the package entry files to re-export.
#[wasm_bindgen(js_name = __tmsErrorClass)]
pub fn tms_error_class() -> JsValue {
    js::TMS_ERROR_CLASS.with(JsValue::clone)
}
