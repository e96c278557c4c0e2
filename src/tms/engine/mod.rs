//! The engine: one synchronous, sans-IO state machine that owns the cache, the flights, the
//! refresh back-off and the throttle pause, and answers "what next" for every call. The
//! shell (`src/wasm/`) only carries its answers out — sends the request it names, waits as
//! long as it says, hands tokens to the waiters it returns — and reports back. Time (`now`,
//! ms since the epoch) and random numbers in [0, 1) are parameters, so every behaviour is
//! tested natively with a manual clock (`tests.rs`).
//!
//! Generic over the token value `T` the shell hands out (the frozen JS `Token` object, so a
//! hit returns the same value without re-encoding anything) and the waiter `W` (the resolve
//! function of a promise a follower created itself: on workerd every request only ever
//! awaits its own promises).

mod pages;
#[cfg(test)]
mod tests;

pub use pages::{Listing, MAX_PAGES};

use super::cache::{timing, Cache, FastMap, Lookup, Timing};
use super::config::Config;
use super::error::{ErrorCode, TmsError};
use super::flights::{FlightId, Flights, Join, WaiterKey};
use super::keys::KeySet;
use super::response::Grant;
use super::retry::{self, Decision};

/// Grace added to a flight's deadline beyond the leader's own timeout.
pub const LEASE_SLACK_MS: f64 = 1_000.0;
/// The longest throttle pause kept from one `Retry-After` (a server that asks for hours
/// would otherwise stop the manager for hours).
pub const MAX_PAUSE_MS: f64 = 600_000.0;

/// A token handed out, with its expiry (so a long call can tell it expired meanwhile).
#[derive(Clone, Debug, PartialEq)]
pub struct Served<T> {
    pub token: T,
    pub expires_at_ms: f64,
    /// Past this it is not handed out any more (`cache::guard_ms`).
    pub usable_until_ms: f64,
}

/// What to do for a call for one tenant.
#[derive(Debug, PartialEq)]
pub enum Begin<T> {
    /// Serve this cached token (counted as a hit).
    Hit(Served<T>),
    /// Request the token and report with `landed_ok` / `landed_err`. `refresh`: a cached
    /// token is still valid (refresh-ahead), else a miss.
    Lead { flight: FlightId, refresh: bool },
    /// Another call is requesting it: register with `wait`, then wait at most until
    /// `deadline_ms` (then `overdue`).
    Follow { flight: FlightId },
}

/// Before an upstream attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum Gate {
    Go,
    /// The manager is paused by a 429: wait this long, then ask again.
    Wait {
        ms: f64,
    },
    /// Paused for longer than is waited for: fail with this `TMS_THROTTLED`.
    Fail(TmsError),
}

/// A follower whose wait ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overdue {
    /// The flight was abandoned: lead it (taken over).
    Lead(FlightId),
    /// It moved on: `begin` again.
    Again,
}

/// How a failed flight ended.
pub struct Failed<T, W> {
    /// Waiters to tell the error (they call `fall_back`), or to wake to look again (`recheck`).
    pub waiters: Vec<W>,
    /// The leader's caller aborted: its waiters must `begin` again, not fail.
    pub recheck: bool,
    /// What the leader's own call returns: the cached token while it is valid, else the error.
    pub result: Result<Served<T>, TmsError>,
    /// Whether this failure is reported (`error` event): not for the caller's own abort.
    pub reported: bool,
}

/// Counters behind `stats()`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    pub hits: u64,
    pub misses: u64,
    pub upstream_requests: u64,
    pub refreshes: u64,
    pub errors: u64,
    /// With a `store`: tokens taken from it, reads that found none usable, failed calls.
    pub store_hits: u64,
    pub store_misses: u64,
    pub store_errors: u64,
}

/// Refresh back-off of one tenant: failed refreshes in a row, and when the next may start.
#[derive(Clone, Copy, Debug)]
struct Backoff {
    failures: u32,
    next_at_ms: f64,
}

