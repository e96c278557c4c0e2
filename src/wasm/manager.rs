//! `TokenManager`: the public class. Every decision comes from the core (`tms::*`); this
//! file sequences them around `fetch`, timers and promises.
//!
//! Exported methods take `&self`, return a `Promise`, and move an `Rc<Inner>` into the
//! future, so JS can call them concurrently; no `RefCell` borrow is held across an await.

use super::convert::{error_to_js, function_option, get, is_tms_error, raw_options, set, tenant_arg, token_object};
use super::events::{Event, Events, Stats};
use super::js::AbortSignal;
use super::transport::{self, Reply};
use super::wait::{Slot, Wake};
use crate::tms::cache::{timing, Cache, FastSet, Lookup};
use crate::tms::config::{env_options, Config, Raw};
use crate::tms::error::{ErrorCode, TmsError};
use crate::tms::flights::{FlightId, Flights, Join};
use crate::tms::request::{batch_chunks, batch_request, token_request, user_tenants_request, HttpRequest};
use crate::tms::response::{parse_batch, parse_page, parse_token, status_error, Grant};
use crate::tms::retry::{self, Decision};
use js_sys::{Array, Function, Map, Object, Promise};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// Batches (and `/userTenants` pages) in flight at once for one call.
const PARALLEL_REQUESTS: usize = 4;
/// Grace added to a flight's deadline beyond the leader's own timeout.
const LEASE_SLACK_MS: f64 = 1_000.0;
/// Passes of `tokens()` over tenants whose token expired while the call went on.
const TOKENS_ROUNDS: usize = 3;
/// Upper bound on `/userTenants` pages when the server sends no page object.
const MAX_PAGES: usize = 10_000;

type JsResult = Result<JsValue, JsValue>;
type Shared<T> = Rc<RefCell<T>>;
type PageResult = Result<Vec<String>, JsValue>;
type Reporter = Rc<dyn Fn(usize)>;
type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + 'a>>;

struct Inner {
    config: Config,
    fetch: Option<Function>,
    events: Events,
    stats: Stats,
    cache: RefCell<Cache<JsValue>>,
    flights: RefCell<Flights<Waiter>>,
    /// The last tenant argument of a `token()` hit, as given and as a key (see `token`).
    last_key: RefCell<(JsValue, String)>,
}

// The public class (docs in pkg-template/index.d.ts: wasm-bindgen would copy `///`
// comments into the JS glue, which ships).
#[wasm_bindgen]
pub struct TokenManager {
    inner: Rc<Inner>,
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn throw(e: TmsError) -> JsValue {
    error_to_js(&e)
}

fn signal_of(options: &JsValue) -> Option<AbortSignal> {
    let s = get(options, "signal");
    (s.is_object()).then(|| s.unchecked_into())
}

/// Boxed before spawning so that `future_to_promise` exists once in the `.wasm`, not once
/// per async block (that saved about 1 KB gzipped).
fn spawn<F: Future<Output = JsResult> + 'static>(f: F) -> Promise {
    let boxed: std::pin::Pin<Box<dyn Future<Output = JsResult>>> = Box::pin(f);
    future_to_promise(boxed)
}

/// Runs futures with at most `limit` in progress at a time.
async fn bounded<F: Future<Output = ()> + 'static>(tasks: Vec<F>, limit: usize) {
    let queue = Rc::new(RefCell::new(tasks.into_iter().map(Box::pin).collect::<VecDeque<_>>()));
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

/// A follower: the resolve function of a promise it created itself (in its own request
/// context), told the token, the error, or `undefined` for "look again".
struct Waiter(Function);

impl Waiter {
    fn tell(&self, value: &JsValue) {
        let _ = self.0.call1(&JsValue::NULL, value);
    }
}

/// How a followed flight ended for this caller.
enum Followed {
    Done(JsResult),
    /// The flight is ours to lead now (taken over after its deadline).
    Lead(FlightId),
    /// The flight is gone: look at the cache again.
    Recheck,
}

/// A cache lookup with the borrow already released, so that events (user callbacks, which
/// may call back into this manager) never run inside a `RefCell` borrow.
enum Cached {
    Fresh(JsValue),
    Stale,
    Miss,
}

