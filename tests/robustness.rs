//! Property tests: every parser of untrusted input (JWT, token/batch/page responses, status
//! errors, Retry-After, options) returns a value or a `TmsError` for any input and never
//! panics; and the engine, driven by random interleavings of calls, responses, failures,
//! aborts and clock jumps, never serves an expired or foreign token and keeps its flights
//! bounded. Inputs are seeds mutated by a deterministic PRNG (bit flips, truncation,
//! splices, special characters), so a failure reproduces from its iteration number.
//! Overflow checks are on in this (debug) build, so arithmetic overflow counts as a panic.
//! JSON text goes through serde_json into the same `wire` types the shell fills from
//! `JSON.parse`. The coverage-guided version of this lives in fuzz/ (cargo-fuzz, nightly).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use tms_edge::tms::config::{normalize_gateway, unknown_option, Config, Issuer};
use tms_edge::tms::engine::{Begin, Engine, Overdue};
use tms_edge::tms::error::{ErrorCode, TmsError};
use tms_edge::tms::jwt::{self, Policy, Rules};
use tms_edge::tms::request::Endpoint;
use tms_edge::tms::response::{self, Grant, Parsers};
use tms_edge::tms::retry::retry_after;
use tms_edge::tms::secret::Secret;
use tms_edge::tms::wire::{BatchEntry, ErrorBody, Loose, Options, PageBody, TokenBody};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SPECIAL: &[&str] = &[
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    ".",
    "=",
    "-",
    "_",
    "/",
    "?",
    "#",
    " ",
    "\0",
    "\u{1}",
    "é",
    "😀",
    "\\u",
    "\\ud800",
    "1e999",
    "-0",
    "null",
    "true",
    "999999999999999999999",
    "99999999999999",
    "eyJ",
    "GMT",
    "Sun,",
    "Nov",
    "99:99:99",
];

fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => bytes.truncate(rng.below(bytes.len() + 1)),
            2 => {
                let i = rng.below(bytes.len() + 1);
                let s = SPECIAL[rng.below(SPECIAL.len())].as_bytes();
                bytes.splice(i..i, s.iter().copied());
            }
            3 if !bytes.is_empty() => {
                let (a, b) = (rng.below(bytes.len()), rng.below(bytes.len()));
                let (a, b) = (a.min(b), a.max(b));
                let chunk = bytes[a..b].to_vec();
                let at = rng.below(bytes.len() + 1);
                bytes.splice(at..at, chunk);
            }
            4 if !bytes.is_empty() => {
                let i = rng.below(bytes.len());
                bytes.remove(i);
            }
            _ => bytes.push((rng.next() & 0x7f) as u8),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn jwt_seed() -> String {
    format!(
        "{}.{}.c2ln",
        b64(r#"{"alg":"RS256","kid":"key-id-1","typ":"JWT"}"#),
        b64(
            r#"{"iat":1700000000,"exp":1700001800,"iss":"https://t1.piam.eu1.mindsphere.io/oauth/token","ten":"t1","scope":["a"]}"#
        )
    )
}

fn iterations() -> usize {
    std::env::var("TMS_PROPTEST_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000)
}

fn run(name: &str, seeds: &[String], check: impl Fn(&str)) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
    for i in 0..iterations() {
        let seed = &seeds[i % seeds.len()];
        let input = mutate(&mut rng, seed);
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&input)));
        assert!(ok.is_ok(), "{name}: panic at iteration {i} on input {input:?}");
    }
}

const T0: f64 = 1_700_000_000_000.0;

fn parse_jwt(token: &str) -> tms_edge::tms::error::Result<(tms_edge::tms::wire::Header, tms_edge::tms::wire::Claims)> {
    let p = jwt::split(token)?;
    let h = serde_json::from_str(&p.header_json).map_err(|_| jwt::invalid("header"))?;
    let c = serde_json::from_str(&p.claims_json).map_err(|_| jwt::invalid("payload"))?;
    Ok((h, c))
}

