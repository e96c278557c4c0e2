//! The engine driven by hand with a manual clock: every behaviour of the public API that the
//! engine decides, without wasm or JS.

use super::*;
use crate::tms::config::tests::raw;
use crate::tms::response::Page;
use crate::tms::secret::Secret;
use crate::tms::wire::Loose;

const MIN: f64 = 60_000.0;
const T0: f64 = 1_700_000_000_000.0;

type E = Engine<&'static str, &'static str>;

fn engine() -> E {
    let mut o = raw();
    o.timeout = Loose::Num(1_000.0);
    Engine::new(Config::new(&o).unwrap())
}

fn grant(sent: f64, lifetime: f64) -> Grant {
    Grant {
        access_token: Secret::new("tok"),
        expires_at_ms: sent + lifetime,
        lifetime_ms: lifetime,
        scope: vec![],
        kid: None,
    }
}

fn lead(e: &mut E, tenant: &str, now: f64) -> FlightId {
    match e.begin(tenant, now, false) {
        Begin::Lead { flight, .. } => flight,
        other => panic!("expected to lead, got {other:?}"),
    }
}

fn cached(e: &mut E, tenant: &str, token: &'static str, now: f64) {
    let id = lead(e, tenant, now);
    e.landed_ok(tenant, id, token, &grant(now, 30.0 * MIN), now, 0.0);
}

fn http(status: u16) -> TmsError {
    TmsError::new(ErrorCode::Http, "x").with_status(status)
}

#[test]
fn concurrent_misses_share_one_flight_and_its_waiters_get_the_token() {
    let mut e = engine();
    let id = lead(&mut e, "a", T0);
    for w in ["w1", "w2", "w3"] {
        assert_eq!(e.begin("a", T0 + 1.0, false), Begin::Follow { flight: id });
        let (_, wait) = e.wait("a", id, w, T0 + 1.0).unwrap();
        assert!(wait > 1_000.0 && wait <= 2_001.0, "waits until the deadline: {wait}");
    }
    assert!(matches!(e.begin("b", T0, false), Begin::Lead { .. }), "other tenants fly alone");
    let (served, waiters) = e.landed_ok("a", id, "tok-a", &grant(T0, 30.0 * MIN), T0 + 5.0, 0.0);
    assert_eq!(served.token, "tok-a");
    assert_eq!(waiters, ["w1", "w2", "w3"]);
    let hit = Served { token: "tok-a", expires_at_ms: T0 + 30.0 * MIN, usable_until_ms: T0 + 30.0 * MIN - 1_000.0 };
    assert_eq!(e.begin("a", T0 + 6.0, false), Begin::Hit(hit));
    assert_eq!((e.stats.misses, e.stats.hits), (2, 1));
}

#[test]
fn an_overdue_flight_is_taken_over_and_the_lost_leader_cannot_land_it() {
    let mut e = engine();
    let old = lead(&mut e, "a", T0);
    let Begin::Follow { flight } = e.begin("a", T0, false) else { panic!() };
    let (key, wait) = e.wait("a", flight, "w", T0).unwrap();
    // Before the deadline: look again, the flight is still led.
    assert_eq!(e.overdue("a", flight, key, T0 + 10.0), Overdue::Again);
    let Begin::Follow { flight } = e.begin("a", T0 + 10.0, false) else { panic!() };
    let (key, _) = e.wait("a", flight, "w", T0 + 10.0).unwrap();
    let Overdue::Lead(new) = e.overdue("a", flight, key, T0 + wait) else { panic!("deadline passed") };
    assert_ne!(new, old);
    let (_, waiters) = e.landed_ok("a", old, "late", &grant(T0, 30.0 * MIN), T0 + wait, 0.0);
    assert!(waiters.is_empty(), "the lost leader lands nothing");
    let (_, waiters) = e.landed_ok("a", new, "new", &grant(T0 + wait, 30.0 * MIN), T0 + wait + 5.0, 0.0);
    assert!(waiters.is_empty(), "the follower that took over left its waiter slot");
    assert!(matches!(e.begin("a", T0 + wait + 6.0, false), Begin::Hit(s) if s.token == "new"));
}