impl Inner {
    fn lookup(&self, tenant: &str, now_ms: f64) -> Cached {
        match self.cache.borrow().lookup(tenant, now_ms) {
            Lookup::Fresh(t) => Cached::Fresh(t.clone()),
            Lookup::Stale(_) => Cached::Stale,
            Lookup::Miss => Cached::Miss,
        }
    }

    /// A fresh cached token as a resolved promise, with the borrow released on return.
    fn fresh_promise(&self, tenant: &str) -> Option<Promise> {
        match self.cache.borrow().lookup(tenant, now()) {
            Lookup::Fresh(token) => Some(Promise::resolve(token)),
            _ => None,
        }
    }

    fn lease(&self, from_ms: f64) -> f64 {
        from_ms + self.config.timeout_ms + LEASE_SLACK_MS
    }

    fn hit(&self, tenant: &str) {
        Stats::bump(&self.stats.hits);
        if self.events.enabled() {
            self.events.emit(Event { user_tenant: Some(tenant), ..Event::new("hit") });
        }
    }

    fn starting(&self, tenant: &str, refresh: bool) {
        if refresh {
            Stats::bump(&self.stats.refreshes);
        } else {
            Stats::bump(&self.stats.misses);
        }
        let kind = if refresh { "refresh" } else { "miss" };
        self.events.emit(Event { user_tenant: Some(tenant), ..Event::new(kind) });
    }

    /// A failure for `tenant`: reported, and replaced by the cached token while that is
    /// still valid. Failures themselves are never cached.
    fn fall_back(&self, tenant: &str, err: JsValue, code: Option<ErrorCode>) -> JsResult {
        if let Some(code) = code {
            Stats::bump(&self.stats.errors);
            self.events.emit(Event { user_tenant: Some(tenant), code: Some(code), ..Event::new("error") });
        }
        match self.cache.borrow().valid(tenant, now()) {
            Some(t) => Ok(t.clone()),
            None => Err(err),
        }
    }

    /// Sends `req` with bounded retries; keeps the flights of `tenants` alive meanwhile.
    async fn send(
        &self,
        req: &HttpRequest,
        flights: &[(String, FlightId)],
        signal: Option<&AbortSignal>,
    ) -> Result<Reply, TmsError> {
        let tenants: Vec<String> = flights.iter().map(|(t, _)| t.clone()).collect();
        let renew = |deadline: f64| {
            let mut f = self.flights.borrow_mut();
            for (t, id) in flights {
                f.renew(t, *id, deadline);
            }
        };
        let mut attempt = 0u32;
        loop {
            let started = now();
            renew(self.lease(started));
            self.events.emit(Event { attempt: Some(attempt), ..Event::new("request").tenants(&tenants) });
            Stats::bump(&self.stats.upstream_requests);
            let result = transport::attempt(self.fetch.as_ref(), req, self.config.timeout_ms, signal).await;
            let ended = now();
            let status = result.as_ref().ok().map(|r| r.status);
            self.events.emit(Event {
                status,
                attempt: Some(attempt),
                duration_ms: Some(ended - started),
                ..Event::new("response").tenants(&tenants)
            });
            let err = match result {
                Ok(reply) if (200..300).contains(&reply.status) => return Ok(reply),
                Ok(reply) => status_error(req.endpoint, reply.status, &reply.body, reply.retry_after.as_deref(), ended),
                Err(e) => e,
            };
            match retry::decide(self.config.retries, attempt, &err, js_sys::Math::random()) {
                Decision::GiveUp => return Err(err),
                Decision::Retry { delay_ms } => {
                    attempt += 1;
                    self.events.emit(Event {
                        status: err.status,
                        code: Some(err.code),
                        attempt: Some(attempt),
                        ..Event::new("retry").tenants(&tenants)
                    });
                    renew(self.lease(now() + delay_ms));
                    if !super::wait::sleep(delay_ms, signal).await {
                        return Err(TmsError::new(
                            ErrorCode::Aborted,
                            format!("{} was aborted by the caller", req.endpoint.label()),
                        ));
                    }
                }
            }
        }
    }

    /// Caches a grant, ends its flight, and hands the token to the flight's waiters.
    fn settle_ok(&self, tenant: &str, id: FlightId, grant: &Grant) -> JsValue {
        let token = token_object(grant, tenant, &self.config.host_tenant);
        let t = timing(
            now(),
            grant.expires_at_ms,
            grant.lifetime_ms,
            self.config.refresh_before_expiry_ms,
            js_sys::Math::random(),
        );
        self.cache.borrow_mut().insert(tenant, token.clone(), t);
        let waiters = self.flights.borrow_mut().land(tenant, id);
        for w in waiters {
            w.tell(&token);
        }
        token
    }

