//! `TokenManager`, the exported class: takes the arguments apart, hands them to the drivers,
//! and turns their results into promises. Errors become JS (`TmsError`) here, at the edge.
//! (Docs live in pkg-template/index.d.ts: wasm-bindgen would copy `///` comments into the JS
//! glue, which ships.)

use super::convert::{error_to_js, function_option, get, loose, set};
use super::events::stats_to_js;
use super::inner::{now, Inner};
use super::js::Signal;
use super::tasks::spawn;
use crate::tms::config::{env_hint, env_options, unknown_option, Config};
use crate::tms::error::{ErrorCode, TmsError};
use crate::tms::wire::{Loose, Options};
use js_sys::{Array, Object, Promise};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub struct TokenManager {
    inner: Rc<Inner>,
}

fn reject(e: TmsError) -> Promise {
    Promise::reject(&error_to_js(&e))
}

fn signal_of(options: &JsValue) -> Option<Signal> {
    Some(get(options, "signal")).filter(JsValue::is_object).map(JsCast::unchecked_into)
}

/// The options object as the core's schema: every own property, through serde.
fn options_of(options: &JsValue) -> Result<Options, TmsError> {
    if !options.is_object() {
        return Err(TmsError::new(ErrorCode::Config, "options must be an object"));
    }
    let keys = Object::keys(options.unchecked_ref::<Object>());
    let pairs = keys
        .iter()
        .filter_map(|k| k.as_string())
        .map(|k| {
            let v = loose(&get(options, &k));
            (k, v)
        })
        .collect();
    Options::from_pairs(pairs).map_err(|e| unknown_option(&e))
}

fn build(options: &JsValue) -> Result<TokenManager, TmsError> {
    let config = Config::new(&options_of(options)?)?;
    let fetch = function_option(options, "fetch")?;
    let on_event = function_option(options, "onEvent")?;
    let store = match get(options, "store") {
        s if s.is_undefined() || s.is_null() => None,
        s if get(&s, "get").is_function() && get(&s, "set").is_function() => Some(s),
        _ => return Err(TmsError::config("store", "must be a TokenStore: an object with get() and set()")),
    };
    Ok(TokenManager { inner: Inner::new(config, fetch, on_event, store) })
}

#[wasm_bindgen]
impl TokenManager {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<TokenManager, JsValue> {
        build(&options).map_err(|e| error_to_js(&e))
    }

    // Options from `MDSP_*` (or `MINDSPHERE_*`) environment variables; `overrides` win.
    #[wasm_bindgen(js_name = fromEnv)]
    pub fn from_env(env: JsValue, overrides: JsValue) -> Result<TokenManager, JsValue> {
        let env =
            if env.is_undefined() || env.is_null() { get(&get(&js_sys::global(), "process"), "env") } else { env };
        let read = env_options(|k| get(&env, k).as_string());
        let options = Object::new();
        for (name, value, _) in &read {
            set(&options, name, &JsValue::from_str(value));
        }
        let has = |k: &str| overrides.is_object() && !get(&overrides, k).is_undefined();
        if overrides.is_object() {
            // An explicit region/domain beats an environment gateway, and the reverse.
            if has("region") || has("domain") {
                let _ = js_sys::Reflect::delete_property(&options, &JsValue::from_str("gateway"));
            }
            Object::assign(&options, overrides.unchecked_ref());
        }
        build(&options.into()).map_err(|e| error_to_js(&env_hint(e, &read, has)))
    }

    // `token(userTenant?, { signal?, forceRefresh? }?) → Promise<Token>`. The common hit never
    // gets here: the package's TokenManager (manager.js) serves it from the hit table. What
    // does get here and hits (a refresh that backs off, a throttle pause) resolves at once,
    // without a future.
    pub fn token(&self, user_tenant: JsValue, options: Option<Object>) -> Promise {
        let inner = &self.inner;
        let raw = loose(&user_tenant);
        let tenant = if raw.is_absent() {
            inner.config().user_tenant.clone()
        } else {
            match inner.config().user_tenant_arg("userTenant", &raw) {
                Ok(t) => t,
                Err(e) => return reject(e),
            }
        };
        let force = options.as_ref().is_some_and(|o| get(o, "forceRefresh").is_truthy());
        if !force {
            let served = inner.engine().hit(&tenant, now());
            if let Some(s) = served {
                inner.hit_event(&tenant);
                return Promise::resolve(&s.token);
            }
        }
        let inner = inner.clone();
        let signal = options.as_ref().and_then(|o| signal_of(o));
        spawn(async move {
            inner.token(&tenant, signal.as_ref(), force).await.map(|s| s.token).map_err(|e| error_to_js(&e))
        })
    }

