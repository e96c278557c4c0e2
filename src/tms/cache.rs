//! The token cache as a state machine driven by `now` (ms since the epoch, passed in).
//! Generic over the stored token type: the wasm shell stores the JS `Token` object itself
//! so a hit hands back the same value without re-encoding anything.
//!
//! For an entry: fresh until `refresh_at`, then refresh-ahead (still servable if a refresh
//! fails) until `expires_at`, then expired. An entry stamped in the future (the clock was
//! turned back) counts as expired: its times can no longer be trusted.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: tenant ids are short, and SipHash costs a cache hit more than the rest of the
/// lookup. Flooding is no concern: ids come from the application and its TMS, and the
/// number of entries is bounded.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub type FastMap<V> = HashMap<String, V, BuildHasherDefault<Fnv>>;

/// `tenants` without repeats, each first occurrence in its place. In place, and the set
/// holds borrowed names, not copies: lists of 10 000 tenants pass through here, and wasm
/// memory keeps its high-water mark.
pub fn dedupe(mut tenants: Vec<String>) -> Vec<String> {
    let keep: Vec<bool> = {
        let mut seen: HashSet<&str, BuildHasherDefault<Fnv>> = HashSet::default();
        seen.reserve(tenants.len());
        tenants.iter().map(|t| seen.insert(t.as_str())).collect()
    };
    let mut keep = keep.into_iter();
    tenants.retain(|_| keep.next().unwrap_or(true));
    tenants
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    pub stored_at_ms: f64,
    pub refresh_at_ms: f64,
    pub expires_at_ms: f64,
}

/// The refresh margin: `refreshBeforeExpiry`, but at most half the lifetime, so a
/// short-lived token is not refreshed on every call.
pub fn margin_ms(refresh_before_expiry_ms: f64, lifetime_ms: f64) -> f64 {
    refresh_before_expiry_ms.min(lifetime_ms / 2.0).max(0.0)
}

/// How long before its expiry a token stops being handed out: 5% of its lifetime, at most
/// 1 s. A token that is still valid when a call returns must not expire before the caller's
/// next line can use it (event loops lag by tens of ms under load).
pub fn guard_ms(lifetime_ms: f64) -> f64 {
    (lifetime_ms * 0.05).clamp(0.0, 1_000.0)
}

/// The largest jitter: 10% of the lifetime, at most 60 s.
pub fn max_jitter_ms(lifetime_ms: f64) -> f64 {
    (lifetime_ms * 0.1).clamp(0.0, 60_000.0)
}

/// When to store and refresh a token that expires at `expires_at_ms` and lived
/// `lifetime_ms` from the moment its request was sent. `jitter_unit` in [0, 1) moves the
/// refresh point earlier only, never later.
pub fn timing(
    now_ms: f64,
    expires_at_ms: f64,
    lifetime_ms: f64,
    refresh_before_expiry_ms: f64,
    jitter_unit: f64,
) -> Timing {
    let jitter = max_jitter_ms(lifetime_ms) * jitter_unit.clamp(0.0, 1.0);
    let refresh_at = expires_at_ms - margin_ms(refresh_before_expiry_ms, lifetime_ms) - jitter;
    let t = Timing { stored_at_ms: now_ms, refresh_at_ms: refresh_at, expires_at_ms };
    Timing { refresh_at_ms: refresh_at.min(t.usable_until()), ..t }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Past the refresh point but not expired: refresh now, serve it if that fails.
    RefreshAhead,
    Expired,
}

impl Timing {
    /// Until when the token is handed out at all (see `guard_ms`).
    pub fn usable_until(&self) -> f64 {
        self.expires_at_ms - guard_ms(self.expires_at_ms - self.stored_at_ms)
    }

    pub fn freshness(&self, now_ms: f64) -> Freshness {
        if now_ms < self.stored_at_ms || now_ms >= self.usable_until() {
            Freshness::Expired
        } else if now_ms < self.refresh_at_ms {
            Freshness::Fresh
        } else {
            Freshness::RefreshAhead
        }
    }
}

#[derive(Clone, Debug)]
pub struct Entry<T> {
    pub token: T,
    pub timing: Timing,
}