#[test]
fn a_renewed_flight_is_not_taken_over() {
    let mut e = engine();
    let id = lead(&mut e, "a", T0);
    e.renew(&[("a".into(), id)], T0 + 5_000.0);
    let Begin::Follow { flight } = e.begin("a", T0 + 2_500.0, false) else { panic!("still led") };
    let (key, wait) = e.wait("a", flight, "w", T0 + 2_500.0).unwrap();
    assert_eq!(wait, 5_000.0 + 2_000.0 - 2_500.0 + 1.0);
    assert_eq!(e.overdue("a", flight, key, T0 + 6_000.0), Overdue::Again);
}

#[test]
fn an_aborted_leader_wakes_its_waiters_to_look_again_and_nothing_is_counted() {
    let mut e = engine();
    let id = lead(&mut e, "a", T0);
    e.wait("a", id, "w1", T0).unwrap();
    let failed = e.landed_err("a", id, TmsError::new(ErrorCode::Aborted, "aborted"), T0, 0.0);
    assert!(failed.recheck && !failed.reported);
    assert_eq!(failed.waiters, ["w1"]);
    assert_eq!(failed.result.unwrap_err().code, ErrorCode::Aborted);
    assert_eq!(e.stats.errors, 0);
    assert!(matches!(e.begin("a", T0 + 1.0, false), Begin::Lead { .. }), "the first to look again leads");
}

#[test]
fn an_aborted_follower_leaves_and_is_never_told() {
    let mut e = engine();
    let id = lead(&mut e, "a", T0);
    let (gone, _) = e.wait("a", id, "gone", T0).unwrap();
    e.wait("a", id, "live", T0).unwrap();
    e.leave("a", gone);
    let (_, waiters) = e.landed_ok("a", id, "tok", &grant(T0, 30.0 * MIN), T0, 0.0);
    assert_eq!(waiters, ["live"]);
}

#[test]
fn a_failure_without_a_valid_token_is_an_error_and_is_never_cached() {
    let mut e = engine();
    let id = lead(&mut e, "a", T0);
    e.wait("a", id, "w", T0).unwrap();
    let failed = e.landed_err("a", id, http(503), T0 + 10.0, 0.0);
    assert_eq!(failed.waiters, ["w"]);
    assert!(failed.reported && !failed.recheck);
    assert_eq!(failed.result.unwrap_err().status, Some(503));
    assert_eq!(e.stats.errors, 1);
    assert!(matches!(e.begin("a", T0 + 11.0, false), Begin::Lead { refresh: false, .. }), "not cached, no back-off");
}

#[test]
fn refresh_ahead_then_fallback_then_back_off_then_success_resets() {
    let mut e = engine();
    cached(&mut e, "a", "old", T0);
    // Refresh point: 30 min - 5 min margin (no jitter).
    let refresh_at = T0 + 25.0 * MIN;
    assert!(matches!(e.begin("a", refresh_at - 1.0, false), Begin::Hit(_)));
    let Begin::Lead { flight, refresh: true } = e.begin("a", refresh_at, false) else { panic!("refresh") };
    assert_eq!(e.stats.refreshes, 1);
    let failed = e.landed_err("a", flight, http(503), refresh_at, 1.0);
    assert_eq!(failed.result.unwrap().token, "old", "the still-valid token is served");
    // Back-off: 1 s, 2 s, 4 s ... calls in between are served the cached token, send nothing.
    let mut t = refresh_at;
    for (n, gap) in [1_000.0, 2_000.0, 4_000.0, 8_000.0, 16_000.0, 30_000.0, 30_000.0].iter().enumerate() {
        assert!(matches!(e.begin("a", t + gap - 1.0, false), Begin::Hit(s) if s.token == "old"), "held {n}");
        t += gap;
        let Begin::Lead { flight, refresh: true } = e.begin("a", t, false) else { panic!("attempt {n}") };
        assert!(e.landed_err("a", flight, http(503), t, 1.0).result.is_ok());
    }
    // A success resets the back-off.
    let Begin::Lead { flight, .. } = e.begin("a", t + 30_000.0, false) else { panic!() };
    e.landed_ok("a", flight, "new", &grant(t + 30_000.0, 30.0 * MIN), t + 30_000.0, 0.0);
    let failing_at = t + 30_000.0 + 25.0 * MIN;
    let Begin::Lead { flight, .. } = e.begin("a", failing_at, false) else { panic!() };
    e.landed_err("a", flight, http(503), failing_at, 1.0);
    assert!(matches!(e.begin("a", failing_at + 1_000.0, false), Begin::Lead { .. }), "back to 1 s");
}

