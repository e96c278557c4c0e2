//! Replies into core types: the body text through the JS engine's `JSON.parse`, then into
//! the `wire` shapes with serde-wasm-bindgen, then judged by the core's rules.

use super::convert::{from_js, from_json};
use super::transport::Reply;
use crate::tms::config::Config;
use crate::tms::error::{Result, TmsError};
use crate::tms::jwt::{self, Policy};
use crate::tms::request::Endpoint;
use crate::tms::response::{self, about, bad_response, not_json, too_large, Grant, Page, Parsers};
use crate::tms::retry::retry_after;
use crate::tms::wire::{BatchEntry, Claims, ErrorBody, Header, PageBody, TokenBody};
use js_sys::{Array, JSON};
use wasm_bindgen::prelude::*;

/// The JS engine's `Number()` for numeric strings (`NaN` is no number).
fn number(s: &str) -> Option<f64> {
    s.parse::<js_sys::Number>().ok().map(|n| n.value_of()).filter(|n| n.is_finite())
}

const PARSERS: Parsers = Parsers { jwt: &jwt_parts, number: &number };

/// A JWT's header and claims (base64 in the core, JSON by the JS engine).
pub fn jwt_parts(token: &str) -> Result<(Header, Claims)> {
    let p = jwt::split(token)?;
    let header = from_json(&p.header_json).ok_or_else(|| jwt::invalid("header is not a JSON object"))?;
    let claims = from_json(&p.claims_json).ok_or_else(|| jwt::invalid("payload is not a JSON object"))?;
    Ok((header, claims))
}

fn json(reply: &Reply, endpoint: Endpoint) -> Result<JsValue> {
    let text = reply.body.as_deref().ok_or_else(|| too_large(endpoint))?;
    JSON::parse(text).map_err(|_| not_json(endpoint))
}

/// A one-token reply (`/oauth/token` of the TMS or of the tenant's OAuth server).
pub fn token(config: &Config, endpoint: Endpoint, reply: &Reply, tenant: &str) -> Result<Grant> {
    let v = json(reply, endpoint)?;
    let body: TokenBody = from_js(&v).ok_or_else(|| bad_response(endpoint, "token is not an object"))?;
    response::grant(endpoint, &body, &Policy::of(config).rules(tenant), PARSERS, reply.sent_at_ms, js_sys::Date::now())
}

/// An `/oauthTokens` reply: entries taken one by one, so one malformed entry fails only
/// its tenant.
pub fn batch(config: &Config, reply: &Reply, tenants: &[String]) -> Result<Vec<Option<Result<Grant>>>> {
    let v = json(reply, Endpoint::Batch)?;
    let list = super::convert::get(&v, "oauthTokens");
    let entries: Option<Vec<Option<BatchEntry>>> =
        Array::is_array(&list).then(|| Array::from(&list).iter().map(|e| from_js(&e)).collect());
    response::batch(entries.as_deref(), tenants, &Policy::of(config), PARSERS, reply.sent_at_ms, js_sys::Date::now())
}

/// A `/userTenants` page.
pub fn page(reply: &Reply) -> Result<Page> {
    let v = json(reply, Endpoint::UserTenants)?;
    let body: PageBody =
        from_js(&v).ok_or_else(|| bad_response(Endpoint::UserTenants, "body is not a page of tenants"))?;
    response::page(&body)
}

/// The error for a non-2xx reply to a request made for `tenants`.
pub fn status_error(endpoint: Endpoint, tenants: &[String], reply: &Reply, now_ms: f64) -> TmsError {
    let body: Option<ErrorBody> = reply.body.as_deref().and_then(from_json);
    let date = |v: &str| Some(js_sys::Date::parse(v)).filter(|d| d.is_finite());
    let seconds = reply.retry_after.as_deref().and_then(|v| retry_after(v, date, now_ms));
    response::status_error(endpoint, &about(tenants), reply.status, body.as_ref(), seconds)
}

/// A key set (`GET {keysUrl}`).
pub fn keys(reply: &Reply) -> Result<Vec<crate::tms::wire::Jwk>> {
    let v = json(reply, Endpoint::TokenKeys)?;
    let set: Option<crate::tms::wire::JwkSet> = from_js(&v);
    set.and_then(|s| s.keys).ok_or_else(|| bad_response(Endpoint::TokenKeys, "`keys` is missing"))
}