pub struct Engine<T, W> {
    pub config: Config,
    cache: Cache<T>,
    flights: Flights<W>,
    backoff: FastMap<Backoff>,
    /// Until when every upstream request waits (a 429's `Retry-After`).
    paused_until_ms: f64,
    /// The signing keys for `verify`; fetched in a flight of their own (`KEYS_FLIGHT`).
    pub keys: KeySet,
    pub stats: Stats,
}

/// The flight name of a key-set fetch. Tenant ids cannot hold control characters, so it
/// never meets a tenant's flight.
pub const KEYS_FLIGHT: &str = "\u{0}keys";

impl<T: Clone + PartialEq, W> Engine<T, W> {
    pub fn new(config: Config) -> Self {
        let max = config.max_entries;
        Engine {
            config,
            cache: Cache::new(max),
            flights: Flights::default(),
            backoff: FastMap::default(),
            paused_until_ms: 0.0,
            keys: KeySet::default(),
            stats: Stats::default(),
        }
    }

    /// A flight's deadline when its leader is busy until `busy_until_ms`.
    pub fn lease(&self, busy_until_ms: f64) -> f64 {
        busy_until_ms + self.config.timeout_ms + LEASE_SLACK_MS
    }

    fn served(entry_token: &T, t: &Timing) -> Served<T> {
        Served { token: entry_token.clone(), expires_at_ms: t.expires_at_ms, usable_until_ms: t.usable_until() }
    }

    /// A fresh token for `tenant`, if any: the hit path (counted).
    pub fn hit(&mut self, tenant: &str, now_ms: f64) -> Option<Served<T>> {
        let entry = self.cache.entry(tenant)?;
        let served = match entry.timing.freshness(now_ms) {
            super::cache::Freshness::Fresh => Some(Self::served(&entry.token, &entry.timing)),
            // Past the refresh point, but a refresh must not start yet (back-off after a
            // failed one, or the manager is paused): the valid token is served as it is.
            super::cache::Freshness::RefreshAhead if self.holding(tenant, now_ms) => {
                Some(Self::served(&entry.token, &entry.timing))
            }
            _ => None,
        }?;
        self.stats.hits += 1;
        Some(served)
    }

    fn holding(&self, tenant: &str, now_ms: f64) -> bool {
        now_ms < self.paused_until_ms || self.backoff.get(tenant).is_some_and(|b| now_ms < b.next_at_ms)
    }

    /// What to do for a call for `tenant`; `force` skips the cache and any flight.
    pub fn begin(&mut self, tenant: &str, now_ms: f64, force: bool) -> Begin<T> {
        if !force {
            if let Some(s) = self.hit(tenant, now_ms) {
                return Begin::Hit(s);
            }
        }
        let refresh = !force && matches!(self.cache.lookup(tenant, now_ms), Lookup::Fresh(_) | Lookup::Stale(_));
        let deadline = self.lease(now_ms);
        let join = if force {
            Join::Lead(self.flights.start(tenant, deadline))
        } else {
            self.flights.join(tenant, now_ms, deadline)
        };
        match join {
            Join::Lead(flight) => {
                self.count_start(refresh);
                Begin::Lead { flight, refresh }
            }
            Join::Follow(flight) => Begin::Follow { flight },
        }
    }

    fn count_start(&mut self, refresh: bool) {
        if refresh {
            self.stats.refreshes += 1;
        } else {
            self.stats.misses += 1;
        }
    }

    /// A key-set fetch is needed: lead it, or follow the one in progress (concurrent
    /// callers share one request). Land it with `keys_landed`.
    pub fn keys_begin(&mut self, now_ms: f64) -> Begin<T> {
        match self.flights.join(KEYS_FLIGHT, now_ms, self.lease(now_ms)) {
            Join::Lead(flight) => Begin::Lead { flight, refresh: false },
            Join::Follow(flight) => Begin::Follow { flight },
        }
    }

    /// A key-set fetch ended: the keys are kept (a failure is not), its waiters returned.
    pub fn keys_landed(&mut self, flight: FlightId, jwks: Option<&[super::wire::Jwk]>, now_ms: f64) -> Vec<W> {
        if let Some(jwks) = jwks {
            self.keys.stored(jwks, now_ms);
        }
        self.flights.land(KEYS_FLIGHT, flight)
    }

