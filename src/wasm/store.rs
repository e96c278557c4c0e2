//! The shared tier's driver: carries out `tms::shared`'s protocol for the leader of a local
//! flight over the user's `TokenStore` — read, lease, poll, write, release. Every store call
//! goes through `store-call.js` (bounded by `storeTimeout`, never throwing); keys and values
//! through `store-codec.js` (HMAC-named keys, AES-256-GCM values, WebCrypto). A store that
//! fails is reported (`error` event, `TMS_STORE`) and left out; it never fails a call.

use super::convert::{from_json, to_json_text};
use super::events::Event;
use super::inner::{now, rand, Inner, Outcome};
use super::js::Signal;
use super::wait::sleep;
use crate::tms::cache::Timing;
use crate::tms::error::ErrorCode;
use crate::tms::flights::FlightId;
use crate::tms::response::Grant;
use crate::tms::secret::Secret;
use crate::tms::shared::{self, Found, Stored};
use js_sys::{Array, Function, Promise, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/js/store-call.js")]
extern "C" {
    #[wasm_bindgen(js_name = callStore)]
    fn call_store(store: &JsValue, method: &str, args: &Array, timeout_ms: f64) -> Promise;
    #[wasm_bindgen(js_name = callRelease)]
    fn call_release(release: &JsValue, timeout_ms: f64) -> Promise;
}

#[wasm_bindgen(module = "/src/js/store-codec.js")]
extern "C" {
    #[wasm_bindgen(js_name = createCodec, catch)]
    fn create_codec(secret: &str) -> Result<Promise, JsValue>;
}

/// The user's store and the codec derived from the client secret (made on first use).
pub struct Store {
    store: JsValue,
    secret: Secret,
    codec: RefCell<Option<JsValue>>,
}

/// What the leader does after consulting the store.
pub enum Shared {
    /// The store had a usable token: the call is done.
    Served(Outcome),
    /// Request the token from the TMS; then `write` (with this key) and `release`.
    Request { key: Option<String>, release: Option<JsValue> },
}

/// A store call's outcome: `Ok(value)`, or `Err(())` (failed, slow, or no such method).
async fn call(store: &JsValue, method: &str, args: &[JsValue], timeout_ms: f64) -> Result<JsValue, bool> {
    let args: Array = args.iter().collect();
    let r = JsFuture::from(call_store(store, method, &args, timeout_ms)).await.unwrap_or(JsValue::UNDEFINED);
    if Reflect::get(&r, &"ok".into()).is_ok_and(|v| v.is_truthy()) {
        return Ok(Reflect::get(&r, &"value".into()).unwrap_or(JsValue::UNDEFINED));
    }
    // "missing" (a store without `lease`) is no failure.
    Err(Reflect::get(&r, &"reason".into()).ok().and_then(|v| v.as_string()).as_deref() != Some("missing"))
}

/// A codec method (`keyFor`, `seal`, `open`) as a promise's value, `None` if it failed.
async fn codec_call(codec: &JsValue, method: &str, args: &[JsValue]) -> Option<JsValue> {
    let f: Function = Reflect::get(codec, &method.into()).ok()?.dyn_into().ok()?;
    let args: Array = args.iter().collect();
    let p = f.apply(codec, &args).ok()?;
    JsFuture::from(Promise::resolve(&p)).await.ok()
}

impl Store {
    pub fn new(store: JsValue, secret: Secret) -> Store {
        Store { store, secret, codec: RefCell::new(None) }
    }

    async fn codec(&self) -> Option<JsValue> {
        let existing = self.codec.borrow().clone();
        if existing.is_some() {
            return existing;
        }
        let codec = JsFuture::from(create_codec(self.secret.expose()).ok()?).await.ok()?;
        *self.codec.borrow_mut() = Some(codec.clone());
        Some(codec)
    }
}

impl Inner {
    fn store_failed(&self, tenant: &str) {
        self.engine().stats.store_errors += 1;
        self.emit(Event { user_tenant: Some(tenant), code: Some(ErrorCode::Store), ..Event::new("error") });
    }

    /// The store key of `tenant`, or `None` when the codec failed (then no store this call).
    async fn store_key(&self, store: &Store, tenant: &str) -> Option<String> {
        let identity: Array = shared::identity(&self.config(), tenant).iter().map(|s| JsValue::from_str(s)).collect();
        let codec = store.codec().await?;
        codec_call(&codec, "keyFor", &[identity.into()]).await?.as_string()
    }

    /// Reads and judges `tenant`'s stored token.
    async fn read(&self, store: &Store, key: &str, tenant: &str) -> Option<(Stored, Timing)> {
        let timeout = self.config().store_timeout_ms;
        let value = match call(&store.store, "get", &[key.into()], timeout).await {
            Ok(v) => v,
            Err(failed) => {
                if failed {
                    self.store_failed(tenant);
                }
                return None;
            }
        };
        let codec = store.codec().await?;
        let plain = codec_call(&codec, "open", &[key.into(), value]).await.and_then(|p| p.as_string());
        let stored: Option<Stored> = plain.as_deref().and_then(from_json);
        let found = stored.as_ref().map(|s| (s, shared::judge(s, &self.config(), tenant, now())));
        match found {
            Some((s, Found::Use(timing))) => Some((s.clone(), timing)),
            _ => {
                self.engine().stats.store_misses += 1;
                None
            }
        }
    }

    /// Consults the store for the leader of `tenant`'s local flight (see `tms::shared`).
    pub async fn shared_step(&self, tenant: &str, flight: FlightId, signal: Option<&Signal>) -> Shared {
        let nothing = Shared::Request { key: None, release: None };
        let Some(store) = self.store.as_ref() else { return nothing };
        let Some(key) = self.store_key(store, tenant).await else {
            self.store_failed(tenant);
            return nothing;
        };
        let flights = [(tenant.to_string(), flight)];
        let (timeout, ttl) = (self.config().store_timeout_ms, shared::lease_ttl_ms(&self.config()));
        let give_up_at = now() + ttl;
        let mut polls = 0u32;
        loop {
            self.engine().renew(&flights, now() + timeout);
            if let Some((stored, timing)) = self.read(store, &key, tenant).await {
                return Shared::Served(Ok(self.adopt(tenant, flight, &stored, timing)));
            }
            if polls > 0 && now() >= give_up_at {
                // The holder ran out of time (its isolate may be gone): take over.
                return Shared::Request { key: Some(key), release: None };
            }
            match call(&store.store, "lease", &[key.as_str().into(), ttl.into()], timeout).await {
                Ok(release) if release.is_function() => {
                    return Shared::Request { key: Some(key), release: Some(release) }
                }
                // Another isolate holds it: read again after a while.
                Ok(_) => {}
                Err(failed) => {
                    if failed {
                        self.store_failed(tenant);
                    }
                    return Shared::Request { key: Some(key), release: None };
                }
            }
            let delay = shared::poll_delay_ms(polls, rand());
            polls += 1;
            self.engine().renew(&flights, now() + delay + timeout);
            if !sleep(delay, signal).await {
                return Shared::Served(Err(super::convert::aborted("the token request")));
            }
        }
    }

    fn adopt(
        &self,
        tenant: &str,
        flight: FlightId,
        stored: &Stored,
        timing: Timing,
    ) -> crate::tms::engine::Served<JsValue> {
        let grant = Grant {
            access_token: Secret::new(stored.access_token.clone()),
            expires_at_ms: timing.expires_at_ms,
            lifetime_ms: timing.expires_at_ms - timing.stored_at_ms,
            scope: stored.scope.clone(),
            kid: None,
        };
        let token = self.token_object(&grant, tenant);
        let (served, waiters) = self.engine().adopt(tenant, flight, token, timing);
        self.publish(tenant);
        for w in waiters {
            w.tell(Some(Ok(served.clone())));
        }
        served
    }

    /// Writes the token just obtained for `tenant`, with the refresh point the engine chose,
    /// then gives the lease back.
    pub async fn write_and_release(
        &self,
        tenant: &str,
        key: Option<String>,
        release: Option<JsValue>,
        grant: Option<&Grant>,
    ) {
        let Some(store) = self.store.as_ref() else { return };
        let timeout = self.config().store_timeout_ms;
        let timing = self.engine().timing_of(tenant);
        if let (Some(key), Some(grant), Some(timing)) = (key, grant, timing) {
            let stored = Stored {
                v: shared::VERSION,
                user_tenant: tenant.to_string(),
                host_tenant: self.config().host_tenant.clone(),
                access_token: grant.access_token.expose().to_string(),
                expires_at: timing.expires_at_ms,
                refresh_at: timing.refresh_at_ms,
                scope: grant.scope.clone(),
            };
            let sealed = match store.codec().await {
                Some(codec) => codec_call(&codec, "seal", &[key.as_str().into(), to_json_text(&stored)]).await,
                None => None,
            };
            let ok = match sealed {
                Some(v) => {
                    call(&store.store, "set", &[key.as_str().into(), v, shared::ttl_ms(&timing, now()).into()], timeout)
                        .await
                        .is_ok()
                }
                None => false,
            };
            if !ok {
                self.store_failed(tenant);
            }
        }
        if let Some(release) = release {
            let r = JsFuture::from(call_release(&release, timeout)).await.unwrap_or(JsValue::UNDEFINED);
            if !Reflect::get(&r, &"ok".into()).is_ok_and(|v| v.is_truthy()) {
                self.store_failed(tenant);
            }
        }
    }
}
