//! The batch driver behind `tokens()` and `allTokens()`: hits from the cache, misses led
//! in `/oauthTokens` requests of at most `batchSize`, tenants already in flight (from other
//! calls) followed. A batch refused as a whole is split in halves (`retry::split_batch`).

use super::convert::{error_to_js, set};
use super::inner::{now, Inner, Outcome};
use super::js::Signal;
use super::reply;
use super::store::Shared;
use super::tasks::{bounded, BoxFuture};
use crate::tms::cache::dedupe;
use crate::tms::engine::Begin;
use crate::tms::error::{ErrorCode, TmsError};
use crate::tms::flights::FlightId;
use crate::tms::request::{batch_chunks, batch_request};
use crate::tms::retry;
use js_sys::{Function, Map, Object};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Batches in flight at once for one call.
pub const PARALLEL_REQUESTS: usize = 4;
/// Store reads (and leases) in flight at once for one call.
const STORE_PARALLEL: usize = 16;
/// Passes over tenants whose token expired while the call went on.
const ROUNDS: usize = 3;
/// Tenants begun at once in a pass: their flights, leads and batches exist together, and wasm
/// memory keeps its high-water mark for good (10 000 at once held ~1.5 MB more). A call for a
/// tenant not begun yet meanwhile simply leads its own flight, which the pass then follows.
const SLICE: usize = 2000;

type Results = Rc<RefCell<Vec<Option<Outcome>>>>;

/// A tenant this call leads: its place in the results, its flight, and (with a store) the
/// store key to write its token under and the lease to give back.
#[derive(Clone)]
struct Lead {
    i: usize,
    tenant: String,
    flight: FlightId,
    key: Option<String>,
    release: Option<JsValue>,
}
type Reporter = Rc<dyn Fn(usize)>;

fn put(results: &Results, i: usize, r: Outcome) {
    if let Some(slot) = results.borrow_mut().get_mut(i) {
        *slot = Some(r);
    }
}

impl Inner {
    /// `{ tokens: Map, errors: Map }` for `tenants` (each once), in input order.
    pub async fn tokens(
        self: Rc<Self>,
        tenants: Vec<String>,
        signal: Option<Signal>,
        progress: Option<Function>,
    ) -> JsValue {
        let tenants = dedupe(tenants);
        self.engine().expect(tenants.len());
        let total = tenants.len();
        let results: Results = Rc::new(RefCell::new(vec![None; total]));
        let done = Rc::new(Cell::new(0usize));
        let report: Reporter = Rc::new(move |n: usize| {
            done.set(done.get() + n);
            if let Some(f) = &progress {
                let o = Object::new();
                set(&o, "done", &JsValue::from(done.get() as u32));
                set(&o, "total", &JsValue::from(total as u32));
                let _ = f.call1(&JsValue::NULL, &o);
            }
        });
        if total == 0 {
            report(0);
        }
        // A long call (retries, throttling) can outlive a token it took from the cache at
        // the start: such tenants go round again, so no expired token is ever returned.
        // Every result is judged again after each round (not only the ones of the last round:
        // a token of the first round can expire while later rounds wait for others).
        let expired_now = |results: &Results| -> Vec<usize> {
            let t = now();
            (0..total).filter(|&i| matches!(results.borrow().get(i), Some(Some(Ok(s))) if s.expired(t))).collect()
        };
        let mut pending: Vec<usize> = (0..total).collect();
        for round in 0..ROUNDS {
            let reporter: Reporter = if round == 0 { report.clone() } else { Rc::new(|_| {}) };
            for slice in pending.chunks(SLICE) {
                self.clone().round(&tenants, slice, &results, signal.clone(), reporter.clone()).await;
            }
            pending = expired_now(&results);
            if pending.is_empty() {
                break;
            }
        }
        let late = TmsError::new(ErrorCode::Timeout, "the token expired before the call completed");
        let unfinished = TmsError::new(ErrorCode::Aborted, "not completed");
        let (ok, errors) = (Map::new(), Map::new());
        let t = now();
        for (tenant, r) in tenants.iter().zip(results.borrow().iter()) {
            let key = JsValue::from_str(tenant);
            match r {
                Some(Ok(s)) if s.expired(t) => errors.set(&key, &error_to_js(&late)),
                Some(Ok(s)) => ok.set(&key, &s.token),
                Some(Err(e)) => errors.set(&key, &error_to_js(e)),
                None => errors.set(&key, &error_to_js(&unfinished)),
            };
        }
        let out = Object::new();
        set(&out, "tokens", &ok);
        set(&out, "errors", &errors);
        out.into()
    }

