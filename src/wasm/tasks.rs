//! Task helpers: spawning a future as a promise, and running several with a bound.

use js_sys::{Array, Promise};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

pub type JsResult = Result<JsValue, JsValue>;
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Boxed before spawning so that `future_to_promise` exists once in the `.wasm`, not once
/// per async block (that saved about 1 KB gzipped).
pub fn spawn<F: Future<Output = JsResult> + 'static>(f: F) -> Promise {
    let boxed: Pin<Box<dyn Future<Output = JsResult>>> = Box::pin(f);
    future_to_promise(boxed)
}

/// Runs futures with at most `limit` in progress at a time.
pub async fn bounded(tasks: Vec<BoxFuture<'static, ()>>, limit: usize) {
    let queue = Rc::new(RefCell::new(tasks.into_iter().collect::<VecDeque<_>>()));
    let workers: Array = (0..limit.max(1))
        .map(|_| {
            let q = queue.clone();
            JsValue::from(spawn(async move {
                loop {
                    let next = q.borrow_mut().pop_front();
                    match next {
                        Some(task) => task.await,
                        None => return Ok(JsValue::UNDEFINED),
                    }
                }
            }))
        })
        .collect();
    let _ = JsFuture::from(Promise::all(&workers)).await;
}