#[test]
fn jwt_never_panics() {
    let seeds =
        vec![jwt_seed(), include_str!("fixtures/seed-tokens.txt").lines().next().unwrap_or_default().to_string()];
    let issuers = [Issuer::AnyUrl, Issuer::Piam { rest: "eu1.mindsphere.io".into() }, Issuer::Listed(vec!["x".into()])];
    run("jwt", &seeds, |s| {
        if let Ok(p) = jwt::split(s) {
            let _ = p.signature();
        }
        if let Ok((h, c)) = parse_jwt(s) {
            for issuer in &issuers {
                let rules = Rules { issuer, clock_tolerance_ms: 300_000.0, tenant: Some("t1") };
                let _ = jwt::check(&h, &c, &rules, T0);
            }
        }
    });
}

#[test]
fn response_parsers_never_panic() {
    let grant =
        format!(r#"{{"access_token":"{}","token_type":"bearer","expires_in":"1799","scope":"a b"}}"#, jwt_seed());
    let batch =
        format!(r#"{{"oauthTokens":[{{"userTenantId":"t1","token":{grant}}},{{"userTenantId":"t2","token":{{}}}}]}}"#);
    let page =
        r#"{"page":{"size":2,"totalElements":3,"totalPages":2,"number":0},"userTenants":[{"id":"a"},{"id":"b"}]}"#;
    let errors = r#"{"error":"token_validation_failed","errors":[{"code":"x.y","message":"m"}]}"#;
    let jwks = r#"{"keys":[{"kid":"k1","kty":"RSA","alg":"RS256","use":"sig","n":"bmV3","e":"AQAB","value":"-----BEGIN"},{"kid":"k2","kty":"EC"}]}"#;
    let seeds = vec![grant, batch, page.to_string(), errors.to_string(), jwks.to_string()];
    let requested = vec!["t1".to_string(), "t2".to_string()];
    let policy = Policy { issuer: &Issuer::AnyUrl, clock_tolerance_ms: 300_000.0, check_ten: true };
    run("responses", &seeds, |s| {
        if let Ok(body) = serde_json::from_str::<TokenBody>(s) {
            let _ = response::grant(
                Endpoint::Token,
                &body,
                &policy.rules("t1"),
                Parsers { jwt: &parse_jwt, number: &|s: &str| s.parse().ok() },
                T0,
                T0,
            );
        }
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(s) {
            let entries: Option<Vec<Option<BatchEntry>>> = v
                .get("oauthTokens")
                .and_then(|e| e.as_array())
                .map(|l| l.iter().map(|e| serde_json::from_value(e.clone()).ok()).collect());
            let _ = response::batch(
                entries.as_deref(),
                &requested,
                &policy,
                Parsers { jwt: &parse_jwt, number: &|s: &str| s.parse().ok() },
                T0,
                T0,
            );
        }
        if let Ok(p) = serde_json::from_str::<PageBody>(s) {
            let _ = response::page(&p);
        }
        if let Ok(set) = serde_json::from_str::<tms_edge::tms::wire::JwkSet>(s) {
            let mut keys = tms_edge::tms::keys::KeySet::default();
            keys.stored(&set.keys.unwrap_or_default(), T0);
            let _ = keys.step(Some("k1"), T0);
            let _ = keys.step(None, T0 + 61_000.0);
        }
        let body = serde_json::from_str::<ErrorBody>(s).ok();
        for status in [0, 200, 302, 401, 429, 503, 999] {
            let _ = response::status_error(Endpoint::Batch, " for `t1`", status, body.as_ref(), Some(1.0));
        }
    });
}

#[test]
fn retry_after_never_panics() {
    let seeds = vec![
        "120".to_string(),
        "Sun, 06 Nov 1994 08:49:37 GMT".to_string(),
        "Sunday, 06-Nov-94 08:49:37 GMT".to_string(),
        "99999999999999999999999999".to_string(),
    ];
    let dates = [|_: &str| Some(f64::MAX), |_: &str| Some(-1e300), |_: &str| None, |_: &str| Some(0.0)];
    run("retry-after", &seeds, |s| {
        for date in dates {
            if let Some(v) = retry_after(s, date, T0) {
                assert!(v >= 0.0 && !v.is_nan(), "negative or NaN delay for {s:?}");
            }
        }
    });
}

#[test]
fn option_validation_never_panics() {
    let seeds = vec![
        "http://127.0.0.1:8787".to_string(),
        "https://gateway.eu1.mindsphere.io/prefix//x/".to_string(),
        "http://[::1]:9000/api/technicaltokenmanager/v3".to_string(),
        "tenant/with?odd#chars and spaces é".to_string(),
        "unknown field `x`, expected one of `a`, `b`".to_string(),
    ];
    run("options", &seeds, |s| {
        let _ = normalize_gateway(s);
        if let Err(e) = Options::from_pairs(vec![(s.to_string(), Loose::Num(1.0))]) {
            let _ = unknown_option(&e);
        }
        let _ = Options::from_pairs(vec![(s.to_string(), Loose::Str(s.to_string()))]);
        let text = Loose::Str(s.to_string());
        let num = Loose::Num(s.len() as f64 * 1e6 - 5e5);
        for tenant_kind in [false, true] {
            let raw = Options {
                gateway: text.clone(),
                region: text.clone(),
                domain: text.clone(),
                client_id: text.clone(),
                client_secret: text.clone(),
                app_name: if tenant_kind { Loose::Missing } else { text.clone() },
                app_version: if tenant_kind { Loose::Missing } else { text.clone() },
                host_tenant: if tenant_kind { Loose::Missing } else { text.clone() },
                tenant: if tenant_kind { text.clone() } else { Loose::Missing },
                user_tenant: text.clone(),
                issuer: Loose::List(vec![s.to_string()], false),
                keys_url: text.clone(),
                refresh_before_expiry: num.clone(),
                batch_size: num.clone(),
                clock_tolerance: num.clone(),
                ..Options::default()
            };
            if let Ok(c) = Config::new(&raw) {
                // Whatever was accepted builds a URL under the API path, and the secret stays out of Debug.
                assert!(c.base_url.ends_with("/api/technicaltokenmanager/v3"));
                assert!(!format!("{c:?}").contains(&format!("{}:", s)) || s.is_empty());
            }
        }
    });
}

/// A token handed out by the engine: whose it is and when it expires.
#[derive(Clone, Debug, PartialEq)]
struct Tok {
    tenant: String,
    expires_at: f64,
}

#[test]
fn the_engine_never_serves_an_expired_or_foreign_token() {
    const TENANTS: [&str; 4] = ["a", "b", "c", "d"];
    let mut o = Options {
        gateway: Loose::Str("http://127.0.0.1:9".into()),
        client_id: Loose::Str("id".into()),
        client_secret: Loose::Str("secret".into()),
        app_name: Loose::Str("app".into()),
        app_version: Loose::Str("1".into()),
        host_tenant: Loose::Str("a".into()),
        ..Options::default()
    };
    o.timeout = Loose::Num(1_000.0);
    o.max_entries = Loose::Num(3.0);
    let mut rng = Rng(0x5eed);
    for round in 0..200 {
        let mut e: Engine<Tok, u64> = Engine::new(Config::new(&o).unwrap());
        let mut now = T0;
        // Flights led and waiters registered, as a driver would hold them.
        let mut led: Vec<(String, u64)> = Vec::new();
        let mut waiting: Vec<(String, u64, u64)> = Vec::new();
        let mut requests = 0u64;
        let mut calls = 0u64;
        let check = |served: &Tok, tenant: &str, now: f64, what: &str| {
            assert_eq!(served.tenant, tenant, "round {round}: {what} served another tenant's token");
            assert!(served.expires_at > now, "round {round}: {what} served an expired token");
        };
        for _ in 0..300 {
            let tenant = TENANTS[rng.below(TENANTS.len())].to_string();
            match rng.below(10) {
                0..=3 => {
                    calls += 1;
                    match e.begin(&tenant, now, rng.below(20) == 0) {
                        Begin::Hit(s) => check(&s.token, &tenant, now, "a hit"),
                        Begin::Lead { flight, .. } => {
                            requests += 1;
                            led.push((tenant, flight));
                        }
                        Begin::Follow { flight } => {
                            if let Some((key, wait)) = e.wait(&tenant, flight, calls, now) {
                                assert!(wait > 0.0 && wait <= 62_001.0, "a bounded wait: {wait}");
                                waiting.push((tenant, flight, key));
                            }
                        }
                    }
                }
                4 | 5 if !led.is_empty() => {
                    let (tenant, flight) = led.swap_remove(rng.below(led.len()));
                    let lifetime = [0.5, 2.0, 10.0, 1_800.0][rng.below(4)] * 1000.0;
                    let sent = now - rng.below(3_000) as f64;
                    let grant = Grant {
                        access_token: Secret::new("t"),
                        expires_at_ms: sent + lifetime,
                        lifetime_ms: lifetime,
                        scope: vec![],
                        kid: None,
                    };
                    if grant.expires_at_ms <= now {
                        continue; // the parser refuses a token expired on arrival
                    }
                    let tok = Tok { tenant: tenant.clone(), expires_at: grant.expires_at_ms };
                    let (served, waiters) =
                        e.landed_ok(&tenant, flight, tok, &grant, now, rng.below(100) as f64 / 100.0);
                    check(&served.token, &tenant, now, "a landed token");
                    waiting.retain(|(t, _, k)| !(t == &tenant && waiters.contains(k)));
                }
                6 if !led.is_empty() => {
                    let (tenant, flight) = led.swap_remove(rng.below(led.len()));
                    let err = match rng.below(3) {
                        0 => TmsError::new(ErrorCode::Aborted, "x"),
                        1 => TmsError::new(ErrorCode::Throttled, "x").with_status(429).with_retry_after(Some(2.0)),
                        _ => TmsError::new(ErrorCode::Http, "x").with_status(503),
                    };
                    let _ = e.attempt_failed(&err, 0, now, 0.5);
                    let failed = e.landed_err(&tenant, flight, err, now, 0.5);
                    if let Ok(s) = &failed.result {
                        check(&s.token, &tenant, now, "a fallback");
                    }
                    waiting.retain(|(t, _, k)| !(t == &tenant && failed.waiters.contains(k)));
                }
                7 if !waiting.is_empty() => {
                    let (tenant, flight, key) = waiting.swap_remove(rng.below(waiting.len()));
                    if rng.below(2) == 0 {
                        e.leave(&tenant, key);
                    } else if let Overdue::Lead(id) = e.overdue(&tenant, flight, key, now) {
                        requests += 1;
                        led.push((tenant, id));
                    }
                }
                8 => now += [10.0, 500.0, 5_000.0, 120_000.0, -50_000.0][rng.below(5)],
                _ => {
                    if let Ok(s) = e.fall_back(&tenant, TmsError::new(ErrorCode::Http, "x"), now) {
                        check(&s.token, &tenant, now, "a follower's fallback");
                    }
                    if rng.below(4) == 0 {
                        e.invalidate(Some(&tenant));
                    }
                }
            }
            assert!(e.entries() <= 3, "entries bounded by maxEntries");
        }
        // One request per flight: never more requests than calls that missed.
        assert!(requests <= calls + waiting.len() as u64, "round {round}: {requests} requests for {calls} calls");
    }
}
