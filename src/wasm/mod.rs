//! The wasm shell: binds the core to `fetch`, timers and JS values, and nothing else.

mod convert;
mod events;
mod js;
mod manager;
mod transport;
mod wait;

use crate::tms::jwt;
use convert::{error_to_js, set};
use js_sys::{Object, JSON};
use wasm_bindgen::prelude::*;

pub use manager::TokenManager;

// `decodeJwt(jwt) → { header, claims }`, without a signature check.
#[wasm_bindgen(js_name = decodeJwt)]
pub fn decode_jwt(token: JsValue) -> Result<JsValue, JsValue> {
    let invalid =
        |why: &str| error_to_js(&crate::tms::error::TmsError::new(crate::tms::error::ErrorCode::InvalidToken, why));
    let text = token.as_string().ok_or_else(|| invalid("decodeJwt expects a string"))?;
    let decoded = jwt::decode(&text).map_err(|e| error_to_js(&e))?;
    let out = Object::new();
    // The core has checked both segments are JSON objects; JS's parser keeps numbers exact.
    set(&out, "header", &JSON::parse(&decoded.header_json).map_err(|_| invalid("malformed JWT"))?);
    set(&out, "claims", &JSON::parse(&decoded.claims_json).map_err(|_| invalid("malformed JWT"))?);
    Ok(out.into())
}

// The `TmsError` class, for the package entry files to re-export.
#[wasm_bindgen(js_name = __tmsErrorClass)]
pub fn tms_error_class() -> JsValue {
    js::TMS_ERROR_CLASS.with(JsValue::clone)
}