pub enum Lookup<'a, T> {
    Fresh(&'a T),
    /// Refresh-ahead: the token is still valid and may serve as a fallback.
    Stale(&'a T),
    Miss,
}

#[derive(Debug)]
pub struct Cache<T> {
    entries: FastMap<Entry<T>>,
    max_entries: usize,
    /// Tenants evicted at the bound since `take_evicted` (the shell unpublishes them).
    evicted: Vec<String>,
}

impl<T> Cache<T> {
    pub fn new(max_entries: usize) -> Self {
        Cache { entries: FastMap::default(), max_entries: max_entries.max(1), evicted: Vec::new() }
    }

    pub fn lookup(&self, tenant: &str, now_ms: f64) -> Lookup<'_, T> {
        match self.entries.get(tenant) {
            Some(e) => match e.timing.freshness(now_ms) {
                Freshness::Fresh => Lookup::Fresh(&e.token),
                Freshness::RefreshAhead => Lookup::Stale(&e.token),
                Freshness::Expired => Lookup::Miss,
            },
            None => Lookup::Miss,
        }
    }

    /// A token that may still be served (fresh or refresh-ahead), for fallback.
    pub fn valid(&self, tenant: &str, now_ms: f64) -> Option<&T> {
        match self.lookup(tenant, now_ms) {
            Lookup::Fresh(t) | Lookup::Stale(t) => Some(t),
            Lookup::Miss => None,
        }
    }

    /// Stores a token. An entry that expires later than the new one is kept (a slow old
    /// request must not replace a newer token). At the bound, expired entries go first,
    /// then the one closest to expiry.
    pub fn insert(&mut self, tenant: &str, token: T, timing: Timing) {
        if let Some(existing) = self.entries.get(tenant) {
            if existing.timing.expires_at_ms > timing.expires_at_ms
                && existing.timing.stored_at_ms <= timing.stored_at_ms
            {
                return;
            }
        } else if self.entries.len() >= self.max_entries {
            self.evict(timing.stored_at_ms);
        }
        self.entries.insert(tenant.to_string(), Entry { token, timing });
    }

    fn evict(&mut self, now_ms: f64) {
        let evicted = &mut self.evicted;
        self.entries.retain(|k, e| {
            let keep = e.timing.freshness(now_ms) != Freshness::Expired;
            if !keep {
                evicted.push(k.clone());
            }
            keep
        });
        while self.entries.len() >= self.max_entries {
            let soonest = self
                .entries
                .iter()
                .min_by(|a, b| a.1.timing.expires_at_ms.total_cmp(&b.1.timing.expires_at_ms))
                .map(|(k, _)| k.clone());
            match soonest {
                Some(k) => {
                    self.entries.remove(&k);
                    self.evicted.push(k);
                }
                None => break,
            };
        }
    }

    /// The tenants evicted since the last call.
    pub fn take_evicted(&mut self) -> Vec<String> {
        std::mem::take(&mut self.evicted)
    }

    pub fn remove(&mut self, tenant: &str) {
        self.entries.remove(tenant);
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Room for `tenants` more entries (within the bound) in one allocation: filled one by
    /// one, the table would double its way up, each old table alive while the next is made.
    pub fn reserve(&mut self, tenants: usize) {
        let room = self.max_entries.saturating_sub(self.entries.len());
        self.entries.reserve(tenants.min(room));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entry(&self, tenant: &str) -> Option<&Entry<T>> {
        self.entries.get(tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: f64 = 60_000.0;

    #[test]
    fn margin_is_clamped_to_half_the_lifetime() {
        assert_eq!(margin_ms(5.0 * MIN, 30.0 * MIN), 5.0 * MIN);
        assert_eq!(margin_ms(5.0 * MIN, 4.0 * MIN), 2.0 * MIN);
        assert_eq!(margin_ms(5.0 * MIN, 2_000.0), 1_000.0);
        assert_eq!(margin_ms(0.0, 30.0 * MIN), 0.0);
    }

    #[test]
    fn jitter_only_moves_the_refresh_point_earlier_and_is_bounded() {
        let exp = 100.0 * MIN;
        let no_jitter = timing(0.0, exp, 30.0 * MIN, 5.0 * MIN, 0.0);
        assert_eq!(no_jitter.refresh_at_ms, exp - 5.0 * MIN);
        for u in [0.0, 0.25, 0.5, 0.999, 1.0, 5.0, -1.0] {
            let t = timing(0.0, exp, 30.0 * MIN, 5.0 * MIN, u);
            assert!(t.refresh_at_ms <= no_jitter.refresh_at_ms, "later with {u}");
            assert!(t.refresh_at_ms >= no_jitter.refresh_at_ms - 60_000.0, "more than 60 s with {u}");
        }
        // 10% of a short lifetime bounds it below 60 s.
        let short = timing(0.0, 10_000.0, 10_000.0, 300_000.0, 1.0);
        assert_eq!(short.refresh_at_ms, 10_000.0 - 5_000.0 - 1_000.0);
        assert_eq!(max_jitter_ms(30.0 * MIN), 60_000.0);
    }

    #[test]
    fn fresh_refresh_ahead_expired() {
        let t = timing(1_000.0, 31.0 * MIN, 30.0 * MIN, 5.0 * MIN, 0.0);
        assert_eq!(t.freshness(1_000.0), Freshness::Fresh);
        assert_eq!(t.freshness(26.0 * MIN - 1.0), Freshness::Fresh);
        assert_eq!(t.freshness(26.0 * MIN), Freshness::RefreshAhead);
        // Handed out until 1 s before expiry (the guard: 5% of the lifetime, at most 1 s).
        assert_eq!(t.freshness(31.0 * MIN - 1_001.0), Freshness::RefreshAhead);
        assert_eq!(t.freshness(31.0 * MIN - 1_000.0), Freshness::Expired);
        assert_eq!(guard_ms(2_000.0), 100.0);
        // A refresh point never lies past the guard (refreshBeforeExpiry 0, no jitter).
        let late = timing(0.0, 10_000.0, 10_000.0, 0.0, 0.0);
        assert_eq!(late.refresh_at_ms, 9_500.0);
    }

    #[test]
    fn clock_turned_back_means_expired() {
        let t = timing(10.0 * MIN, 40.0 * MIN, 30.0 * MIN, 5.0 * MIN, 0.0);
        assert_eq!(t.freshness(10.0 * MIN - 1.0), Freshness::Expired);
        let mut c = Cache::new(10);
        c.insert("a", "tok", t);
        assert!(matches!(c.lookup("a", 5.0 * MIN), Lookup::Miss));
        assert!(c.valid("a", 5.0 * MIN).is_none());
        assert!(matches!(c.lookup("a", 11.0 * MIN), Lookup::Fresh(&"tok")));
    }

    #[test]
    fn lookup_and_fallback() {
        let mut c = Cache::new(10);
        c.insert("a", "tok-a", timing(0.0, 30.0 * MIN, 30.0 * MIN, 5.0 * MIN, 0.0));
        assert!(matches!(c.lookup("a", MIN), Lookup::Fresh(&"tok-a")));
        assert!(matches!(c.lookup("b", MIN), Lookup::Miss));
        assert!(matches!(c.lookup("a", 27.0 * MIN), Lookup::Stale(&"tok-a")));
        assert_eq!(c.valid("a", 27.0 * MIN), Some(&"tok-a"));
        assert!(c.valid("a", 30.0 * MIN).is_none());
        c.remove("a");
        assert!(c.is_empty());
    }

    #[test]
    fn an_older_token_never_replaces_a_newer_one() {
        let mut c = Cache::new(10);
        c.insert("a", "new", timing(5.0, 60.0 * MIN, 30.0 * MIN, 0.0, 0.0));
        c.insert("a", "old", timing(6.0, 40.0 * MIN, 30.0 * MIN, 0.0, 0.0));
        assert!(matches!(c.lookup("a", 10.0), Lookup::Fresh(&"new")));
        c.insert("a", "newer", timing(7.0, 70.0 * MIN, 30.0 * MIN, 0.0, 0.0));
        assert!(matches!(c.lookup("a", 10.0), Lookup::Fresh(&"newer")));
    }

    #[test]
    fn entries_are_bounded_expired_first_then_soonest_expiry() {
        let mut c = Cache::new(3);
        c.insert("expired", 0, timing(0.0, MIN, MIN, 0.0, 0.0));
        c.insert("late", 1, timing(0.0, 50.0 * MIN, 30.0 * MIN, 0.0, 0.0));
        c.insert("soon", 2, timing(0.0, 20.0 * MIN, 30.0 * MIN, 0.0, 0.0));
        c.insert("new1", 3, timing(2.0 * MIN, 40.0 * MIN, 30.0 * MIN, 0.0, 0.0));
        assert_eq!(c.len(), 3);
        assert!(c.entry("expired").is_none());
        assert_eq!(c.take_evicted(), ["expired"]);
        c.insert("new2", 4, timing(2.0 * MIN, 40.0 * MIN, 30.0 * MIN, 0.0, 0.0));
        assert_eq!(c.len(), 3);
        assert!(c.entry("soon").is_none());
        assert!(c.entry("late").is_some());
        for i in 0..1000 {
            c.insert(&format!("t{i}"), i, timing(3.0 * MIN, 40.0 * MIN, 30.0 * MIN, 0.0, 0.0));
        }
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn dedupe_keeps_first_occurrences_in_order() {
        let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(dedupe(list(&["b", "a", "b", "c", "a"])), list(&["b", "a", "c"]));
        assert_eq!(dedupe(Vec::new()), Vec::<String>::new());
    }
}
