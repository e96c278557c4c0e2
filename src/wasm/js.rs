//! Raw bindings that web-sys cannot provide as needed, each for a stated reason; everything
//! else comes from web-sys (AbortController, RequestInit, Headers, EventTarget), js-sys and
//! gloo-timers.
//!
//! - The global `fetch`, called through the global object: edge workers and Node have no
//!   `window` (web-sys only binds `Window::fetch` / `WorkerGlobalScope::fetch`), as gloo-net
//!   does.
//! - A `Response` from a user's `fetch` and a caller's `AbortSignal` are user objects:
//!   their getters may throw, and a JS exception must never unwind through wasm frames.
//!   web-sys binds these getters without `catch`, so they are bound here, with `catch`,
//!   structurally (objects of another realm, e.g. Vercel's edge-runtime, work too).
//! - Two object factories (`src/js/shapes.js`): a token and a hit-table entry made in one
//!   call each, with their fields in the object (see that file).

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/tms-error.js")]
extern "C" {
    #[wasm_bindgen(js_name = TmsError)]
    pub type TmsErrorJs;

    #[wasm_bindgen(constructor, js_class = "TmsError")]
    pub fn new(code: &str, message: &str, status: Option<u16>, retry_after: Option<f64>) -> TmsErrorJs;

    /// The class itself, handed to the package entry files for re-export.
    #[wasm_bindgen(thread_local_v2, js_name = TmsError)]
    pub static TMS_ERROR_CLASS: JsValue;
}

/// Object factories (see the file): one crossing and one allocation per token.
#[wasm_bindgen(module = "/src/js/shapes.js")]
extern "C" {
    #[wasm_bindgen(js_name = tokenObject)]
    pub fn token_object(
        access_token: &str,
        token_type: &JsValue,
        expires_at: f64,
        user_tenant: &str,
        host_tenant: &JsValue,
        scope: &JsValue,
    ) -> JsValue;

    #[wasm_bindgen(js_name = tableEntry)]
    pub fn table_entry(token: &JsValue, stored_at: f64, refresh_at: f64) -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    /// `Function.prototype.bind.call(f, this, arg)`: untyped, where js-sys' `bind1` wants
    /// typed functions.
    #[wasm_bindgen(js_namespace = ["Function", "prototype", "bind"], js_name = call)]
    pub fn bind_arg(f: &Function, this: &JsValue, arg: &JsValue) -> Function;

    /// A caller's `AbortSignal`, or anything shaped like one.
    #[derive(Clone)]
    pub type Signal;

    #[wasm_bindgen(method, getter, structural, catch, js_name = aborted)]
    pub fn aborted_raw(this: &Signal) -> Result<JsValue, JsValue>;

    /// A `fetch` Response, accessed structurally.
    pub type FetchResponse;

    #[wasm_bindgen(method, getter, structural, catch)]
    pub fn status(this: &FetchResponse) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, getter, structural, catch)]
    pub fn headers(this: &FetchResponse) -> Result<FetchHeaders, JsValue>;

    #[wasm_bindgen(method, getter, structural, catch)]
    pub fn body(this: &FetchResponse) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, structural)]
    pub fn text(this: &FetchResponse) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, structural, js_name = arrayBuffer)]
    pub fn array_buffer(this: &FetchResponse) -> Result<JsValue, JsValue>;

    pub type FetchHeaders;

    #[wasm_bindgen(method, catch, structural)]
    pub fn get(this: &FetchHeaders, name: &str) -> Result<Option<String>, JsValue>;

    /// A body stream of a user's fetch result: `getReader()` may throw (a locked stream).
    pub type BodyStream;

    #[wasm_bindgen(method, catch, structural, js_name = getReader)]
    pub fn get_reader(this: &BodyStream) -> Result<web_sys::ReadableStreamDefaultReader, JsValue>;
}

/// Calls the global `fetch` with the global object as `this` (workerd throws "Illegal
/// invocation" otherwise), or a user's `fetch` option as a plain function.
pub fn call_fetch(custom: Option<&Function>, url: &JsValue, init: &JsValue) -> Result<Promise, JsValue> {
    let global = js_sys::global();
    let (f, this): (Function, JsValue) = match custom {
        Some(f) => (f.clone(), JsValue::UNDEFINED),
        None => {
            let f = js_sys::Reflect::get(&global, &JsValue::from_str("fetch"))?;
            (f.dyn_into::<Function>()?, global.into())
        }
    };
    // `Promise.resolve` adopts thenables from another realm, where `dyn_into` would fail.
    Ok(Promise::resolve(&f.call2(&this, url, init)?))
}