    /// Registers a follower of `flight`; `None` if that flight is gone (then `begin` again).
    /// Returns its key and how long to wait before `overdue`.
    pub fn wait(&mut self, tenant: &str, flight: FlightId, waiter: W, now_ms: f64) -> Option<(WaiterKey, f64)> {
        let key = self.flights.wait(tenant, flight, waiter).ok()?;
        let deadline = self.flights.current(tenant).map_or(now_ms, |(_, d)| d);
        // Never longer than a leader can legitimately be busy (a clock turned back would
        // otherwise stretch it); a follower woken early looks again.
        let longest = self.lease(retry::MAX_RETRY_AFTER_S * 1000.0);
        Some((key, (deadline - now_ms).clamp(0.0, longest) + 1.0))
    }

    /// A follower stops waiting (its caller aborted): nobody resolves into a call that is
    /// gone (on workerd resolving into a cancelled request logs a warning).
    pub fn leave(&mut self, tenant: &str, key: WaiterKey) {
        self.flights.leave(tenant, key);
    }

    /// A follower's wait ran out: take the flight over if it is still that one and past
    /// its deadline (the leader's request context may be gone), else look again.
    pub fn overdue(&mut self, tenant: &str, flight: FlightId, key: WaiterKey, now_ms: f64) -> Overdue {
        self.flights.leave(tenant, key);
        match self.flights.current(tenant) {
            Some((cur, d)) if cur == flight && now_ms >= d => {
                let id = self.flights.start(tenant, self.lease(now_ms));
                Overdue::Lead(id)
            }
            _ => Overdue::Again,
        }
    }

    /// The leaders of `flights` are still working until `busy_until_ms` (an attempt, a wait).
    pub fn renew(&mut self, flights: &[(String, FlightId)], busy_until_ms: f64) {
        let deadline = self.lease(busy_until_ms);
        for (tenant, id) in flights {
            self.flights.renew(tenant, *id, deadline);
        }
    }

    /// Before each upstream attempt: go, or wait out the throttle pause.
    pub fn gate(&mut self, now_ms: f64) -> Gate {
        let left = self.paused_until_ms - now_ms;
        if left <= 0.0 {
            self.stats.upstream_requests += 1;
            Gate::Go
        } else if left > retry::MAX_RETRY_AFTER_S * 1000.0 {
            let seconds = (left / 1000.0).ceil();
            Gate::Fail(
                TmsError::new(
                    ErrorCode::Throttled,
                    "the service asked to pause requests (Retry-After) for longer than 60 s",
                )
                .with_status(429)
                .with_retry_after(Some(seconds)),
            )
        } else {
            Gate::Wait { ms: left }
        }
    }

    /// After attempt number `attempt` (0 = the first) failed with `err`: retry (after a
    /// delay) or give up. A 429's `Retry-After` also pauses every request of the manager.
    pub fn attempt_failed(&mut self, err: &TmsError, attempt: u32, now_ms: f64, rand: f64) -> Decision {
        if let (ErrorCode::Throttled, Some(seconds)) = (err.code, err.retry_after) {
            let until = now_ms + (seconds * 1000.0).min(MAX_PAUSE_MS);
            self.paused_until_ms = self.paused_until_ms.max(until);
        }
        retry::decide(self.config.retries, attempt, err, rand)
    }

    /// A token arrived for flight `flight`: cache it and return the waiters to hand it to.
    pub fn landed_ok(
        &mut self,
        tenant: &str,
        flight: FlightId,
        token: T,
        grant: &Grant,
        now_ms: f64,
        rand: f64,
    ) -> (Served<T>, Vec<W>) {
        let t = timing(now_ms, grant.expires_at_ms, grant.lifetime_ms, self.config.refresh_before_expiry_ms, rand);
        self.cache.insert(tenant, token.clone(), t);
        self.backoff.remove(tenant);
        (
            Served { token, expires_at_ms: grant.expires_at_ms, usable_until_ms: t.usable_until() },
            self.flights.land(tenant, flight),
        )
    }