    /// Ends a flight that failed. An aborted leader wakes its waiters to look again instead:
    /// the abort was its caller's, not theirs.
    fn settle_err(&self, tenant: &str, id: FlightId, err: &TmsError) -> JsResult {
        let js = error_to_js(err);
        if err.code == ErrorCode::Aborted {
            let waiters = self.flights.borrow_mut().dissolve(tenant, id);
            for w in waiters {
                w.tell(&JsValue::UNDEFINED);
            }
            return Err(js);
        }
        let waiters = self.flights.borrow_mut().land(tenant, id);
        for w in waiters {
            w.tell(&js);
        }
        self.fall_back(tenant, js, Some(err.code))
    }

    async fn lead_one(&self, tenant: &str, id: FlightId, signal: Option<&AbortSignal>) -> JsResult {
        let req = token_request(&self.config, tenant);
        let flights = [(tenant.to_string(), id)];
        let grant = match self.send(&req, &flights, signal).await {
            Ok(reply) => parse_token(&reply.body, tenant, reply.sent_at_ms, now()),
            Err(e) => Err(e),
        };
        match grant {
            Ok(g) => Ok(self.settle_ok(tenant, id, &g)),
            Err(e) => self.settle_err(tenant, id, &e),
        }
    }

    async fn follow(&self, tenant: &str, id: FlightId, signal: Option<&AbortSignal>) -> Followed {
        let slot = Slot::new();
        let (key, deadline) = {
            let mut flights = self.flights.borrow_mut();
            let Ok(key) = flights.wait(tenant, id, Waiter(slot.resolver())) else {
                return Followed::Recheck;
            };
            (key, flights.current(tenant).map_or(now(), |(_, d)| d))
        };
        match slot.wait((deadline - now()).max(0.0) + 1.0, signal).await {
            Wake::Aborted => {
                // Leave, so that nobody resolves into a request that is gone.
                self.flights.borrow_mut().leave(tenant, key);
                Followed::Done(Err(throw(TmsError::new(ErrorCode::Aborted, "aborted by the caller"))))
            }
            // The leader's caller aborted: look again (the first to get here leads).
            Wake::Value(v) if v.is_undefined() => Followed::Recheck,
            Wake::Value(v) if is_tms_error(&v) => Followed::Done(self.fall_back(tenant, v, None)),
            Wake::Value(token) => Followed::Done(Ok(token)),
            Wake::Timer => {
                // The leader did not renew in time: its context may be gone. Take over if
                // the flight is still that one and overdue; otherwise look again (and
                // register anew, so this waiter leaves first).
                let mut flights = self.flights.borrow_mut();
                flights.leave(tenant, key);
                match flights.current(tenant) {
                    Some((cur, d)) if cur == id && now() >= d => {
                        Followed::Lead(flights.start(tenant, self.lease(now())))
                    }
                    _ => Followed::Recheck,
                }
            }
        }
    }

    async fn token(self: Rc<Self>, tenant: String, signal: Option<AbortSignal>, force: bool) -> JsResult {
        let signal = signal.as_ref();
        let mut force = force;
        loop {
            let t = now();
            let mut refresh = false;
            if !force {
                match self.lookup(&tenant, t) {
                    Cached::Fresh(token) => {
                        self.hit(&tenant);
                        return Ok(token);
                    }
                    Cached::Stale => refresh = true,
                    Cached::Miss => {}
                }
            }
            let join = if force {
                force = false;
                Join::Lead(self.flights.borrow_mut().start(&tenant, self.lease(t)))
            } else {
                self.flights.borrow_mut().join(&tenant, t, self.lease(t))
            };
            let id = match join {
                Join::Lead(id) => {
                    self.starting(&tenant, refresh);
                    id
                }
                Join::Follow(id) => match self.follow(&tenant, id, signal).await {
                    Followed::Done(r) => return r,
                    Followed::Recheck => continue,
                    Followed::Lead(id) => id,
                },
            };
            // A taken-over flight is led like a fresh one.
            return self.lead_one(&tenant, id, signal).await;
        }
    }