#[test]
fn an_expired_token_is_never_served_back_off_or_not() {
    let mut e = engine();
    cached(&mut e, "a", "old", T0);
    let at = T0 + 29.0 * MIN;
    let Begin::Lead { flight, .. } = e.begin("a", at, false) else { panic!() };
    e.landed_err("a", flight, http(503), at, 1.0);
    for t in [T0 + 30.0 * MIN, T0 + 30.0 * MIN + 1.0] {
        assert!(e.hit("a", t).is_none());
        assert!(e.fall_back("a", http(503), t).is_err());
    }
    assert!(matches!(e.begin("a", T0 + 30.0 * MIN, false), Begin::Lead { refresh: false, .. }), "a miss once expired");
    // Clock turned back: the entry cannot be trusted.
    assert!(e.hit("a", T0 - 1.0).is_none());
    assert!(e.fall_back("a", http(503), T0 - 1.0).is_err());
}

#[test]
fn throttle_pause_holds_every_request_and_serves_cached_tokens() {
    let mut e = engine();
    cached(&mut e, "a", "tok-a", T0);
    assert_eq!(e.gate(T0), Gate::Go);
    let throttled = TmsError::new(ErrorCode::Throttled, "x").with_status(429).with_retry_after(Some(5.0));
    assert_eq!(e.attempt_failed(&throttled, 0, T0, 0.0), Decision::Retry { delay_ms: 5_000.0 });
    assert_eq!(e.gate(T0 + 1_000.0), Gate::Wait { ms: 4_000.0 }, "other tenants and methods wait too");
    assert_eq!(e.gate(T0 + 5_000.0), Gate::Go);
    // In the pause a refresh-ahead token is served rather than waiting.
    let refresh_at = T0 + 25.0 * MIN;
    let long = TmsError::new(ErrorCode::Throttled, "x").with_status(429).with_retry_after(Some(120.0));
    assert_eq!(e.attempt_failed(&long, 0, refresh_at, 0.0), Decision::GiveUp);
    assert!(matches!(e.begin("a", refresh_at + 1.0, false), Begin::Hit(_)));
    // Longer than 60 s left: fail at once, with the time left.
    let Gate::Fail(err) = e.gate(refresh_at + 1_000.0) else { panic!("fails at once") };
    assert_eq!((err.code, err.retry_after), (ErrorCode::Throttled, Some(119.0)));
    assert_eq!(e.gate(refresh_at + 61_000.0), Gate::Wait { ms: 59_000.0 });
    // A huge Retry-After pauses at most MAX_PAUSE_MS.
    let mut e = engine();
    let huge = TmsError::new(ErrorCode::Throttled, "x").with_status(429).with_retry_after(Some(1e11));
    e.attempt_failed(&huge, 0, T0, 0.0);
    assert_eq!(e.gate(T0 + MAX_PAUSE_MS), Gate::Go);
}

#[test]
fn forced_refresh_starts_a_new_flight_and_keeps_the_cached_token_until_replaced() {
    let mut e = engine();
    cached(&mut e, "a", "old", T0);
    let Begin::Lead { flight, refresh: false } = e.begin("a", T0 + 1.0, true) else { panic!("forced") };
    assert!(matches!(e.begin("a", T0 + 2.0, false), Begin::Hit(s) if s.token == "old"));
    e.landed_ok("a", flight, "new", &grant(T0 + 1.0, 30.0 * MIN), T0 + 3.0, 0.0);
    assert!(matches!(e.begin("a", T0 + 4.0, false), Begin::Hit(s) if s.token == "new"));
}

#[test]
fn unauthorized_forgets_the_rejected_token_and_retries_once() {
    let mut e = engine();
    cached(&mut e, "a", "rejected", T0);
    assert!(e.rejected("a", &"rejected", false), "retry once");
    assert!(matches!(e.begin("a", T0 + 1.0, false), Begin::Lead { .. }), "forgotten");
    let mut e = engine();
    cached(&mut e, "a", "newer", T0);
    assert!(!e.rejected("a", &"older", true), "no second retry");
    assert!(matches!(e.begin("a", T0 + 1.0, false), Begin::Hit(s) if s.token == "newer"), "a newer token stays");
}

