//! Waiting without sharing promises across requests. Every wait is on a promise the waiting
//! call created itself (in its own request context, which matters on workerd); it ends when
//! someone calls the promise's resolve function, a timer fires, or the caller's signal
//! aborts. Timers and listeners are removed when the wait ends, so a finished call leaves
//! nothing behind that keeps a Node process alive.

use super::js::{bind_arg, clear_timeout, set_timeout, AbortSignal};
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

const TIMER: f64 = 1.0;
const ABORT: f64 = 2.0;

pub enum Wake {
    /// The value someone resolved the slot with.
    Value(JsValue),
    Timer,
    Aborted,
}

pub struct Slot {
    promise: Promise,
    resolve: Function,
}

impl Slot {
    pub fn new() -> Slot {
        let mut resolve = None;
        let promise = Promise::new(&mut |res, _rej| resolve = Some(res));
        // The executor runs synchronously, so `resolve` is set. (Were it not, `undefined`
        // stands in: every call goes through `call1`, which returns an error, not a throw.)
        let resolve = resolve.unwrap_or_else(|| JsValue::UNDEFINED.unchecked_into());
        Slot { promise, resolve }
    }

    pub fn resolver(&self) -> Function {
        self.resolve.clone()
    }

    /// Waits for the slot's value, at most `ms`, and not past an abort of `signal`.
    pub async fn wait(self, ms: f64, signal: Option<&AbortSignal>) -> Wake {
        match race(&self.promise, ms, signal).await {
            Raced::Value(v) => Wake::Value(v),
            Raced::Timer => Wake::Timer,
            Raced::Aborted | Raced::Rejected => Wake::Aborted,
        }
    }
}

/// How a raced promise ended.
pub enum Raced {
    Value(JsValue),
    Rejected,
    Timer,
    Aborted,
}

/// Awaits `promise`, but no longer than `ms` and not past an abort of `signal`: a custom
/// `fetch` that ignores its signal, or a body that stalls, cannot hold a call forever.
pub async fn race(promise: &Promise, ms: f64, signal: Option<&AbortSignal>) -> Raced {
    if signal.is_some_and(aborted) {
        return Raced::Aborted;
    }
    let guard = Slot::new();
    let _timer = Timer::start(&bind_arg(&guard.resolve, &JsValue::NULL, &TIMER.into()), ms);
    let _listener = signal.map(|s| Listener::add(s, bind_arg(&guard.resolve, &JsValue::NULL, &ABORT.into())));
    match JsFuture::from(Promise::race(&Array::of2(promise, &guard.promise))).await {
        Ok(v) => match v.as_f64() {
            Some(TIMER) => Raced::Timer,
            Some(ABORT) => Raced::Aborted,
            _ => Raced::Value(v),
        },
        Err(_) => Raced::Rejected,
    }
}

/// Sleeps `ms`, or less if `signal` aborts (then returns false).
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> bool {
    !matches!(Slot::new().wait(ms, signal).await, Wake::Aborted)
}

/// A `setTimeout` cleared on drop.
pub struct Timer(JsValue);

impl Timer {
    pub fn start(callback: &Function, ms: f64) -> Timer {
        Timer(set_timeout(callback, ms.clamp(0.0, 2_147_483_647.0)))
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        clear_timeout(&self.0);
    }
}

/// An `abort` listener removed on drop.
pub struct Listener<'a> {
    signal: &'a AbortSignal,
    f: Function,
}

impl<'a> Listener<'a> {
    pub fn add(signal: &'a AbortSignal, f: Function) -> Listener<'a> {
        let _ = signal.add_event_listener("abort", &f);
        Listener { signal, f }
    }
}

impl Drop for Listener<'_> {
    fn drop(&mut self) {
        let _ = self.signal.remove_event_listener("abort", &self.f);
    }
}

/// `signal.aborted`, false for anything that is not shaped like a signal.
pub fn aborted(signal: &AbortSignal) -> bool {
    signal.aborted_raw().map(|v| v.is_truthy()).unwrap_or(false)
}
