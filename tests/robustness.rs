//! Property test: every parser of untrusted input (JSON, JWT, token/batch/page responses,
//! status errors, Retry-After, options) returns a value or a `TmsError` for any input and
//! never panics. Inputs are seeds mutated by a deterministic PRNG (bit flips, truncation,
//! splices, special characters), so a failure reproduces from its iteration number.
//! Overflow checks are on in this (debug) build, so arithmetic overflow counts as a panic.
//! The coverage-guided version of this lives in fuzz/ (cargo-fuzz, nightly).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use tms_edge::tms::config::{normalize_gateway, Config, Raw, RawOptions};
use tms_edge::tms::http_date::parse_retry_after;
use tms_edge::tms::json;
use tms_edge::tms::jwt;
use tms_edge::tms::request::Endpoint;
use tms_edge::tms::response::{parse_batch, parse_page, parse_token, status_error};

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

#[test]
fn json_and_jwt_never_panic() {
    let seeds = vec![
        r#"{"a":[1,-2.5e3,true,false,null],"b":"x\"\\\/\n\u00e9\ud83d\ude00","c":{}}"#.to_string(),
        jwt_seed(),
        include_str!("fixtures/seed-tokens.txt").lines().next().unwrap_or_default().to_string(),
    ];
    run("json", &seeds, |s| {
        let _ = json::parse(s);
        let _ = json::parse_number(s);
    });
    run("jwt", &seeds, |s| {
        if let Ok(j) = jwt::decode(s) {
            let _ = jwt::check(&j, "t1");
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
    let seeds = vec![grant, batch, page.to_string(), errors.to_string()];
    let requested = vec!["t1".to_string(), "t2".to_string()];
    run("responses", &seeds, |s| {
        let _ = parse_token(s, "t1", T0, T0);
        let _ = parse_batch(s, &requested, T0, T0);
        let _ = parse_page(s);
        for status in [0, 200, 302, 401, 429, 503, 999] {
            let _ = status_error(Endpoint::Batch, status, s, Some(s), T0);
        }
    });
}

#[test]
fn retry_after_never_panics() {
    let seeds = vec![
        "120".to_string(),
        "Sun, 06 Nov 1994 08:49:37 GMT".to_string(),
        "Sunday, 06-Nov-94 08:49:37 GMT".to_string(),
        "Sun Nov  6 08:49:37 1994".to_string(),
        "Fri, 31 Dec 9999 23:59:59 GMT".to_string(),
    ];
    run("retry-after", &seeds, |s| {
        if let Some(v) = parse_retry_after(s, T0) {
            assert!(v >= 0.0 && !v.is_nan(), "negative or NaN delay for {s:?}");
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
    ];
    run("options", &seeds, |s| {
        let _ = normalize_gateway(s);
        let text = Raw::Text(s.to_string());
        let raw = RawOptions {
            gateway: text.clone(),
            region: text.clone(),
            domain: text.clone(),
            client_id: text.clone(),
            client_secret: text.clone(),
            app_name: text.clone(),
            app_version: text.clone(),
            host_tenant: text.clone(),
            user_tenant: text.clone(),
            refresh_before_expiry: Raw::Number(s.len() as f64 * 1e6 - 5e5),
            batch_size: Raw::Number(json::parse_number(s).unwrap_or(f64::NAN)),
            ..RawOptions::default()
        };
        if let Ok(c) = Config::new(&raw) {
            // Whatever was accepted builds a URL under the API path, and the secret stays out of Debug.
            assert!(c.base_url.ends_with("/api/technicaltokenmanager/v3"));
            assert!(!format!("{c:?}").contains(&format!("{}:", s)) || s.is_empty());
        }
    });
}