    /// `tokens()`: hits from the cache, misses led in batches, and tenants already in
    /// flight (from other calls) followed. Results in input order.
    async fn tokens(
        self: Rc<Self>,
        tenants: Vec<String>,
        signal: Option<AbortSignal>,
        progress: Option<Function>,
    ) -> JsValue {
        let mut seen = FastSet::default();
        let tenants: Vec<String> = tenants.into_iter().filter(|t| seen.insert(t.clone())).collect();
        let total = tenants.len();
        let results: Shared<Vec<Option<JsResult>>> = Rc::new(RefCell::new(vec![None; total]));
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
        let mut pending: Vec<usize> = (0..total).collect();
        for round in 0..TOKENS_ROUNDS {
            let reporter: Reporter = if round == 0 { report.clone() } else { Rc::new(|_| {}) };
            self.clone().tokens_round(&tenants, &pending, &results, signal.clone(), reporter).await;
            let t = now();
            let expired =
                |r: &Option<JsResult>| matches!(r, Some(Ok(tok)) if get(tok, "expiresAt").as_f64().unwrap_or(0.0) <= t);
            pending.retain(|i| results.borrow().get(*i).is_some_and(expired));
            if pending.is_empty() {
                break;
            }
        }
        let late = || throw(TmsError::new(ErrorCode::Timeout, "the token expired before the call completed"));
        let (ok, errors) = (Map::new(), Map::new());
        let results = results.borrow();
        for (i, (tenant, r)) in tenants.iter().zip(results.iter()).enumerate() {
            let key = JsValue::from_str(tenant);
            match r {
                Some(Ok(_)) if pending.contains(&i) => errors.set(&key, &late()),
                Some(Ok(token)) => ok.set(&key, token),
                Some(Err(e)) => errors.set(&key, e),
                None => errors.set(&key, &throw(TmsError::new(ErrorCode::Aborted, "not completed"))),
            };
        }
        let out = Object::new();
        set(&out, "tokens", &ok);
        set(&out, "errors", &errors);
        out.into()
    }

