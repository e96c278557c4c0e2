//! The state behind one `TokenManager`: the engine, the user's `fetch` and `onEvent`. Every
//! exported method moves an `Rc<Inner>` into its future, so JS can call them concurrently;
//! no `RefCell` borrow is held across an await or while user code (events) runs.

use super::events::{Event, Events};
use crate::tms::config::Config;
use crate::tms::engine::{Engine, Served};
use crate::tms::error::TmsError;
use js_sys::Function;
use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

pub type Outcome = Result<Served<JsValue>, TmsError>;

/// A follower as the engine holds it: where the leader leaves the outcome, and the resolve
/// function of a promise the follower created itself (in its own request context), called
/// to wake it. `None` in the cell after a wake means "look again".
pub struct Waiter {
    pub wake: Function,
    pub outcome: Rc<RefCell<Option<Outcome>>>,
}

impl Waiter {
    pub fn tell(self, outcome: Option<Outcome>) {
        *self.outcome.borrow_mut() = outcome;
        let _ = self.wake.call0(&JsValue::NULL);
    }
}

pub struct Inner {
    pub engine: RefCell<Engine<JsValue, Waiter>>,
    pub fetch: Option<Function>,
    pub events: Events,
    /// The hit table the package's JS entry reads first: tenant → `{ token, storedAt,
    /// refreshAt }` of each fresh cached token, so a hit need not enter wasm. Only the
    /// engine writes it (`publish`), whenever its cache changes.
    pub table: js_sys::Map,
    /// The shared tier, when the `store` option is set.
    pub store: Option<super::store::Store>,
    /// What the token objects share (`convert::TokenParts`).
    pub parts: RefCell<super::convert::TokenParts>,
}

pub fn now() -> f64 {
    js_sys::Date::now()
}

pub fn rand() -> f64 {
    js_sys::Math::random()
}

impl Inner {
    pub fn new(
        config: Config,
        fetch: Option<Function>,
        on_event: Option<Function>,
        store: Option<JsValue>,
    ) -> Rc<Inner> {
        let store = store.map(|s| super::store::Store::new(s, config.client_secret.clone()));
        let parts = RefCell::new(super::convert::TokenParts::new(&config.host_tenant));
        Rc::new(Inner {
            engine: RefCell::new(Engine::new(config)),
            fetch,
            events: Events::new(on_event),
            table: js_sys::Map::new(),
            store,
            parts,
        })
    }

    pub fn engine(&self) -> RefMut<'_, Engine<JsValue, Waiter>> {
        self.engine.borrow_mut()
    }

    pub fn config(&self) -> Ref<'_, Config> {
        Ref::map(self.engine.borrow(), |e| &e.config)
    }

    /// The public token object for a grant (see `convert::TokenParts`).
    pub fn token_object(&self, grant: &crate::tms::response::Grant, tenant: &str) -> JsValue {
        self.parts.borrow_mut().token_object(grant, tenant)
    }

    /// Mirrors the engine's cache entry of `tenant` (and its evictions) into the hit table.
    pub fn publish(&self, tenant: &str) {
        let (entry, evicted) = self.engine().published(tenant);
        for t in evicted {
            self.table.delete(&JsValue::from_str(&t));
        }
        match entry {
            Some((token, timing)) => {
                // The key is the token's own `userTenant` string (tokens are made for their
                // cache key), so each tenant's name is held once.
                let key = super::convert::get(&token, "userTenant");
                let key = if key.is_string() { key } else { JsValue::from_str(tenant) };
                let o = super::js::table_entry(&token, timing.stored_at_ms, timing.refresh_at_ms);
                self.table.set(&key, &o);
            }
            None => {
                self.table.delete(&JsValue::from_str(tenant));
            }
        }
    }

    pub fn emit(&self, e: Event<'_>) {
        self.events.emit(e);
    }
}
