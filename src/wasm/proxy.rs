//! `fetch(userTenant, input, init?)`: calls an API with the tenant's bearer token. On a 401
//! the engine forgets that token (always), and the call is sent once more with a new one
//! when it can be replayed: a `Request` input is cloned before the first send; a one-shot
//! stream body in `init` cannot be, and then the 401 response is returned.

use super::convert::{error_to_js, get, set};
use super::inner::Inner;
use super::js::{call_fetch, Signal};
use super::tasks::JsResult;
use js_sys::{Function, Object};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

impl Inner {
    pub async fn api_fetch(self: Rc<Self>, tenant: String, input: JsValue, init: JsValue) -> JsResult {
        let signal: Option<Signal> = Some(get(&init, "signal")).filter(JsValue::is_object).map(JsCast::unchecked_into);
        // A `Request` can be sent once: keep a copy for the retry (its body, if any, is teed).
        let spare = match get(&input, "clone").dyn_into::<Function>() {
            Ok(clone) if get(&input, "url").is_string() => clone.call0(&input).ok(),
            _ => None,
        };
        let stream_body = get(&get(&init, "body"), "getReader").is_function();
        let token = self.token(&tenant, signal.as_ref(), false).await.map_err(|e| error_to_js(&e))?;
        let resp = self.send_api(&input, &init, &token.token).await?;
        if get(&resp, "status").as_f64() != Some(401.0) {
            return Ok(resp);
        }
        let retry = self.engine().rejected(&tenant, &token.token, false);
        self.publish(&tenant);
        if !retry || stream_body {
            return Ok(resp);
        }
        // The 401's body is not read: cancel it so its connection is released.
        let body = get(&resp, "body");
        if let Ok(cancel) = get(&body, "cancel").dyn_into::<Function>() {
            if let Ok(p) = cancel.call0(&body) {
                super::convert::ignore(&js_sys::Promise::resolve(&p));
            }
        }
        let token = self.token(&tenant, signal.as_ref(), false).await.map_err(|e| error_to_js(&e))?;
        self.send_api(spare.as_ref().unwrap_or(&input), &init, &token.token).await
    }

    async fn send_api(&self, input: &JsValue, init: &JsValue, token: &JsValue) -> JsResult {
        let access = get(token, "accessToken").as_string().unwrap_or_default();
        let base_headers = match get(init, "headers") {
            h if !h.is_undefined() => h,
            _ => get(input, "headers"),
        };
        let headers = web_sys::Headers::new_with_str_sequence_sequence(&base_headers)?;
        headers.set("Authorization", &format!("Bearer {access}"))?;
        let init2 = Object::new();
        if init.is_object() {
            Object::assign(&init2, init.unchecked_ref());
        }
        set(&init2, "headers", &headers);
        let promise = call_fetch(self.fetch.as_ref(), input, &init2)?;
        JsFuture::from(promise).await
    }
}