    /// One pass of `tokens()` over the tenants at `indices`: hits from the cache, misses led
    /// in batches, tenants already in flight (from other calls) followed.
    async fn tokens_round(
        self: Rc<Self>,
        tenants: &[String],
        indices: &[usize],
        results: &Shared<Vec<Option<JsResult>>>,
        signal: Option<AbortSignal>,
        report: Reporter,
    ) {
        let put = |results: &RefCell<Vec<Option<JsResult>>>, i: usize, r: JsResult| {
            if let Some(slot) = results.borrow_mut().get_mut(i) {
                *slot = Some(r);
            }
        };
        let t = now();
        let mut lead: Vec<(usize, String, FlightId)> = Vec::new();
        let mut follow: Vec<(usize, String)> = Vec::new();
        let mut hits = 0;
        for &i in indices {
            let Some(tenant) = tenants.get(i) else { continue };
            let refresh = match self.lookup(tenant, t) {
                Cached::Fresh(token) => {
                    self.hit(tenant);
                    put(results, i, Ok(token));
                    hits += 1;
                    continue;
                }
                Cached::Stale => true,
                Cached::Miss => false,
            };
            let join = self.flights.borrow_mut().join(tenant, t, self.lease(t));
            match join {
                Join::Lead(id) => {
                    self.starting(tenant, refresh);
                    lead.push((i, tenant.clone(), id));
                }
                Join::Follow(_) => follow.push((i, tenant.clone())),
            }
        }
        if hits > 0 {
            report(hits);
        }

        let mut tasks: Vec<std::pin::Pin<Box<dyn Future<Output = ()>>>> = Vec::new();
        for chunk in batch_chunks(&self.config, &lead) {
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
                let r = me.token(tenant, signal, false).await;
                put(&results, i, r);
                report(1);
            }));
        }
        bounded(tasks, PARALLEL_REQUESTS).await;
    }

    /// Leads one `/oauthTokens` request for `chunk`; a batch refused as a whole is split in
    /// two and each half led again (see `retry::split_batch`).
    fn lead_batch<'a>(
        &'a self,
        chunk: &'a [(usize, String, FlightId)],
        signal: Option<&'a AbortSignal>,
    ) -> BoxFuture<'a, Vec<(usize, JsResult)>> {
        Box::pin(async move {
            let tenants: Vec<String> = chunk.iter().map(|(_, t, _)| t.clone()).collect();
            let flights: Vec<(String, FlightId)> = chunk.iter().map(|(_, t, id)| (t.clone(), *id)).collect();
            let req = batch_request(&self.config, &tenants);
            let parsed = match self.send(&req, &flights, signal).await {
                Ok(reply) => parse_batch(&reply.body, &tenants, reply.sent_at_ms, now()),
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
            chunk
                .iter()
                .enumerate()
                .map(|(k, (i, tenant, id))| {
                    let r = match &parsed {
                        Ok(list) => match list.get(k) {
                            Some(Ok(g)) => Ok(self.settle_ok(tenant, *id, g)),
                            Some(Err(e)) => self.settle_err(tenant, *id, e),
                            None => self.settle_err(
                                tenant,
                                *id,
                                &TmsError::new(ErrorCode::InvalidResponse, "batch result missing"),
                            ),
                        },
                        Err(e) => self.settle_err(tenant, *id, e),
                    };
                    (*i, r)
                })
                .collect()
        })
    }

    /// A server rejected `token` with 401: drop it if it is still the cached one (another
    /// call may have replaced it already), so the next `token()` gets a newer one.
    fn forget_rejected(&self, tenant: &str, token: &JsValue) {
        let same = match self.cache.borrow().lookup(tenant, now()) {
            Lookup::Fresh(t) | Lookup::Stale(t) => t == token,
            Lookup::Miss => false,
        };
        if same {
            self.cache.borrow_mut().remove(tenant);
        }
    }

    /// Every page of `/userTenants`, with the operator token; stops by `totalPages`. A 401
    /// on the first page (the operator token was revoked) is retried once with a new one.
    async fn user_tenants(self: Rc<Self>, signal: Option<AbortSignal>) -> Result<Vec<String>, JsValue> {
        let host = self.config.host_tenant.clone();
        let mut retried = false;
        let (first, bearer) = loop {
            let operator = self.clone().token(host.clone(), signal.clone(), false).await?;
            let bearer = get(&operator, "accessToken").as_string().unwrap_or_default();
            match self.page(0, &bearer, signal.as_ref()).await {
                Ok(first) => break (first, bearer),
                Err(e) if !retried && get(&e, "status").as_f64() == Some(401.0) => {
                    retried = true;
                    self.forget_rejected(&host, &operator);
                }
                Err(e) => return Err(e),
            }
        };
        let mut pages = vec![first.tenants];
        match first.total_pages {
            Some(total) => {
                // Pages after the first are fetched in parallel and kept in page order.
                let rest: Shared<Vec<Option<PageResult>>> =
                    Rc::new(RefCell::new(vec![None; total.clamp(1, MAX_PAGES) - 1]));
                let tasks: Vec<_> = (1..total.min(MAX_PAGES))
                    .map(|n| {
                        let (me, rest, bearer, signal) = (self.clone(), rest.clone(), bearer.clone(), signal.clone());
                        async move {
                            let r = me.page(n, &bearer, signal.as_ref()).await.map(|p| p.tenants);
                            if let Some(slot) = rest.borrow_mut().get_mut(n - 1) {
                                *slot = Some(r);
                            }
                        }
                    })
                    .collect();
                bounded(tasks, PARALLEL_REQUESTS).await;
                let rest = std::mem::take(&mut *rest.borrow_mut());
                for r in rest.into_iter().flatten() {
                    pages.push(r?);
                }
            }
            None => {
                // No page object: a short page is the last one.
                let mut n = 1;
                while pages.last().is_some_and(|p| p.len() >= self.config.page_size) && n < MAX_PAGES {
                    pages.push(self.page(n, &bearer, signal.as_ref()).await?.tenants);
                    n += 1;
                }
            }
        }
        let mut seen = FastSet::default();
        Ok(pages.into_iter().flatten().filter(|t| seen.insert(t.clone())).collect())
    }

    async fn page(
        &self,
        n: usize,
        bearer: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<crate::tms::response::Page, JsValue> {
        let req = user_tenants_request(&self.config, n, bearer);
        let reply = self.send(&req, &[], signal).await.map_err(throw)?;
        parse_page(&reply.body).map_err(throw)
    }
}