    /// One pass over the tenants at `indices`.
    async fn round(
        self: Rc<Self>,
        tenants: &[String],
        indices: &[usize],
        results: &Results,
        signal: Option<Signal>,
        report: Reporter,
    ) {
        let t = now();
        let mut lead: Vec<Lead> = Vec::new();
        let mut follow: Vec<(usize, String)> = Vec::new();
        let mut hits = 0;
        for &i in indices {
            let Some(tenant) = tenants.get(i) else { continue };
            let begin = self.engine().begin(tenant, t, false);
            match begin {
                Begin::Hit(served) => {
                    self.hit_event(tenant);
                    put(results, i, Ok(served));
                    hits += 1;
                }
                Begin::Lead { flight, refresh } => {
                    self.start_event(tenant, refresh);
                    lead.push(Lead { i, tenant: tenant.clone(), flight, key: None, release: None });
                }
                Begin::Follow { .. } => follow.push((i, tenant.clone())),
            }
        }
        if hits > 0 {
            report(hits);
        }
        let lead = self.clone().from_store(lead, results, &report, signal.clone()).await;
        let mut tasks: Vec<BoxFuture<'static, ()>> = Vec::new();
        let chunks = batch_chunks(&self.config(), lead);
        for chunk in chunks {
            let (me, results, report, signal) = (self.clone(), results.clone(), report.clone(), signal.clone());
            tasks.push(Box::pin(async move {
                let settled = me.lead_batch(&chunk, signal.as_ref()).await;
                let n = settled.len();
                for (i, r) in settled {
                    put(&results, i, r);
                }
                report(n);
            }));
        }
        for (i, tenant) in follow {
            let (me, results, report, signal) = (self.clone(), results.clone(), report.clone(), signal.clone());
            tasks.push(Box::pin(async move {
                let r = me.token(&tenant, signal.as_ref(), false).await;
                put(&results, i, r);
                report(1);
            }));
        }
        bounded(tasks, PARALLEL_REQUESTS).await;
    }

    /// With a store, the shared tier first (the single-tenant protocol, tenant by tenant, in
    /// parallel): tenants served from it are done; the others come back to be batched, each
    /// with its store key and lease.
    async fn from_store(
        self: Rc<Self>,
        lead: Vec<Lead>,
        results: &Results,
        report: &Reporter,
        signal: Option<Signal>,
    ) -> Vec<Lead> {
        if self.store.is_none() || lead.is_empty() {
            return lead;
        }
        let rest: Rc<RefCell<Vec<Lead>>> = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<BoxFuture<'static, ()>> = lead
            .into_iter()
            .map(|l| {
                let (me, results, report, signal, rest) =
                    (self.clone(), results.clone(), report.clone(), signal.clone(), rest.clone());
                let task: BoxFuture<'static, ()> = Box::pin(async move {
                    match me.shared_step(&l.tenant, l.flight, signal.as_ref()).await {
                        Shared::Served(outcome) => {
                            put(&results, l.i, outcome);
                            report(1);
                        }
                        Shared::Request { key, release } => rest.borrow_mut().push(Lead { key, release, ..l }),
                    }
                });
                task
            })
            .collect();
        bounded(tasks, STORE_PARALLEL).await;
        let mut rest = std::mem::take(&mut *rest.borrow_mut());
        rest.sort_by_key(|l| l.i);
        rest
    }

    /// Leads one `/oauthTokens` request for `chunk`; a batch refused as a whole is split in
    /// two and each half led again.
    fn lead_batch<'a>(&'a self, chunk: &'a [Lead], signal: Option<&'a Signal>) -> BoxFuture<'a, Vec<(usize, Outcome)>> {
        Box::pin(async move {
            let tenants: Vec<String> = chunk.iter().map(|l| l.tenant.clone()).collect();
            let flights: Vec<(String, FlightId)> = chunk.iter().map(|l| (l.tenant.clone(), l.flight)).collect();
            let req = batch_request(&self.config(), &tenants);
            let parsed = match self.send(&req, &flights, signal).await {
                Ok(r) => reply::batch(&self.config(), &r, &tenants),
                Err(e) => Err(e),
            };
            if let Err(e) = &parsed {
                if retry::split_batch(e, chunk.len()) {
                    let (first, second) = chunk.split_at(chunk.len() / 2);
                    let mut out = self.lead_batch(first, signal).await;
                    out.extend(self.lead_batch(second, signal).await);
                    return out;
                }
            }
            let mut out = Vec::with_capacity(chunk.len());
            for (k, l) in chunk.iter().enumerate() {
                let (i, tenant, id) = (&l.i, &l.tenant, &l.flight);
                let grant = match &parsed {
                    Ok(list) => match list.get(k).cloned().unwrap_or(None) {
                        Some(g) => g,
                        // Left out of the response: asked for alone, so its answer decides
                        // (a 403 is TMS_UNAUTHORIZED, as from token()).
                        None => {
                            let r = self.request_one(tenant, *id, signal, l.key.clone(), l.release.clone()).await;
                            out.push((*i, r));
                            continue;
                        }
                    },
                    Err(e) => Err(e.clone()),
                };
                let grant = match grant {
                    Ok(g) => self.verified(g, &flights, signal).await,
                    Err(e) => Err(e),
                };
                let r = match &grant {
                    Ok(g) => Ok(self.settle_ok(tenant, *id, g)),
                    Err(e) => self.settle_err(tenant, *id, e.clone()),
                };
                self.write_and_release(tenant, l.key.clone(), l.release.clone(), grant.as_ref().ok()).await;
                out.push((*i, r));
            }
            out
        })
    }
}