#[test]
fn retries_are_bounded_and_only_for_retryable_failures() {
    let mut e = engine();
    assert!(matches!(e.attempt_failed(&http(503), 0, T0, 0.5), Decision::Retry { .. }));
    assert!(matches!(e.attempt_failed(&http(503), 1, T0, 0.5), Decision::Retry { .. }));
    assert_eq!(e.attempt_failed(&http(503), 2, T0, 0.5), Decision::GiveUp);
    let unauthorized = TmsError::new(ErrorCode::Unauthorized, "x").with_status(401);
    assert_eq!(e.attempt_failed(&unauthorized, 0, T0, 0.5), Decision::GiveUp);
}

#[test]
fn invalidate_one_or_all() {
    let mut e = engine();
    cached(&mut e, "a", "a", T0);
    cached(&mut e, "b", "b", T0);
    e.invalidate(Some("a"));
    assert_eq!(e.entries(), 1);
    e.invalidate(None);
    assert_eq!(e.entries(), 0);
}

fn page(ids: &[&str], total: Option<usize>) -> Page {
    Page { tenants: ids.iter().map(|s| s.to_string()).collect(), total_pages: total }
}

#[test]
fn pages_in_parallel_bounded_by_total_pages() {
    let mut l = Listing::new(page(&["a", "b"], Some(3)), 2);
    assert_eq!((l.next_page(4), l.next_page(4), l.next_page(4)), (Some(1), Some(2), None));
    l.landed(2, Ok(page(&["e"], Some(3))));
    l.landed(1, Ok(page(&["c", "d"], Some(3))));
    assert!(l.done());
    assert_eq!(l.finish().unwrap(), ["a", "b", "c", "d", "e"], "in page order");
}

#[test]
fn an_empty_page_ends_the_listing_whatever_total_pages_claims() {
    let mut l = Listing::new(page(&["a", "b"], Some(100_000)), 2);
    let mut sent = 0;
    let mut tenants = vec![];
    while !l.done() {
        let batch: Vec<usize> = std::iter::from_fn(|| l.next_page(4)).collect();
        for n in batch {
            sent += 1;
            let ids: Vec<&str> = if n < 3 { vec!["x", "y"] } else { vec![] };
            l.landed(n, Ok(page(&ids, Some(100_000))));
        }
        tenants.push(sent);
    }
    assert!(sent <= 6, "a handful of pages, not thousands: {sent}");
    assert_eq!(l.finish().unwrap(), ["a", "b", "x", "y"], "duplicates across pages come back once");
}

#[test]
fn a_failed_page_stops_the_pages_not_yet_sent() {
    let mut l = Listing::new(page(&["a"], Some(50)), 1);
    let first: Vec<usize> = std::iter::from_fn(|| l.next_page(4)).collect();
    assert_eq!(first, [1, 2, 3, 4]);
    l.landed(2, Err(http(500)));
    assert_eq!(l.next_page(4), None, "nothing more is sent");
    for n in [1, 3, 4] {
        l.landed(n, Ok(page(&["z"], Some(50))));
    }
    assert!(l.done());
    assert_eq!(l.finish().unwrap_err().status, Some(500));
}

#[test]
fn without_a_page_object_pages_go_one_by_one_until_a_short_one() {
    let mut l = Listing::new(page(&["a", "b"], None), 2);
    assert_eq!(l.next_page(4), Some(1));
    assert_eq!(l.next_page(4), None, "one at a time");
    l.landed(1, Ok(page(&["c", "d"], None)));
    assert_eq!(l.next_page(4), Some(2));
    l.landed(2, Ok(page(&["e"], None)));
    assert_eq!(l.next_page(4), None);
    assert!(l.done());
    assert_eq!(l.finish().unwrap(), ["a", "b", "c", "d", "e"]);
    let l = Listing::new(page(&[], Some(7)), 2);
    let _ = &l;
    assert!(l.done(), "an empty first page ends it");
}
