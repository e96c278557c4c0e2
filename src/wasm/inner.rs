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
    /// The shared tier, when the `store` option is set.
    pub store: Option<super::store::Store>,
    /// The last tenant argument of a `token()` hit, as given and as a key (see `token`).
    pub last_key: RefCell<(JsValue, String)>,
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
        Rc::new(Inner {
            engine: RefCell::new(Engine::new(config)),
            fetch,
            events: Events::new(on_event),
            store,
            last_key: RefCell::new((JsValue::NULL, String::new())),
        })
    }

    pub fn engine(&self) -> RefMut<'_, Engine<JsValue, Waiter>> {
        self.engine.borrow_mut()
    }

    pub fn config(&self) -> Ref<'_, Config> {
        Ref::map(self.engine.borrow(), |e| &e.config)
    }

    pub fn emit(&self, e: Event<'_>) {
        self.events.emit(e);
    }
}
