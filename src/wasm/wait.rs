//! Waiting without sharing promises across requests. Every wait is on a promise the waiting
//! call created itself (in its own request context, which matters on workerd); it ends when
//! someone calls the promise's resolve function, a timer fires, or the caller's signal
//! aborts. Timers (gloo-timers) and listeners are removed when the wait ends, so a finished
//! call leaves nothing behind that keeps a Node process alive.

use super::js::{bind_arg, Signal};
use gloo_timers::callback::Timeout;
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::EventTarget;

const TIMER: f64 = 1.0;
const ABORT: f64 = 2.0;

/// How a wait or a raced promise ended.
pub enum Raced {
    /// The value the promise (or the slot) resolved with.
    Value(JsValue),
    /// The promise rejected, with this reason.
    Rejected(JsValue),
    Timer,
    Aborted,
}

/// A promise of one's own and its resolve function (to hand to a leader as a waiter).
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

    /// Waits for the slot's value, at most `ms`, and not past an abort of `signal`: the
    /// timer and the listener resolve the slot itself (with their marker), so a wait costs
    /// one promise.
    pub async fn wait(self, ms: f64, signal: Option<&Signal>) -> Raced {
        if signal.is_some_and(aborted) {
            return Raced::Aborted;
        }
        let _armed = arm(&self.resolve, ms, signal);
        ended(JsFuture::from(self.promise).await)
    }
}

/// How a promise raced against a slot's markers ended.
fn ended(result: Result<JsValue, JsValue>) -> Raced {
    match result {
        Ok(v) => match v.as_f64() {
            Some(TIMER) => Raced::Timer,
            Some(ABORT) => Raced::Aborted,
            _ => Raced::Value(v),
        },
        Err(reason) => Raced::Rejected(reason),
    }
}

/// What ends a wait: a timer and, with a signal, an abort listener, each resolving `resolve`
/// with its marker; both removed on drop.
fn arm<'a>(resolve: &Function, ms: f64, signal: Option<&'a Signal>) -> (Timeout, Option<Listener<'a>>) {
    let listener = signal.map(|s| Listener::add(s, bind_arg(resolve, &JsValue::NULL, &ABORT.into())));
    (timer(resolve, TIMER, ms), listener)
}

/// A `setTimeout` (gloo-timers, cleared on drop) that resolves `slot` with `value`.
fn timer(resolve: &Function, value: f64, ms: f64) -> Timeout {
    let f = bind_arg(resolve, &JsValue::NULL, &value.into());
    // Whole milliseconds within setTimeout's range (a larger delay would fire at once).
    Timeout::new(ms.clamp(0.0, 2_147_483_647.0) as u32, move || {
        let _ = f.call0(&JsValue::NULL);
    })
}

/// A deadline and a caller's signal for a series of awaits (an attempt's fetch and each read
/// of its body): one timer and one listener resolve one guard, and every await is raced
/// against it. A custom `fetch` that ignores its signal, or a body that stalls, cannot hold
/// a call past the deadline.
pub struct Deadline<'a> {
    guard: Slot,
    aborted: bool,
    _armed: (Timeout, Option<Listener<'a>>),
}

impl<'a> Deadline<'a> {
    /// `ms` from now, or an abort of `signal`, whichever comes first.
    pub fn new(ms: f64, signal: Option<&'a Signal>) -> Deadline<'a> {
        let guard = Slot::new();
        let aborted = signal.is_some_and(aborted);
        let _armed = arm(&guard.resolve, ms, signal);
        Deadline { guard, aborted, _armed }
    }

    /// Awaits `promise`, but not past the deadline or the abort.
    pub async fn race(&self, promise: &Promise) -> Raced {
        if self.aborted {
            return Raced::Aborted;
        }
        ended(JsFuture::from(Promise::race(&Array::of2(promise, &self.guard.promise))).await)
    }
}

/// Sleeps `ms`, or less if `signal` aborts (then returns false).
pub async fn sleep(ms: f64, signal: Option<&Signal>) -> bool {
    !matches!(Slot::new().wait(ms, signal).await, Raced::Aborted)
}

/// An `abort` listener, removed on drop. A signal that is not an `EventTarget` (a caller's
/// look-alike) simply never calls it.
pub struct Listener<'a> {
    target: &'a EventTarget,
    f: Function,
}

impl<'a> Listener<'a> {
    pub fn add(signal: &'a Signal, f: Function) -> Listener<'a> {
        let target: &EventTarget = signal.unchecked_ref();
        let _ = target.add_event_listener_with_callback("abort", &f);
        Listener { target, f }
    }
}

impl Drop for Listener<'_> {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback("abort", &self.f);
    }
}

/// `signal.aborted`, false for anything that is not shaped like a signal.
pub fn aborted(signal: &Signal) -> bool {
    signal.aborted_raw().map(|v| v.is_truthy()).unwrap_or(false)
}