#[wasm_bindgen]
impl TokenManager {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<TokenManager, JsValue> {
        if !options.is_object() {
            return Err(throw(TmsError::new(ErrorCode::Config, "options must be an object")));
        }
        let config = Config::new(&raw_options(&options)).map_err(throw)?;
        let fetch = function_option(&options, "fetch").map_err(throw)?;
        let on_event = function_option(&options, "onEvent").map_err(throw)?;
        let max_entries = config.max_entries;
        Ok(TokenManager {
            inner: Rc::new(Inner {
                config,
                fetch,
                events: Events::new(on_event),
                stats: Stats::default(),
                cache: RefCell::new(Cache::new(max_entries)),
                flights: RefCell::new(Flights::default()),
                last_key: RefCell::new((JsValue::NULL, String::new())),
            }),
        })
    }

    /// Options from `MDSP_*` environment variables; `overrides` win.
    #[wasm_bindgen(js_name = fromEnv)]
    pub fn from_env(env: JsValue, overrides: JsValue) -> Result<TokenManager, JsValue> {
        let env =
            if env.is_undefined() || env.is_null() { get(&get(&js_sys::global(), "process"), "env") } else { env };
        let options = Object::new();
        for (name, value) in env_options(|k| get(&env, k).as_string()) {
            set(&options, name, &JsValue::from_str(&value));
        }
        if overrides.is_object() {
            // An explicit region/domain beats an environment gateway, and the reverse.
            let has = |k: &str| !get(&overrides, k).is_undefined();
            if has("region") || has("domain") {
                let _ = js_sys::Reflect::delete_property(&options, &JsValue::from_str("gateway"));
            }
            Object::assign(&options, &overrides.clone().unchecked_into());
        }
        TokenManager::new(options.into())
    }

    /// `token(userTenant?, { signal?, forceRefresh? }?) → Promise<Token>`. A cache hit
    /// resolves with the cached object itself, without entering the async machinery.
    pub fn token(&self, user_tenant: JsValue, options: Option<Object>) -> Promise {
        // The hit path first, with as few JS calls as possible: the tenant key is reused
        // when the caller passes the same value as last time (one `===` instead of moving
        // a string into wasm memory), nothing is validated (an invalid id is never cached),
        // and the token leaves as the JS object that was cached.
        if options.is_none() {
            let memo = self.inner.last_key.borrow();
            if memo.0 == user_tenant {
                if let Some(promise) = self.inner.fresh_promise(&memo.1) {
                    // Listeners may call back into this manager: no borrow while they run.
                    let tenant = if self.inner.events.enabled() { memo.1.clone() } else { String::new() };
                    drop(memo);
                    self.inner.hit(&tenant);
                    return promise;
                }
            }
        }
        let tenant = match user_tenant.as_string() {
            Some(t) => t,
            None if user_tenant.is_undefined() || user_tenant.is_null() => self.inner.config.user_tenant.clone(),
            None => return Promise::reject(&throw(TmsError::config("userTenant", "must be a string"))),
        };
        let force = options.as_ref().is_some_and(|o| get(o, "forceRefresh").is_truthy());
        let options = options.map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
        if !force {
            if let Some(promise) = self.inner.fresh_promise(&tenant) {
                *self.inner.last_key.borrow_mut() = (user_tenant, tenant.clone());
                self.inner.hit(&tenant);
                return promise;
            }
        }
        let tenant = match crate::tms::config::tenant("userTenant", &Raw::Text(tenant)) {
            Ok(t) => t,
            Err(e) => return Promise::reject(&throw(e)),
        };
        let inner = self.inner.clone();
        let signal = signal_of(&options);
        spawn(async move { inner.token(tenant, signal, force).await })
    }

    /// `tokens(userTenants, { signal? }?) → Promise<{ tokens: Map, errors: Map }>`.
    pub fn tokens(&self, user_tenants: JsValue, options: JsValue) -> Promise {
        let Some(list) = user_tenants.dyn_ref::<Array>() else {
            return Promise::reject(&throw(TmsError::new(
                ErrorCode::Config,
                "userTenants must be an array of strings",
            )));
        };
        let tenants: Result<Vec<String>, TmsError> = list.iter().map(|t| tenant_arg(&t, "userTenants")).collect();
        let tenants = match tenants {
            Ok(t) => t,
            Err(e) => return Promise::reject(&throw(e)),
        };
        let inner = self.inner.clone();
        let signal = signal_of(&options);
        spawn(async move { Ok(inner.tokens(tenants, signal, None).await) })
    }

