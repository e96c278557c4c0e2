//! `onEvent` delivery, and `stats()` as a JS object. Events carry tenants, statuses,
//! attempts, codes and durations: never a secret or a token.

use super::convert::set;
use crate::tms::engine::Stats;
use crate::tms::error::ErrorCode;
use js_sys::{Array, Function, Object};
use wasm_bindgen::prelude::*;

#[derive(Default)]
pub struct Event<'a> {
    pub kind: &'static str,
    pub user_tenant: Option<&'a str>,
    pub user_tenants: Option<&'a [String]>,
    pub status: Option<u16>,
    pub attempt: Option<u32>,
    pub code: Option<ErrorCode>,
    pub duration_ms: Option<f64>,
}

impl<'a> Event<'a> {
    pub fn new(kind: &'static str) -> Self {
        Event { kind, ..Event::default() }
    }

    /// One tenant, or several (batches): whichever fits.
    pub fn tenants(mut self, tenants: &'a [String]) -> Self {
        match tenants {
            [one] => self.user_tenant = Some(one),
            many => self.user_tenants = Some(many),
        }
        self
    }
}

pub struct Events {
    on_event: Option<Function>,
}

impl Events {
    pub fn new(on_event: Option<Function>) -> Self {
        Events { on_event }
    }

    pub fn enabled(&self) -> bool {
        self.on_event.is_some()
    }

    pub fn emit(&self, e: Event<'_>) {
        let Some(f) = &self.on_event else { return };
        let o = Object::new();
        set(&o, "type", &JsValue::from_str(e.kind));
        if let Some(t) = e.user_tenant {
            set(&o, "userTenant", &JsValue::from_str(t));
        }
        if let Some(ts) = e.user_tenants {
            let list: Array = ts.iter().map(|t| JsValue::from_str(t)).collect();
            set(&o, "userTenants", &list);
        }
        if let Some(s) = e.status {
            set(&o, "status", &JsValue::from(s));
        }
        if let Some(a) = e.attempt {
            set(&o, "attempt", &JsValue::from(a));
        }
        if let Some(c) = e.code {
            set(&o, "code", &JsValue::from_str(c.as_str()));
        }
        if let Some(d) = e.duration_ms {
            set(&o, "durationMs", &JsValue::from_f64(d));
        }
        // A throwing listener must not break token delivery.
        let _ = f.call1(&JsValue::NULL, &o);
    }
}

/// `stats()` from the engine's counters.
pub fn stats_to_js(s: &Stats, entries: usize, store: bool) -> JsValue {
    let o = Object::new();
    if store {
        for (k, v) in [("storeHits", s.store_hits), ("storeMisses", s.store_misses), ("storeErrors", s.store_errors)] {
            set(&o, k, &JsValue::from_f64(v as f64));
        }
    }
    for (k, v) in [
        ("hits", s.hits),
        ("misses", s.misses),
        ("upstreamRequests", s.upstream_requests),
        ("refreshes", s.refreshes),
        ("errors", s.errors),
        ("entries", entries as u64),
    ] {
        set(&o, k, &JsValue::from_f64(v as f64));
    }
    o.into()
}