    // `tokens(userTenants, { signal? }?) → Promise<{ tokens: Map, errors: Map }>`.
    pub fn tokens(&self, user_tenants: JsValue, options: JsValue) -> Promise {
        if let Err(e) = self.inner.config().require_app("tokens") {
            return reject(e);
        }
        if !Array::is_array(&user_tenants) {
            return reject(TmsError::new(ErrorCode::Config, "userTenants must be an array of strings"));
        }
        let tenants: Result<Vec<String>, TmsError> =
            Array::from(&user_tenants).iter().map(|t| crate::tms::config::tenant("userTenants", &loose(&t))).collect();
        let tenants = match tenants {
            Ok(t) => t,
            Err(e) => return reject(e),
        };
        let inner = self.inner.clone();
        let signal = signal_of(&options);
        spawn(async move { Ok(inner.tokens(tenants, signal, None).await) })
    }

    // `userTenants({ signal? }?) → Promise<string[]>`.
    #[wasm_bindgen(js_name = userTenants)]
    pub fn user_tenants(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        let signal = signal_of(&options);
        spawn(async move {
            let list = inner.user_tenants(signal).await.map_err(|e| error_to_js(&e))?;
            Ok(list.iter().map(|t| JsValue::from_str(t)).collect::<Array>().into())
        })
    }

    // `allTokens({ signal?, onProgress? }?)`: operator token, every page of tenants, then
    // tokens for all of them in batches.
    #[wasm_bindgen(js_name = allTokens)]
    pub fn all_tokens(&self, options: JsValue) -> Promise {
        let progress = match function_option(&options, "onProgress") {
            Ok(p) => p,
            Err(e) => return reject(e),
        };
        let inner = self.inner.clone();
        let signal = signal_of(&options);
        spawn(async move {
            let tenants = inner.clone().user_tenants(signal.clone()).await.map_err(|e| error_to_js(&e))?;
            Ok(inner.tokens(tenants, signal, progress).await)
        })
    }

    // `fetch(userTenant, input, init?)`.
    pub fn fetch(&self, user_tenant: JsValue, input: JsValue, init: JsValue) -> Promise {
        let tenant = match self.inner.config().user_tenant_arg("userTenant", &loose(&user_tenant)) {
            Ok(t) => t,
            Err(e) => return reject(e),
        };
        spawn(self.inner.clone().api_fetch(tenant, input, init))
    }

    // `verify(jwt, { signal? }?) → Promise<claims>`: every token check, the RS256 signature
    // included, for a token that reached the worker (e.g. a user's bearer token).
    pub fn verify(&self, jwt: JsValue, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        let signal = signal_of(&options);
        spawn(async move { inner.verify(jwt, signal.as_ref()).await.map_err(|e| error_to_js(&e)) })
    }

    // `invalidate(userTenant?)`: drops one cached token, or all.
    pub fn invalidate(&self, user_tenant: JsValue) {
        match loose(&user_tenant) {
            Loose::Str(t) => {
                self.inner.engine().invalidate(Some(&t));
                self.inner.publish(&t);
            }
            _ => {
                self.inner.engine().invalidate(None);
                self.inner.table.clear();
            }
        }
    }

    // The hit table (see `Inner::table`), for the package's entry code; not public API.
    #[wasm_bindgen(getter, js_name = __table)]
    pub fn table(&self) -> js_sys::Map {
        self.inner.table.clone()
    }

    // The tenant of `token()` with no argument, for the package's entry code.
    #[wasm_bindgen(getter, js_name = __defaultTenant)]
    pub fn default_tenant(&self) -> String {
        self.inner.config().user_tenant.clone()
    }

    // `stats() → { hits, misses, upstreamRequests, refreshes, errors, entries }`.
    pub fn stats(&self) -> JsValue {
        let e = self.inner.engine.borrow();
        stats_to_js(&e.stats, e.entries(), self.inner.store.is_some())
    }
}