    /// A token from the shared tier (`shared::judge` said use it): cached with the timing its
    /// writer computed, handed to the flight's waiters.
    pub fn adopt(&mut self, tenant: &str, flight: FlightId, token: T, timing: Timing) -> (Served<T>, Vec<W>) {
        self.cache.insert(tenant, token.clone(), timing);
        self.backoff.remove(tenant);
        self.stats.store_hits += 1;
        (
            Served { token, expires_at_ms: timing.expires_at_ms, usable_until_ms: timing.usable_until() },
            self.flights.land(tenant, flight),
        )
    }

    /// What the shell's hit table should hold for `tenant` now (its cached token and timing,
    /// or nothing), and the tenants evicted meanwhile (to drop from it).
    pub fn published(&mut self, tenant: &str) -> (Option<(T, Timing)>, Vec<String>) {
        let entry = self.cache.entry(tenant).map(|e| (e.token.clone(), e.timing));
        (entry, self.cache.take_evicted())
    }

    /// The timing of `tenant`'s cached token (what a writer stores beside it).
    pub fn timing_of(&self, tenant: &str) -> Option<Timing> {
        self.cache.entry(tenant).map(|e| e.timing)
    }

    /// Flight `flight` failed with `err`. An aborted leader wakes its waiters to look again
    /// (the abort was its caller's, not theirs). Otherwise the failure is counted, its
    /// waiters are told, the leader falls back to a still-valid cached token, and that
    /// tenant's refresh backs off.
    pub fn landed_err(
        &mut self,
        tenant: &str,
        flight: FlightId,
        err: TmsError,
        now_ms: f64,
        rand: f64,
    ) -> Failed<T, W> {
        if err.code == ErrorCode::Aborted {
            let waiters = self.flights.dissolve(tenant, flight);
            return Failed { waiters, recheck: true, result: Err(err), reported: false };
        }
        self.stats.errors += 1;
        let waiters = self.flights.land(tenant, flight);
        let result = self.fall_back(tenant, err, now_ms);
        if result.is_ok() {
            let failures = self.backoff.get(tenant).map_or(0, |b| b.failures).saturating_add(1);
            let next_at_ms = now_ms + retry::refresh_backoff_ms(failures, rand);
            self.backoff.insert(tenant.to_string(), Backoff { failures, next_at_ms });
        }
        Failed { waiters, recheck: false, result, reported: true }
    }

    /// A failure for `tenant` is replaced by the cached token while that is still valid.
    /// Failures themselves are never cached.
    pub fn fall_back(&self, tenant: &str, err: TmsError, now_ms: f64) -> Result<Served<T>, TmsError> {
        match self.cache.entry(tenant) {
            Some(e) if self.cache.valid(tenant, now_ms).is_some() => Ok(Self::served(&e.token, &e.timing)),
            _ => Err(err),
        }
    }

    /// A server answered 401 to `token`: forget it if it is still the cached one (another
    /// call may have replaced it already). Returns whether the call should be retried once
    /// with a new token (it has not been yet).
    pub fn rejected(&mut self, tenant: &str, token: &T, retried: bool) -> bool {
        if self.cache.entry(tenant).is_some_and(|e| e.token == *token) {
            self.cache.remove(tenant);
            self.backoff.remove(tenant);
        }
        !retried
    }

    /// `invalidate(userTenant?)`.
    pub fn invalidate(&mut self, tenant: Option<&str>) {
        match tenant {
            Some(t) => {
                self.cache.remove(t);
                self.backoff.remove(t);
            }
            None => {
                self.cache.clear();
                self.backoff.clear();
            }
        }
    }

    pub fn entries(&self) -> usize {
        self.cache.len()
    }

    /// A call is about to fill the cache for up to `tenants` tenants (`tokens()`).
    pub fn expect(&mut self, tenants: usize) {
        self.cache.reserve(tenants);
    }
}

impl<T> Served<T> {
    /// Whether a token handed out earlier in a long call has expired by now (or is too close
    /// to its expiry to be handed out).
    pub fn expired(&self, now_ms: f64) -> bool {
        self.usable_until_ms <= now_ms
    }
}