    /// `userTenants({ signal? }?) → Promise<string[]>`.
    #[wasm_bindgen(js_name = userTenants)]
    pub fn user_tenants(&self, options: JsValue) -> Promise {
        let inner = self.inner.clone();
        let signal = signal_of(&options);
        spawn(async move {
            let list = inner.user_tenants(signal).await?;
            Ok(list.iter().map(|t| JsValue::from_str(t)).collect::<Array>().into())
        })
    }

    /// `allTokens({ signal?, onProgress? }?)`: operator token, every page of tenants, then
    /// tokens for all of them in batches.
    #[wasm_bindgen(js_name = allTokens)]
    pub fn all_tokens(&self, options: JsValue) -> Promise {
        let progress = match function_option(&options, "onProgress") {
            Ok(p) => p,
            Err(e) => return Promise::reject(&throw(e)),
        };
        let inner = self.inner.clone();
        let signal = signal_of(&options);
        spawn(async move {
            let tenants = inner.clone().user_tenants(signal.clone()).await?;
            Ok(inner.tokens(tenants, signal, progress).await)
        })
    }

    /// `fetch(userTenant, input, init?)`: calls an API with the tenant's bearer token; on a
    /// 401 drops that token and tries once more with a new one (when the body can be sent
    /// again).
    pub fn fetch(&self, user_tenant: JsValue, input: JsValue, init: JsValue) -> Promise {
        let tenant = match tenant_arg(&user_tenant, "userTenant") {
            Ok(t) => t,
            Err(e) => return Promise::reject(&throw(e)),
        };
        let inner = self.inner.clone();
        spawn(async move {
            let signal = signal_of(&init);
            let token = JsFuture::from(TokenManager::promise_token(&inner, &tenant, signal.clone(), false)).await?;
            let resp = api_fetch(&inner, &input, &init, &token).await?;
            let unauthorized = get(&resp, "status").as_f64() == Some(401.0);
            if !unauthorized || !replayable(&input, &init) {
                return Ok(resp);
            }
            inner.forget_rejected(&tenant, &token);
            let token = JsFuture::from(TokenManager::promise_token(&inner, &tenant, signal, false)).await?;
            api_fetch(&inner, &input, &init, &token).await
        })
    }

    /// `invalidate(userTenant?)`: drops one cached token, or all.
    pub fn invalidate(&self, user_tenant: JsValue) {
        match user_tenant.as_string() {
            Some(t) => self.inner.cache.borrow_mut().remove(&t),
            None => self.inner.cache.borrow_mut().clear(),
        }
    }

    /// `stats() → { hits, misses, upstreamRequests, refreshes, errors, entries }`.
    pub fn stats(&self) -> JsValue {
        self.inner.stats.to_js(self.inner.cache.borrow().len())
    }
}

impl TokenManager {
    fn promise_token(inner: &Rc<Inner>, tenant: &str, signal: Option<AbortSignal>, force: bool) -> Promise {
        let inner = inner.clone();
        let tenant = tenant.to_string();
        spawn(async move { inner.token(tenant, signal, force).await })
    }
}

/// A request body that can be sent twice: absent, or not a stream; and no `Request` input
/// with a body of its own.
fn replayable(input: &JsValue, init: &JsValue) -> bool {
    let body = get(init, "body");
    let stream = get(&body, "getReader").is_function();
    let request_body = get(input, "body");
    !stream && (request_body.is_undefined() || request_body.is_null())
}

async fn api_fetch(inner: &Inner, input: &JsValue, init: &JsValue, token: &JsValue) -> JsResult {
    let access = get(token, "accessToken").as_string().unwrap_or_default();
    let base_headers = match get(init, "headers") {
        h if !h.is_undefined() => h,
        _ => get(input, "headers"),
    };
    let headers = super::js::Headers::new(&base_headers)?;
    headers.set("Authorization", &format!("Bearer {access}"))?;
    let init2 = Object::new();
    if init.is_object() {
        Object::assign(&init2, &init.clone().unchecked_into());
    }
    set(&init2, "headers", &headers);
    let promise = super::js::call_fetch(inner.fetch.as_ref(), input, &init2)?;
    JsFuture::from(promise).await
}
