//! Raw bindings to the JS host: the global `fetch` and timers (through the global object:
//! edge workers and Node have no `window`), `AbortController`, and our `TmsError` class.
//! Response and signal access is structural (property lookups, no `instanceof`), so objects
//! from another realm (Vercel edge-runtime) and custom `fetch` implementations work.

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

#[wasm_bindgen]
extern "C" {
    /// `Function.prototype.bind.call(f, this, arg)`: untyped, where js-sys' `bind1` wants
    /// typed functions.
    #[wasm_bindgen(js_namespace = ["Function", "prototype", "bind"], js_name = call)]
    pub fn bind_arg(f: &Function, this: &JsValue, arg: &JsValue) -> Function;

    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(callback: &Function, ms: f64) -> JsValue;

    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(handle: &JsValue);

    #[derive(Clone)]
    pub type AbortController;

    #[wasm_bindgen(constructor, catch)]
    pub fn new() -> Result<AbortController, JsValue>;

    #[wasm_bindgen(method, getter)]
    pub fn signal(this: &AbortController) -> AbortSignal;

    /// `AbortSignal`, or anything shaped like one (a caller's signal).
    #[derive(Clone)]
    pub type AbortSignal;

    #[wasm_bindgen(method, getter, structural, catch, js_name = aborted)]
    pub fn aborted_raw(this: &AbortSignal) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch, structural, js_name = addEventListener)]
    pub fn add_event_listener(this: &AbortSignal, kind: &str, listener: &Function) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch, structural, js_name = removeEventListener)]
    pub fn remove_event_listener(this: &AbortSignal, kind: &str, listener: &Function) -> Result<(), JsValue>;

    /// A `fetch` Response, accessed structurally.
    pub type FetchResponse;

    // Getters on objects a user's `fetch` returned may throw: every one is `catch`, so no JS
    // exception ever unwinds through Rust frames.
    #[wasm_bindgen(method, getter, structural, catch)]
    pub fn status(this: &FetchResponse) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, getter, structural, catch)]
    pub fn headers(this: &FetchResponse) -> Result<FetchHeaders, JsValue>;

    #[wasm_bindgen(method, catch, structural)]
    pub fn text(this: &FetchResponse) -> Result<JsValue, JsValue>;

    pub type FetchHeaders;

    #[wasm_bindgen(method, catch, structural)]
    pub fn get(this: &FetchHeaders, name: &str) -> Result<Option<String>, JsValue>;

    #[wasm_bindgen(js_name = Headers)]
    pub type Headers;

    #[wasm_bindgen(constructor, catch)]
    pub fn new(init: &JsValue) -> Result<Headers, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn set(this: &Headers, name: &str, value: &str) -> Result<(), JsValue>;
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
